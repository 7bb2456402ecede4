"""Every write to programmes. Rules refused with Django's ValidationError (→ 400)."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households.models import Area, Indicator
from povertycase.errors import PreconditionFailed, version_matches
from programmes.models import Programme

TRAINING_FIELDS = ("occupation", "provider", "hours", "min_age", "max_age")


def _programme_errors(*, by, data: Mapping, programme: Programme | None = None) -> dict:
    errors = {}
    area = data["area"]
    if by is not None and not Area.objects.visible_to(by).filter(pk=area.pk).exists():
        errors["area"] = _("You may run programmes only in your own area.")
    parent = data.get("parent")
    if parent is not None:
        if programme is not None and (parent.pk == programme.pk or _descends_from(parent, programme)):
            errors["parent"] = _("A programme cannot sit under itself or one of its own projects.")
        elif not area.path.startswith(parent.area.path):
            errors["parent"] = _("A project runs inside its parent programme's area (%(area)s).") % {
                "area": parent.area.code}
    if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        errors["ends_on"] = _("A programme ends on or after its start.")
    if data["kind"] not in Programme.PERSON_KINDS:
        for field in TRAINING_FIELDS:
            if data.get(field) not in (None, ""):
                errors[field] = _("Only vocational training and employment programmes have this.")
    if data.get("min_age") is not None and data.get("max_age") is not None and data["min_age"] > data["max_age"]:
        errors["max_age"] = _("The maximum age is at least the minimum age.")
    unknown = sorted(set(data.get("targets", ())) - set(Indicator.objects.values_list("code", flat=True)))
    if unknown:
        errors["targets"] = _("Not indicators of any poverty standard: %(codes)s.") % {"codes": ", ".join(unknown)}
    if not data.get("eligible_classes") and data.get("escaped_within_years") is None:
        errors["eligible_classes"] = _("Say which households may enrol: poverty classes, or households "
                                       "that escaped poverty within some years, or both.")
    return errors


def _descends_from(candidate: Programme, ancestor: Programme) -> bool:
    node = candidate
    while node.parent_id is not None:
        if node.parent_id == ancestor.pk:
            return True
        node = node.parent
    return False


@transaction.atomic
def programme_create(*, by, **data) -> Programme:
    errors = _programme_errors(by=by, data=data)
    if Programme.objects.filter(code=data["code"]).exists():
        errors["code"] = _("A programme with this code already exists.")
    if errors:
        raise ValidationError(errors)
    programme = Programme(**data)
    programme._history_user = by
    programme.save()
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, by, changes: Mapping, if_match: str | None = None) -> Programme:
    programme = Programme.objects.select_for_update().select_related("area").get(pk=programme.pk)
    if not version_matches(if_match, programme.version):
        raise PreconditionFailed()
    changes = {k: v for k, v in changes.items() if k != "code"}
    merged = {f.name: getattr(programme, f.name) for f in Programme._meta.concrete_fields}
    merged.update(changes)
    errors = _programme_errors(by=by, data=merged, programme=programme)
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(programme, field, value)
    programme.version += 1
    programme._history_user = by
    programme.save()
    return programme
