"""Every write to programmes. Rules refused with Django's ValidationError (→ 400)."""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Area, Indicator, PovertyClass, Review, Transition
from povertycase.errors import Conflict, PreconditionFailed, version_matches
from programmes.models import Enrollment, Programme

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


# Enrolment -----------------------------------------------------------------------------------


def _baseline_review(household, on: date):
    """The household's class at `on`: its latest approved review carried out by then."""
    return (
        Review.objects.approved().filter(household=household, reviewed_on__lte=on)
        .order_by("-year", "-reviewed_on", "-approved_at").first()
    )


def _escaped_recently(household, on: date, years: int) -> bool:
    since = on.replace(year=on.year - years) if not (on.month == 2 and on.day == 29) else on.replace(
        year=on.year - years, day=28)
    return Review.objects.approved().filter(
        household=household, reviewed_on__gt=since, reviewed_on__lte=on,
        transition__in=[Transition.ESCAPED_TO_NEAR_POOR, Transition.ESCAPED_ABOVE_NEAR_POOR],
    ).exists()


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def enrollment_eligibility(*, programme: Programme, household, member, on: date) -> tuple[dict, Review | None]:
    """(the conditions that fail, by field; the review the household is judged on)."""
    errors = {}
    if programme.status != Programme.Status.OPEN:
        errors["programme"] = _("The programme is %(status)s, not open.") % {"status": programme.get_status_display()}
    elif on < programme.starts_on or (programme.ends_on and on > programme.ends_on):
        errors["enrolled_on"] = _("The programme runs from %(start)s to %(end)s.") % {
            "start": programme.starts_on, "end": programme.ends_on or "…"}
    if not household.area.path.startswith(programme.area.path):
        errors["household"] = _("The household lives outside the programme's area (%(area)s).") % {
            "area": programme.area.code}
    elif household.status != household.Status.ACTIVE:
        errors["household"] = _("The household is archived.")
    review = _baseline_review(household, on)
    if "household" not in errors:
        if review is None:
            errors["household"] = _("The household has no approved review by %(on)s to judge it on.") % {"on": on}
        elif review.poverty_class not in programme.eligible_classes and not (
            programme.escaped_within_years and _escaped_recently(household, on, programme.escaped_within_years)
        ):
            errors["household"] = _(
                "The household is %(class)s (review of %(year)d); the programme takes %(eligible)s."
            ) % {"class": review.get_poverty_class_display(), "year": review.year,
                 "eligible": _eligible_text(programme)}
    if programme.kind in Programme.PERSON_KINDS:
        if member is None:
            errors["member"] = _("Training and employment programmes enrol a member of the household.")
        elif member.household_id != household.pk or member.status != member.Status.ACTIVE:
            errors["member"] = _("Choose an active member of this household.")
        else:
            age = _age_on(member.date_of_birth, on)
            low, high = programme.min_age, programme.max_age
            if (low is not None and age < low) or (high is not None and age > high):
                errors["member"] = _("The member is %(age)d; the programme takes ages %(low)s to %(high)s.") % {
                    "age": age, "low": low if low is not None else "…", "high": high if high is not None else "…"}
    elif member is not None:
        errors["member"] = _("This programme enrols whole households, not members.")
    if programme.capacity is not None and "programme" not in errors:
        taken = programme.enrollments.exclude(status=Enrollment.Status.DROPPED_OUT).count()
        if taken >= programme.capacity:
            errors["programme"] = _("The programme is full (%(capacity)d places).") % {"capacity": programme.capacity}
    return errors, review


def _eligible_text(programme: Programme) -> str:
    parts = [str(PovertyClass(c).label) for c in programme.eligible_classes]
    if programme.escaped_within_years:
        parts.append(_("households that escaped poverty within %(years)d years") % {
            "years": programme.escaped_within_years})
    return ", ".join(parts)


@transaction.atomic
def enrollment_create(*, by, programme: Programme, household, enrolled_on: date, member=None,
                      assigned_to=None) -> Enrollment:
    # The programme's row lock serialises enrolments, so two cannot take the last place.
    programme = Programme.objects.select_for_update().select_related("area").get(pk=programme.pk)
    household = type(household).objects.select_related("area").get(pk=household.pk)
    errors, review = enrollment_eligibility(programme=programme, household=household, member=member, on=enrolled_on)
    if errors:
        raise ValidationError(errors)
    holder = {"member": member} if programme.kind in Programme.PERSON_KINDS else {"household": household,
                                                                                 "member__isnull": True}
    if programme.enrollments.unfinished().filter(**holder).exists():
        raise Conflict(_("This %(who)s already has an unfinished enrolment in this programme.") % {
            "who": _("member") if member else _("household")})
    enrollment = Enrollment(
        programme=programme, household=household, member=member, enrolled_on=enrolled_on,
        status_changed_on=enrolled_on, assigned_to=assigned_to or by, baseline_review=review,
        baseline_year=review.year, baseline_class=review.poverty_class,
        baseline_income=review.income_per_capita, baseline_deprivations=list(review.deprivations),
    )
    enrollment._history_user = by
    enrollment.save(force_insert=True)
    return enrollment


@transaction.atomic
def enrollment_transition(*, enrollment: Enrollment, by, status: str, on: date, reason: str = "",
                          if_match: str | None = None) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not version_matches(if_match, enrollment.version):
        raise PreconditionFailed()
    if status not in Enrollment.MOVES[enrollment.status]:
        raise Conflict(_("An enrolment that is %(current)s cannot become %(new)s.") % {
            "current": enrollment.get_status_display(), "new": Enrollment.Status(status).label})
    errors = {}
    if on < enrollment.status_changed_on:
        errors["on"] = _("The enrolment's status last changed on %(date)s.") % {"date": enrollment.status_changed_on}
    elif on > timezone.localdate():
        errors["on"] = _("The date is in the future.")
    if status == Enrollment.Status.DROPPED_OUT and not reason.strip():
        errors["reason"] = _("Say why the enrolment ended.")
    if errors:
        raise ValidationError(errors)
    enrollment.status, enrollment.status_changed_on, enrollment.status_reason = status, on, reason
    enrollment.version += 1
    enrollment._history_user = by
    enrollment._change_reason = reason
    enrollment.save()
    return enrollment
