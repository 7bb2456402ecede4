"""Every write to the register. Each function validates the business rules, writes in one
transaction, records who made the change for the history, and raises Django's
ValidationError (→ 400), Conflict (→ 409) or PreconditionFailed (→ 412)."""

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import Area, Household, Member
from households.search import fold
from povertycase.errors import Conflict, PreconditionFailed, version_matches

AREA_CODE_PATTERNS = {
    # Decision 19/2025/QĐ-TTg: province 2 digits, commune 5; Decision 124/2004: district 3.
    Area.Level.PROVINCE: (re.compile(r"^\d{2}$"), gettext_lazy("a province code is 2 digits")),
    Area.Level.DISTRICT: (re.compile(r"^\d{3}$"), gettext_lazy("a district code is 3 digits")),
    Area.Level.COMMUNE: (re.compile(r"^\d{5}$"), gettext_lazy("a commune code is 5 digits")),
    Area.Level.VILLAGE: (
        re.compile(r"^[0-9A-Za-z_-]{1,16}$"),
        gettext_lazy("a village code is 1 to 16 letters, digits, '-' or '_'"),
    ),
}
GENERATED_CODE_DIGITS = 6


def _attribute(instance, by, reason: str = ""):
    instance._history_user = by
    if reason:
        instance._change_reason = reason


def _require_version(instance, if_match: str | None):
    if not version_matches(if_match, instance.version):
        raise PreconditionFailed()


# Administrative units ---------------------------------------------------------------------


def _area_path(code: str, parent: Area | None) -> str:
    return f"{parent.path if parent else ''}{code}/"


def _area_errors(*, by, code: str, level: str, parent: Area | None, residence: str) -> dict:
    errors = {}
    pattern, message = AREA_CODE_PATTERNS[level]
    if not pattern.match(code):
        errors["code"] = _("Invalid code for this level: %(rule)s.") % {"rule": message}
    allowed = Area.PARENT_LEVELS[level]
    if parent is None and allowed:
        errors["parent"] = _("A %(level)s needs a parent unit.") % {"level": level}
    elif parent is not None and parent.level not in allowed:
        errors["parent"] = _("A %(level)s cannot sit under a %(parent)s.") % {
            "level": level,
            "parent": parent.level,
        }
    elif parent is None and by is not None and by.area_id is not None:
        errors["parent"] = _("You may only add units inside your own area.")
    if level == Area.Level.COMMUNE and not residence:
        errors["residence"] = _("A commune is either rural or urban.")
    elif level == Area.Level.VILLAGE and parent is not None and residence not in ("", parent.residence):
        errors["residence"] = _("A village has the residence of its commune (%(residence)s).") % {
            "residence": parent.residence
        }
    elif level in (Area.Level.PROVINCE, Area.Level.DISTRICT) and residence:
        errors["residence"] = _("Only communes and villages are rural or urban.")
    return errors


def area_create(
    *, by, code: str, name: str, level: str, parent: Area | None = None, residence: str = ""
) -> Area:
    errors = _area_errors(by=by, code=code, level=level, parent=parent, residence=residence)
    if not errors.get("code") and Area.objects.filter(code=code).exists():
        errors["code"] = _("An administrative unit with this code already exists.")
    if errors:
        raise ValidationError(errors)
    if level == Area.Level.VILLAGE:
        residence = parent.residence
    area = Area(
        code=code,
        name=name,
        level=level,
        parent=parent,
        residence=residence,
        path=_area_path(code, parent),
    )
    _attribute(area, by)
    area.save()
    return area


