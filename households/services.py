"""Every write to the register. Each function validates the business rules, writes in one
transaction, records who made the change for the history, and raises Django's
ValidationError (→ 400), Conflict (→ 409) or PreconditionFailed (→ 412)."""

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from households import tallies
from households.models import Area, FormerUnit, Household, Member, PovertyStandard, Residence, Review
from households.poverty import poverty_class_for, transitions_for
from households.search import fold
from povertycase.access import actor, covers, is_country_admin
from povertycase.bulk import any_of, history_of
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
    instance._history_user = actor(by)
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
        errors["parent"] = _("A %(level)s needs a parent unit.") % {"level": Area.Level(level).label}
    elif parent is not None and parent.level not in allowed:
        errors["parent"] = _("A %(level)s cannot sit under a %(parent)s.") % {
            "level": Area.Level(level).label,
            "parent": parent.get_level_display(),
        }
    elif not (covers(by, parent.path) if parent is not None else is_country_admin(by)):
        errors["parent"] = _("You may only add units inside your own area.")
    if level == Area.Level.COMMUNE and not residence:
        errors["residence"] = _("A commune is either rural or urban.")
    elif level == Area.Level.VILLAGE and parent is not None and residence not in ("", parent.residence):
        errors["residence"] = _("A village has the residence of its commune (%(residence)s).") % {
            "residence": parent.get_residence_display()
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
                "child": Area.Level(child_level).label,
                "level": Area.Level(level).label,
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


def _residence_errors(area: Area, residence: str) -> dict:
    # The poverty line follows residence (Decree 07/2021 Art. 3), and residence follows the
    # unit: urban in a ward, rural in a commune or special zone.
    if residence and area.residence and residence != area.residence:
        return {"residence": _("%(unit)s is %(residence)s: its households are %(residence)s.") % {
            "unit": area.name, "residence": Residence(area.residence).label}}
    return {}


def _former_commune_errors(former: FormerUnit | None, area: Area) -> dict:
    """A household's former commune is one whose territory went into its commune today."""
    if former is None:
        return {}
    if former.level != FormerUnit.Level.COMMUNE:
        return {"former_commune": _("%(unit)s is a %(level)s; give a former commune.") % {
            "unit": former.name, "level": former.get_level_display()}}
    successors = dict(former.successors.values_list("code", "name"))
    if _commune_of(area).code not in successors:
        return {"former_commune": _("%(former)s went into %(successors)s, not %(commune)s.") % {
            "former": former.name, "successors": ", ".join(f"{n} ({c})" for c, n in sorted(successors.items())),
            "commune": _commune_of(area).name}}
    return {}


def _household_area_errors(area: Area, by) -> dict:
    if not covers(by, area.path):
        return {"area": _("No administrative unit with code %(code)s in your area.") % {"code": area.code}}
    if area.level not in Area.HOUSEHOLD_LEVELS:
        return {"area": _("A household lives in a commune or village, not a %(level)s.") % {
            "level": area.get_level_display()
        }}
    return {}


def _refresh_household(household_id):
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
    existing = Household.objects.filter(pk=household_id).select_related("area").first()
    if existing is None:
        return None
    if not covers(by, existing.area.path):
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
    former_commune: FormerUnit | None = None,
    members: Iterable[Mapping] = (),
) -> tuple[Household, bool]:
    """Creates a household with its members; returns (household, created). Sending the same
    id again returns the stored household and changes nothing."""
    if id is not None and (existing := household_get_replay(by=by, household_id=id)):
        return existing, False
    members = list(members)
    errors = _household_area_errors(area, by) or {**_residence_errors(area, residence),
                                                  **_former_commune_errors(former_commune, area)}
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
    # The same create retried at the same moment: the first to hold the commune's lock stored
    # it, and the others, let in one by one, find it.
    if id is not None and (existing := household_get_replay(by=by, household_id=id)):
        return existing, False
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
        former_commune=former_commune,
    )
    if id is not None:
        household.id = id
    _attribute(household, by)
    try:
        with transaction.atomic():
            household.save(force_insert=True)
    except IntegrityError:
        # A retry of the same create filed under another commune won the race to insert.
        if id is not None and (existing := household_get_replay(by=by, household_id=id)):
            return existing, False
        raise
    # The head first, so the household is never without one.
    for index in sorted(range(len(members)), key=lambda i: i not in heads):
        member = Member(household=household, **members[index])
        _attribute(member, by)
        member.save(force_insert=True)
    household.search_text = " | ".join(
        [fold(household.code), *(fold(data["full_name"]) for data in members)]
    )
    Household.objects.filter(pk=household.pk).update(search_text=household.search_text)
    tallies.households_changed([household.pk])
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
    "former_commune",
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
    changes = dict(changes)
    area = changes.get("area", household.area)
    if "area" in changes and "residence" not in changes and area.residence:
        changes["residence"] = area.residence  # a household that moves takes its new unit's
    errors = (_household_area_errors(area, by) if "area" in changes else {}) or {
        **_residence_errors(area, changes.get("residence", "")),
        **(_former_commune_errors(changes.get("former_commune", household.former_commune), area)
           if {"area", "former_commune"} & set(changes) else {})}
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(household, field, list(value) if field in ("poverty_causes", "support_needs") else value)
    household.version += 1
    _attribute(household, by)
    household.save()
    if {"area", "residence", "ethnic_minority", "former_commune"} & set(changes):
        tallies.households_changed([household.pk])
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
    household.archived_on = timezone.localdate()
    household.version += 1
    _attribute(household, by, reason)
    household.save()
    tallies.households_changed([household.pk])
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


