"""Turns every error into a JSON answer with a 4xx status: the domain's exceptions, Django's
ValidationError from the services, and the database's last-line constraint violations."""

from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from povertycase.accounts.throttle import LoginThrottled
from povertycase.errors import Conflict, PreconditionFailed


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailedError(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def _nest(errors: dict) -> dict:
    """Services name nested fields with dots (`members.1.national_id`); clients get the
    shape DRF itself gives nested serializers: `{"members": {"1": {"national_id": [...]}}}`,
    rows without errors left out."""
    nested: dict = {}
    for key, messages in errors.items():
        key = "non_field_errors" if key == "__all__" else key
        parts = key.split(".")
        node = nested
        for part in parts[:-1]:
            if not isinstance(node.get(part, {}), dict):
                node[part] = {"non_field_errors": node[part]}
            node = node.setdefault(part, {})
        if isinstance(node.get(parts[-1]), dict):
            node[parts[-1]]["non_field_errors"] = messages
        else:
            node[parts[-1]] = messages
    return nested


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_nest(as_serializer_error(exc)))
    elif isinstance(exc, Conflict):
        exc = ConflictError(exc.message)
    elif isinstance(exc, PreconditionFailed):
        exc = PreconditionFailedError(exc.message)
    elif isinstance(exc, SuspiciousOperation):
        # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = exceptions.ParseError(str(exc) or _("The request could not be read."))
    elif isinstance(exc, LoginThrottled):
        exc = exceptions.Throttled(wait=exc.wait, detail=_(
            "Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": (exc.wait + 59) // 60})
    elif isinstance(exc, IntegrityError):
        # A constraint caught what a concurrent request slipped past the service's checks.
        exc = ConflictError(_("The change conflicts with another record that was just saved."))
    return drf_exception_handler(exc, context)
