"""OpenAPI generation: every operation declares the errors it can answer with, in one place,
so no view can forget its 400, 401, 403, 404 or 412."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the caller's language."))


class ValidationErrorSerializer(serializers.Serializer):
    """A 400 names each field that was refused and why: `{"field": ["message", ...]}`.
    Nested fields nest, rows of a list keyed by their position from 0
    (`{"members": {"1": {"national_id": ["..."]}}}`); errors that belong to no one field
    come under `non_field_errors`."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "ValidationError"


ERROR_DESCRIPTIONS = {
    "400": _("Bad input: the body names each refused field and the reason."),
    "401": _("No valid credentials were sent."),
    "403": _("Your role may not do this."),
    "404": _("No such record in your area (or an invalid page cursor)."),
    "409": _("The change conflicts with the record's current state."),
    "412": _("The record changed since you read it: If-Match does not match its ETag."),
    "429": _("Too many failed logins: wait the seconds `Retry-After` gives."),
}


class AutoSchema(SpectacularAutoSchema):
    def _error_codes(self):
        method = self.method.upper()
        view = self.view
        codes = ["400"]
        public = any(isinstance(p, AllowAny) for p in view.get_permissions())
        if not public:
            codes += ["401", "403"]
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        codes += list(getattr(view, "extra_error_codes", {}).get(method, ()))
        if method in ("PATCH", "PUT") and getattr(view, "versioned", False):
            codes.append("412")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            serializer = ValidationErrorSerializer if code == "400" else ErrorSerializer
            # Errors answer in JSON on every endpoint, spreadsheet endpoints included.
            response = self._get_response_for_code(serializer, code, media_types=["application/json"])
            response["description"] = str(ERROR_DESCRIPTIONS[code])
            responses[code] = response
        return dict(sorted(responses.items()))