# Poverty reviews ---------------------------------------------------------------------------


def _review_errors(*, household: Household, year: int, reviewed_on: date, deprivations,
                   standard: PovertyStandard | None, indicator_codes: set[str] | None = None) -> dict:
    errors = {}
    if household.status != Household.Status.ACTIVE:
        errors["household"] = _("This household is archived.")
    if standard is None:
        errors["year"] = _("No poverty standard covers the year %(year)d.") % {"year": year}
    else:
        errors.update(_indicator_errors(standard, deprivations, indicator_codes))
    if reviewed_on.year != year:
        errors["reviewed_on"] = _("A review of %(year)d is carried out in %(year)d.") % {"year": year}
    elif reviewed_on > timezone.localdate():
        errors["reviewed_on"] = _("The review date is in the future.")
    return errors


def _indicator_errors(standard: PovertyStandard, deprivations, known: set[str] | None = None) -> dict:
    if known is None:
        known = set(standard.indicators.values_list("code", flat=True))
    unknown = sorted(set(deprivations) - known)
    if not unknown:
        return {}
    return {"deprivations": _(
        "Not indicators of %(standard)s: %(codes)s. Its indicators are: %(known)s."
    ) % {"standard": standard.code, "codes": ", ".join(unknown), "known": ", ".join(sorted(known))}}


def standard_classify(*, standard: PovertyStandard, income_per_capita: int, deprivations: Iterable[str],
                      residence: str) -> dict:
    """What a review under `standard` would say, recording nothing: for training on a standard
    before it is in force, and for forms that show the class while they are filled in."""
    deprivations = sorted(set(deprivations))
    errors = _indicator_errors(standard, deprivations)
    if errors:
        raise ValidationError(errors)
    poverty_class, explanation = poverty_class_for(income=income_per_capita, deprivation_count=len(deprivations),
                                                   standard=standard, residence=residence,
                                                   deprived=[standard.indicator_name(c) for c in deprivations])
    return {"standard": standard.code, "poverty_class": poverty_class, "deprivation_count": len(deprivations),
            "explanation": explanation}