@transaction.atomic
def area_update(*, area: Area, by, changes: Mapping) -> Area:
    area = Area.objects.select_for_update().get(pk=area.pk)
    level = changes.get("level", area.level)
    parent = changes.get("parent", area.parent)
    residence = changes.get("residence", area.residence)
    if level == Area.Level.VILLAGE and parent is not None and (
        not residence or "residence" not in changes
    ):
        residence = parent.residence
    errors = _area_errors(by=by, code=area.code, level=level, parent=parent, residence=residence)
    if parent is not None and parent.path.startswith(area.path):
        errors["parent"] = _("A unit cannot sit under itself or one of its own units.")
    for child_level in area.children.values_list("level", flat=True).distinct():
        if level not in Area.PARENT_LEVELS[child_level]:
            errors["level"] = _("Its units of level %(child)s could not sit under a %(level)s.") % {
                "child": child_level,
                "level": level,
            }
    if errors:
        raise ValidationError(errors)

    old_path = area.path
    area.name = changes.get("name", area.name)
    area.level, area.parent, area.residence = level, parent, residence
    area.path = _area_path(area.code, parent)
    _attribute(area, by)
    area.save()
    if area.path != old_path:
        for unit in Area.objects.filter(path__startswith=old_path).exclude(pk=area.pk):
            unit.path = area.path + unit.path[len(old_path):]
            _attribute(unit, by, _("moved with its parent unit"))
            unit.save(update_fields=["path", "updated_at"])
    if area.level == Area.Level.COMMUNE:
        for village in area.children.filter(level=Area.Level.VILLAGE).exclude(residence=residence):
            village.residence = residence
            _attribute(village, by, _("residence follows its commune"))
            village.save(update_fields=["residence", "updated_at"])
    return area


# Households and members -------------------------------------------------------------------


def _commune_of(area: Area) -> Area:
    return area.parent if area.level == Area.Level.VILLAGE else area