def _classify(review: Review):
    review.deprivation_count = len(review.deprivations)
    # The explanation is part of the record the commune keeps: written in Vietnamese, whatever
    # language the caller reads the API in.
    with translation.override(settings.LANGUAGE_CODE):
        review.poverty_class, review.explanation = poverty_class_for(
            income=review.income_per_capita,
            deprivation_count=review.deprivation_count,
            standard=review.standard,
            residence=review.residence,
            deprived=[review.standard.indicator_name(code) for code in review.deprivations],
        )


@transaction.atomic
def review_record(
    *,
    by,
    household: Household,
    year: int,
    kind: str,
    reviewed_on: date,
    income_per_capita: int,
    deprivations: Iterable[str] = (),
    corrects: Review | None = None,
) -> Review:
    """Records a draft review and classifies it. A correction of an approved review names it in
    `corrects`; the correction supersedes it when approved."""
    household = _lock_household(household)
    deprivations = sorted(set(deprivations))
    standard = PovertyStandard.objects.for_year(year).first()
    errors = _review_errors(household=household, year=year, reviewed_on=reviewed_on,
                            deprivations=deprivations, standard=standard)
    if corrects is not None:
        if corrects.household_id != household.pk:
            errors["corrects"] = _("A correction is of a review of the same household.")
        elif corrects.status != Review.Status.APPROVED:
            errors["corrects"] = _("Only an approved review is corrected; change a draft directly.")
        elif (corrects.year, corrects.kind) != (year, kind):
            errors["corrects"] = _("A correction keeps the year and kind of the review it corrects.")
        elif corrects.corrections.filter(status=Review.Status.DRAFT).exists():
            errors["corrects"] = _("This review already has a draft correction; change that one.")
    elif kind == Review.Kind.PERIODIC and Review.objects.filter(
        household=household, year=year, kind=kind, corrects__isnull=True
    ).exclude(status=Review.Status.SUPERSEDED).exists():
        errors["kind"] = _(
            "This household already has a periodic review for %(year)d; correct it instead."
        ) % {"year": year}
    if errors:
        raise ValidationError(errors)
    review = Review(
        household=household, year=year, kind=kind, reviewed_on=reviewed_on,
        income_per_capita=income_per_capita, deprivations=deprivations, standard=standard,
        residence=household.residence, corrects=corrects,
    )
    _classify(review)
    _attribute(review, by)
    review.save(force_insert=True)
    return review


REVIEW_EDITABLE = ("reviewed_on", "income_per_capita", "deprivations")


@transaction.atomic
def review_update(*, review: Review, by, changes: Mapping, if_match: str | None = None) -> Review:
    review = Review.objects.select_for_update().select_related("household", "standard").get(pk=review.pk)
    _require_version(review, if_match)
    if review.status != Review.Status.DRAFT:
        raise Conflict(_("Only a draft review can be changed; correct an approved one with a new review."))
    unknown = set(changes) - set(REVIEW_EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    deprivations = sorted(set(changes.get("deprivations", review.deprivations)))
    reviewed_on = changes.get("reviewed_on", review.reviewed_on)
    errors = _review_errors(household=review.household, year=review.year, reviewed_on=reviewed_on,
                            deprivations=deprivations, standard=review.standard)
    if errors:
        raise ValidationError(errors)
    review.reviewed_on = reviewed_on
    review.deprivations = deprivations
    review.income_per_capita = changes.get("income_per_capita", review.income_per_capita)
    _classify(review)
    review.version += 1
    _attribute(review, by)
    review.save()
    return review


def _approve(drafts: list[tuple], *, by, decision_number: str, decision_date: date):
    """Approves drafts, given as (id, household_id, corrects_id), supersedes what they correct,
    and recomputes the transitions of every approved review of the households concerned (an
    earlier review changes the later ones). Set-based, for a commune's list at once: one
    UPDATE per distinct new value, and the history rows copied from the updated rows."""
    if not drafts:
        return
    now = timezone.now()
    draft_ids = {draft[0] for draft in drafts}
    corrected = [draft[2] for draft in drafts if draft[2]]
    household_ids = {draft[1] for draft in drafts}
    chains: dict = {}
    rows = (Review.objects.filter(household_id__in=any_of(household_ids))
            .filter(status__in=[Review.Status.APPROVED, Review.Status.DRAFT]).exclude(pk__in=corrected)
            .values("pk", "household_id", "year", "reviewed_on", "approved_at", "poverty_class", "standard_id",
                    "transition", "status"))
    for row in rows:
        if row["pk"] in draft_ids:
            row["approved_at"] = now
        elif row["status"] != Review.Status.APPROVED:
            continue
        chains.setdefault(row["household_id"], []).append(row)
    changed: dict = {}
    standings = {}
    for household, chain in chains.items():
        chain.sort(key=lambda r: (r["year"], r["reviewed_on"], r["approved_at"], str(r["pk"])))
        transitions = transitions_for([r["poverty_class"] for r in chain], [r["standard_id"] for r in chain])
        for row, transition in zip(chain, transitions):
            if transition != row["transition"] or row["pk"] in draft_ids:
                changed.setdefault(transition, []).append(row["pk"])
        standings[household] = (chain[-1]["poverty_class"], chain[-1]["year"])
    bump = {"version": F("version") + 1, "updated_at": now}
    restamped = []
    for transition, pks in changed.items():
        Review.objects.filter(pk__in=any_of(pk for pk in pks if pk in draft_ids)).update(
            transition=transition, status=Review.Status.APPROVED, approved_at=now, approved_by=actor(by),
            decision_number=decision_number, decision_date=decision_date, **bump)
        stored = [pk for pk in pks if pk not in draft_ids]
        Review.objects.filter(pk__in=any_of(stored)).update(transition=transition, **bump)
        restamped.extend(stored)
    Review.objects.filter(pk__in=any_of(corrected)).update(status=Review.Status.SUPERSEDED, **bump)
    history_of(Review.objects.filter(pk__in=any_of([*draft_ids, *restamped, *corrected])), by=by, when=now)
    classes: dict = {}
    for household, standing in standings.items():
        classes.setdefault(standing, []).append(household)
    for (poverty_class, year), pks in classes.items():
        (Household.objects.filter(pk__in=any_of(pks))
         .exclude(poverty_class=poverty_class, poverty_class_year=year)
         .update(poverty_class=poverty_class, poverty_class_year=year, **bump))
    history_of(Household.objects.filter(pk__in=any_of(household_ids), updated_at=now), by=by, when=now)
    tallies.households_changed(household_ids)


def _approval_errors(decision_number: str, decision_date: date | None) -> dict:
    errors = {}
    if not decision_number.strip():
        errors["decision_number"] = _("Give the number of the recognition decision.")
    if decision_date is None:
        errors["decision_date"] = _("Give the date of the recognition decision.")
    elif decision_date > timezone.localdate():
        errors["decision_date"] = _("The decision date is in the future.")
    return errors


@transaction.atomic
def review_approve(*, review: Review, by, decision_number: str, decision_date: date,
                   if_match: str | None = None) -> Review:
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_version(review, if_match)
    if review.status != Review.Status.DRAFT:
        raise Conflict(_("This review is already %(status)s.") % {"status": review.get_status_display()})
    errors = _approval_errors(decision_number, decision_date)
    if errors:
        raise ValidationError(errors)
    if review.corrects_id:
        Review.objects.select_for_update().filter(pk=review.corrects_id).get()
    _approve([(review.pk, review.household_id, review.corrects_id)], by=by, decision_number=decision_number,
             decision_date=decision_date)
    return Review.objects.get(pk=review.pk)


@transaction.atomic
def reviews_approve_in_area(*, by, reviews, area: Area, year: int, decision_number: str,
                            decision_date: date) -> int:
    """Approves every draft review of `year` in `area` among `reviews` (the caller's visible
    reviews): one recognition decision for a commune's whole list."""
    errors = _approval_errors(decision_number, decision_date)
    if not covers(by, area.path):
        errors["area"] = _("No administrative unit with code %(code)s in your area.") % {"code": area.code}
    if errors:
        raise ValidationError(errors)
    drafts = list(
        reviews.select_related(None).select_for_update()
        .filter(status=Review.Status.DRAFT, year=year, household__area__path__startswith=area.path)
        .order_by("pk").values_list("pk", "household_id", "corrects_id")
    )
    _approve(drafts, by=by, decision_number=decision_number, decision_date=decision_date)
    return len(drafts)


# Poverty standards -------------------------------------------------------------------------


def _standard_errors(*, standard: PovertyStandard | None, data: Mapping) -> dict:
    errors = {}
    first, last = data["first_year"], data["last_year"]
    if first > last:
        errors["last_year"] = _("The last review year is before the first.")
    overlapping = PovertyStandard.objects.filter(first_year__lte=last, last_year__gte=first)
    if standard is not None:
        overlapping = overlapping.exclude(pk=standard.pk)
    if overlapping.exists():
        errors["first_year"] = _("These years overlap the standard %(code)s.") % {
            "code": ", ".join(overlapping.values_list("code", flat=True))
        }
    ceilings = (data.get("rural_ceiling"), data.get("urban_ceiling"))
    if (ceilings[0] is None) != (ceilings[1] is None):
        errors["urban_ceiling"] = _("Give both average-living ceilings, or neither.")
    elif ceilings[0] is not None and (ceilings[0] < data["rural_line"] or ceilings[1] < data["urban_line"]):
        errors["rural_ceiling"] = _("A ceiling is at or above its income line.")
    return errors


def _set_indicators(standard: PovertyStandard, indicators: list[Mapping]):
    codes = [i["code"] for i in indicators]
    kept = set(codes)
    removed = standard.indicators.exclude(code__in=kept)
    if removed.exists() and standard.reviews.exists():
        raise ValidationError({"indicators": _(
            "Reviews already use this standard: its indicators can be renamed or added, not removed (%(codes)s)."
        ) % {"codes": ", ".join(removed.values_list("code", flat=True))}})
    removed.delete()
    for position, data in enumerate(indicators):
        standard.indicators.update_or_create(code=data["code"], defaults={**data, "position": position})


@transaction.atomic
def standard_create(*, by, indicators: list[Mapping], **data) -> PovertyStandard:
    errors = _standard_errors(standard=None, data=data)
    if PovertyStandard.objects.filter(code=data["code"]).exists():
        errors["code"] = _("A standard with this code already exists.")
    if errors:
        raise ValidationError(errors)
    standard = PovertyStandard(**data)
    _attribute(standard, by)
    standard.save()
    _set_indicators(standard, indicators)
    return standard


@transaction.atomic
def standard_update(*, standard: PovertyStandard, by, changes: Mapping) -> PovertyStandard:
    """Corrects a standard. Draft reviews are classified again; approved reviews keep the class
    their recognition decision gave them."""
    standard = PovertyStandard.objects.select_for_update().get(pk=standard.pk)
    changes = dict(changes)
    indicators = changes.pop("indicators", None)
    changes.pop("code", None)
    merged = {f: changes.get(f, getattr(standard, f)) for f in
              ("first_year", "last_year", "rural_line", "urban_line", "rural_ceiling", "urban_ceiling")}
    errors = _standard_errors(standard=standard, data=merged)
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(standard, field, value)
    _attribute(standard, by)
    standard.save()
    if indicators is not None:
        _set_indicators(standard, indicators)
    drafts = list(standard.reviews.filter(status=Review.Status.DRAFT).select_related("standard"))
    for review in drafts:
        review.standard = standard
        _classify(review)
        review.version += 1
    bulk_update_with_history(drafts, Review, ["deprivation_count", "poverty_class", "explanation", "version"],
                             batch_size=1000, default_user=actor(by),
                             default_change_reason=_("poverty standard corrected"))
    return standard