def _next_household_code(commune: Area) -> str:
    """`<commune code>-000001`, one past the highest generated code of the commune. The
    caller holds the commune's row lock, so two creations cannot draw the same number."""
    prefix = f"{commune.code}-"
    last = (
        Household.objects.filter(code__gte=prefix + "0" * GENERATED_CODE_DIGITS,
                                 code__lte=prefix + "9" * GENERATED_CODE_DIGITS)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    tail = last[len(prefix):] if last else ""
    number = int(tail) + 1 if tail.isdigit() else 1
    while Household.objects.filter(code=f"{prefix}{number:0{GENERATED_CODE_DIGITS}d}").exists():
        number += 1
    return f"{prefix}{number:0{GENERATED_CODE_DIGITS}d}"


def _member_errors(data: Mapping, *, member: Member | None = None) -> dict:
    errors = {}
    born = data.get("date_of_birth")
    if born is not None and born > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth is in the future.")
    national_id = data.get("national_id")
    if national_id:
        others = Member.objects.filter(national_id=national_id)
        if member is not None:
            others = others.exclude(pk=member.pk)
        if others.exists():
            errors["national_id"] = _("This national ID is already used by another member.")
    return errors


def _household_area_errors(area: Area) -> dict:
    if area.level not in Area.HOUSEHOLD_LEVELS:
        return {"area": _("A household lives in a commune or village, not a %(level)s.") % {
            "level": area.level
        }}
    return {}


def _refresh_household(household_id, by=None):
    """A member changed: the household's ETag, sync timestamp and search text move with it.
    A queryset update, so the household's history holds only its own changes."""
    names = Member.objects.filter(household_id=household_id, status=Member.Status.ACTIVE)
    household = Household.objects.filter(pk=household_id)
    code = household.values_list("code", flat=True).get()
    text = " | ".join([fold(code), *(fold(n) for n in names.values_list("full_name", flat=True))])
    household.update(version=F("version") + 1, search_text=text, updated_at=timezone.now())


def household_get_replay(*, by, household_id: uuid.UUID) -> Household | None:
    """A create that carries an id already stored is a retry from an offline client: the
    stored household is the answer. An id used outside the caller's area is a conflict."""
    existing = Household.objects.filter(pk=household_id).first()
    if existing is None:
        return None
    if by is not None and not Household.objects.visible_to(by).filter(pk=household_id).exists():
        raise Conflict(_("This household id is already in use."))
    return existing


@transaction.atomic
def household_create(
    *,
    by,
    area: Area,
    id: uuid.UUID | None = None,
    code: str = "",
    address: str = "",
    residence: str = "",
    ethnic_minority: bool = False,
    merit_family: bool = False,
    no_working_capacity: bool = False,
    poverty_causes: Iterable[str] = (),
    support_needs: Iterable[str] = (),
    members: Iterable[Mapping] = (),
) -> tuple[Household, bool]:
    """Creates a household with its members; returns (household, created). Sending the same
    id again returns the stored household and changes nothing."""
    if id is not None and (existing := household_get_replay(by=by, household_id=id)):
        return existing, False
    members = list(members)
    errors = _household_area_errors(area)
    if code and Household.objects.filter(code=code).exists():
        errors["code"] = _("A household with this code already exists.")
    seen_ids: dict[str, int] = {}
    for index, data in enumerate(members):
        for field, message in _member_errors(data).items():
            errors[f"members.{index}.{field}"] = message
        national_id = data.get("national_id")
        if national_id:
            if national_id in seen_ids:
                errors[f"members.{index}.national_id"] = _(
                    "The same national ID is given to member %(other)d."
                ) % {"other": seen_ids[national_id] + 1}
            seen_ids.setdefault(national_id, index)
    heads = [i for i, data in enumerate(members) if data.get("relationship") == Member.Relationship.HEAD]
    if members and len(heads) != 1:
        errors["members.non_field_errors"] = _(
            "A household with members has exactly one head; this one has %(count)d."
        ) % {"count": len(heads)}
    if errors:
        raise ValidationError(errors)

    commune = Area.objects.select_for_update().get(pk=_commune_of(area).pk)
    household = Household(
        code=code or _next_household_code(commune),
        area=area,
        address=address,
        residence=residence or area.residence,
        ethnic_minority=ethnic_minority,
        merit_family=merit_family,
        no_working_capacity=no_working_capacity,
        poverty_causes=list(poverty_causes),
        support_needs=list(support_needs),
    )
    if id is not None:
        household.id = id
    _attribute(household, by)
    household.save(force_insert=True)
    # The head first, so the household is never without one.
    for index in sorted(range(len(members)), key=lambda i: i not in heads):
        member = Member(household=household, **members[index])
        _attribute(member, by)
        member.save(force_insert=True)
    household.search_text = " | ".join(
        [fold(household.code), *(fold(data["full_name"]) for data in members)]
    )
    Household.objects.filter(pk=household.pk).update(search_text=household.search_text)
    return household, True


def _lock_household(household: Household, *, if_match: str | None = None) -> Household:
    locked = Household.objects.select_for_update().select_related("area").get(pk=household.pk)
    _require_version(locked, if_match)
    return locked


def _require_active(household: Household):
    if household.status != Household.Status.ACTIVE:
        raise Conflict(_("This household is archived; an archived household cannot be changed."))


HOUSEHOLD_EDITABLE = (
    "area",
    "address",
    "residence",
    "ethnic_minority",
    "merit_family",
    "no_working_capacity",
    "poverty_causes",
    "support_needs",
)


@transaction.atomic
def household_update(
    *, household: Household, by, changes: Mapping, if_match: str | None = None
) -> Household:
    household = _lock_household(household, if_match=if_match)
    _require_active(household)
    unknown = set(changes) - set(HOUSEHOLD_EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    if "area" in changes:
        errors = _household_area_errors(changes["area"])
        if errors:
            raise ValidationError(errors)
    for field, value in changes.items():
        setattr(household, field, list(value) if field in ("poverty_causes", "support_needs") else value)
    household.version += 1
    _attribute(household, by)
    household.save()
    return household


@transaction.atomic
def household_archive(
    *, household: Household, by, reason: str, note: str = "", if_match: str | None = None
) -> Household:
    household = _lock_household(household, if_match=if_match)
    _require_active(household)
    household.status = Household.Status.ARCHIVED
    household.archive_reason = reason
    household.archive_note = note
    household.version += 1
    _attribute(household, by, reason)
    household.save()
    return household


@transaction.atomic
def household_change_head(
    *,
    household: Household,
    by,
    member: Member,
    former_head_relationship: str,
    if_match: str | None = None,
) -> Household:
    """Makes `member` the head. The former head, if any, takes `former_head_relationship`;
    the other members' relationships are the caller's to correct."""
    household = _lock_household(household, if_match=if_match)
    _require_active(household)
    errors = {}
    if member.household_id != household.pk or member.status != Member.Status.ACTIVE:
        errors["member"] = _("Choose an active member of this household.")
    elif member.relationship == Member.Relationship.HEAD:
        errors["member"] = _("This member is already the head.")
    if former_head_relationship == Member.Relationship.HEAD:
        errors["former_head_relationship"] = _("The former head cannot stay head.")
    if errors:
        raise ValidationError(errors)
    former = household.members.active().filter(relationship=Member.Relationship.HEAD).first()
    if former is not None:
        former.relationship = former_head_relationship
        former.version += 1
        _attribute(former, by, _("head of household changed"))
        former.save()
    member = Member.objects.get(pk=member.pk)
    member.relationship = Member.Relationship.HEAD
    member.version += 1
    _attribute(member, by, _("head of household changed"))
    member.save()
    _refresh_household(household.pk)
    household.refresh_from_db()
    return household


@transaction.atomic
def member_create(*, by, household: Household, **data) -> Member:
    household = _lock_household(household)
    if household.status != Household.Status.ACTIVE:
        raise ValidationError({"household": _("This household is archived.")})
    errors = _member_errors(data)
    has_head = household.members.active().filter(relationship=Member.Relationship.HEAD).exists()
    is_head = data.get("relationship") == Member.Relationship.HEAD
    if is_head and has_head:
        errors["relationship"] = _(
            "This household already has a head; to replace the head use change-head."
        )
    elif not is_head and not has_head:
        errors["relationship"] = _(
            "This household has no head yet; its first member must be the head."
        )
    if errors:
        raise ValidationError(errors)
    member = Member(household=household, **data)
    _attribute(member, by)
    member.save(force_insert=True)
    _refresh_household(household.pk)
    return member


MEMBER_EDITABLE = (
    "full_name",
    "sex",
    "date_of_birth",
    "national_id",
    "relationship",
    "ethnicity",
    "has_health_insurance",
    "disability",
    "education_level",
    "employment",
)


def _lock_member(member: Member, *, if_match: str | None) -> tuple[Member, Household]:
    # Lock the household first: every write to a household's members goes through its row,
    # so the one-head rule cannot be broken by two requests at once.
    household = _lock_household(member.household)
    member = Member.objects.select_for_update().get(pk=member.pk)
    _require_version(member, if_match)
    return member, household


@transaction.atomic
def member_update(*, member: Member, by, changes: Mapping, if_match: str | None = None) -> Member:
    member, household = _lock_member(member, if_match=if_match)
    _require_active(household)
    if member.status != Member.Status.ACTIVE:
        raise Conflict(_("This member is archived; an archived member cannot be changed."))
    errors = {}
    if "household" in changes and changes["household"].pk != member.household_id:
        errors["household"] = _(
            "A member cannot move to another household; archive them here and add them there."
        )
    changes = {k: v for k, v in changes.items() if k != "household"}
    unknown = set(changes) - set(MEMBER_EDITABLE)
    errors.update({field: _("This field cannot be changed.") for field in unknown})
    errors.update(_member_errors(changes, member=member))
    new_relationship = changes.get("relationship", member.relationship)
    if member.relationship == Member.Relationship.HEAD and new_relationship != member.relationship:
        errors["relationship"] = _(
            "The head stays head until another member is made head (use change-head)."
        )
    elif new_relationship == Member.Relationship.HEAD and member.relationship != new_relationship:
        errors["relationship"] = _(
            "This household already has a head; to replace the head use change-head."
        )
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(member, field, value)
    member.version += 1
    _attribute(member, by)
    member.save()
    _refresh_household(household.pk)
    return member


@transaction.atomic
def member_archive(*, member: Member, by, reason: str, if_match: str | None = None) -> Member:
    member, household = _lock_member(member, if_match=if_match)
    _require_active(household)
    if member.status != Member.Status.ACTIVE:
        raise Conflict(_("This member is already archived."))
    others = household.members.active().exclude(pk=member.pk)
    if member.relationship == Member.Relationship.HEAD and others.exists():
        raise ValidationError(
            {"member": _("Make another member head (change-head) before archiving the head.")}
        )
    member.status = Member.Status.ARCHIVED
    member.archive_reason = reason
    member.version += 1
    _attribute(member, by, reason)
    member.save()
    _refresh_household(household.pk)
    return member
