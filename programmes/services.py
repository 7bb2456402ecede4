"""Every write to programmes. Rules refused with Django's ValidationError (→ 400)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from households.models import ESCAPES, Indicator, PovertyClass, Review
from povertycase.access import actor, covers
from povertycase.errors import Conflict, PreconditionFailed, version_matches
from povertycase.formats import day, money
from programmes.models import (
    CaseNote,
    Delivery,
    DisbursementPlanLine,
    Enrollment,
    FollowUp,
    FollowUpDue,
    Period,
    Programme,
)

TRAINING_FIELDS = ("occupation", "provider", "hours", "min_age", "max_age")


def _programme_errors(*, by, data: Mapping, programme: Programme | None = None) -> dict:
    errors = {}
    area = data["area"]
    if not covers(by, area.path):
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
    if programme is not None and data["budget"] < (spent := programme.deliveries.counted().aggregate(
            total=Sum("value"))["total"] or 0):
        errors["budget"] = _("%(spent)s has already been delivered; the budget cannot be less.") % {
            "spent": money(spent)}
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


def _in_grant(label: str, starts_on: date, ends_on: date | None) -> bool:
    """Whether the month or quarter overlaps the programme's grant (a programme that starts on
    15 March plans for March)."""
    first, last = Period.bounds(label)
    return last >= starts_on and (ends_on is None or first <= ends_on)


def _plan_errors(*, data: Mapping, plan: list[Mapping] | None, stored: list[DisbursementPlanLine],
                 programme: Programme | None = None) -> dict:
    """The disbursement plan's rules against the programme's dates, budget and plan period.
    `plan`: the rows sent, refused by their position (`plan.2.period`); None when the stored
    plan stays, which then holds back a change of dates, budget or plan period that would
    leave it wrong."""
    errors = {}
    by = Period(data.get("plan_period") or Period.MONTH)
    starts_on, ends_on = data["starts_on"], data.get("ends_on")
    grant = {"start": starts_on, "end": ends_on or "…"}
    if plan is None:
        total, total_field = sum(line.amount for line in stored), "budget"
        if stored and programme is not None and by != programme.plan_period:
            errors["plan_period"] = _("The plan is by %(old)s: send the plan by %(new)s with this change.") % {
                "old": Period(programme.plan_period).label, "new": by.label}
        outside = sorted({line.period for line in stored if not _in_grant(line.period, starts_on, ends_on)})
        for field, periods in (("starts_on", [p for p in outside if Period.bounds(p)[0] < starts_on]),
                               ("ends_on", [p for p in outside if Period.bounds(p)[0] >= starts_on])):
            if periods:
                errors[field] = _("The plan has amounts for %(periods)s, outside %(start)s to %(end)s: send the "
                                  "plan with the new dates.") % {"periods": ", ".join(periods), **grant}
    else:
        total, total_field, seen = sum(row["amount"] for row in plan), "plan", {}
        for index, row in enumerate(plan):
            label, source = row["period"], row["funding_source"]
            parsed = Period.parse(label)
            if parsed is None:
                errors[f"plan.{index}.period"] = _("Write a month as 2025-03, a quarter as 2025-Q1.")
            elif parsed[0] != by:
                errors[f"plan.{index}.period"] = _(
                    "%(period)s is not a %(by)s: this programme's plan is by %(by)s (plan_period).") % {
                    "period": label, "by": by.label}
            elif not _in_grant(label, starts_on, ends_on):
                errors[f"plan.{index}.period"] = _(
                    "%(period)s is outside the programme's grant, %(start)s to %(end)s.") % {"period": label, **grant}
            if (label, source) in seen:
                errors[f"plan.{index}.funding_source"] = _("Row %(row)d already plans %(source)s for %(period)s.") % {
                    "row": seen[label, source], "source": Programme.FundingSource(source).label, "period": label}
            seen.setdefault((label, source), index)
    if total > data["budget"] and total_field not in errors:
        errors[total_field] = (
            _("The plan totals %(total)s, more than the budget (%(budget)s).") if plan is not None
            else _("The plan totals %(total)s; the budget cannot be less.")
        ) % {"total": money(total), "budget": money(data["budget"])}
    return errors


def _plan_replace(programme: Programme, plan: list[Mapping], *, stored: list[DisbursementPlanLine], by) -> None:
    """Writes the plan sent in place of the stored one: lines that stay keep their rows,
    changed amounts are updated, new lines created and dropped ones deleted, each change
    recorded in the lines' history as `by`'s."""
    user = actor(by)
    wanted = {(row["period"], row["funding_source"]): row["amount"] for row in plan}
    kept = {(line.period, line.funding_source): line for line in stored}
    for key, line in kept.items():
        if key not in wanted:
            line._history_user = user
            line.delete()
    changed = [line for key, line in kept.items() if key in wanted and line.amount != wanted[key]]
    for line in changed:
        line.amount = wanted[line.period, line.funding_source]
    if changed:
        bulk_update_with_history(changed, DisbursementPlanLine, ["amount"], default_user=user)
    new = [DisbursementPlanLine(programme=programme, period=period, funding_source=source, amount=amount)
           for (period, source), amount in wanted.items() if (period, source) not in kept]
    if new:
        bulk_create_with_history(new, DisbursementPlanLine, default_user=user)


@transaction.atomic
def programme_create(*, by, plan: Iterable[Mapping] = (), **data) -> Programme:
    plan = list(plan)
    errors = {**_plan_errors(data=data, plan=plan, stored=[]), **_programme_errors(by=by, data=data)}
    if Programme.objects.filter(code=data["code"]).exists():
        errors["code"] = _("A programme with this code already exists.")
    if errors:
        raise ValidationError(errors)
    programme = Programme(**data)
    programme._history_user = actor(by)
    programme.save()
    _plan_replace(programme, plan, stored=[], by=by)
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, by, changes: Mapping, if_match: str | None = None) -> Programme:
    """Changes the programme; a `plan` given replaces its disbursement plan as a whole."""
    programme = Programme.objects.select_for_update().select_related("area").get(pk=programme.pk)
    if not version_matches(if_match, programme.version):
        raise PreconditionFailed()
    plan = changes.get("plan")
    changes = {k: v for k, v in changes.items() if k not in ("code", "plan")}
    merged = {f.name: getattr(programme, f.name) for f in Programme._meta.concrete_fields}
    merged.update(changes)
    stored = list(programme.plan.all())
    errors = {**_plan_errors(data=merged, plan=plan, stored=stored, programme=programme),
              **_programme_errors(by=by, data=merged, programme=programme)}
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(programme, field, value)
    programme.version += 1
    programme._history_user = actor(by)
    programme.save()
    if plan is not None:
        _plan_replace(programme, plan, stored=stored, by=by)
    return programme


# Enrolment -----------------------------------------------------------------------------------


def _baseline_review(household, on: date):
    """The household's class at `on`: its latest approved review carried out by then."""
    return (
        Review.objects.approved().filter(household=household, reviewed_on__lte=on)
        .order_by("-year", "-reviewed_on", "-approved_at").first()
    )


@dataclass(frozen=True)
class Standing:
    """What eligibility is judged on, read once per household: its review at the date, and
    when it last escaped poverty by then."""

    review: Review | None
    last_escape: date | None


def household_standing(household, on: date) -> Standing:
    last_escape = (
        Review.objects.approved().filter(household=household, reviewed_on__lte=on, transition__in=ESCAPES)
        .order_by("-reviewed_on").values_list("reviewed_on", flat=True).first()
    )
    return Standing(review=_baseline_review(household, on), last_escape=last_escape)


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def member_fit_error(programme: Programme, household, member, on: date) -> str | None:
    if member.household_id != household.pk or member.status != member.Status.ACTIVE:
        return _("Choose an active member of this household.")
    age = _age_on(member.date_of_birth, on)
    low, high = programme.min_age, programme.max_age
    if (low is not None and age < low) or (high is not None and age > high):
        return _("The member is %(age)d; the programme takes ages %(low)s to %(high)s.") % {
            "age": age, "low": low if low is not None else "…", "high": high if high is not None else "…"}
    return None


def _class_fits(programme: Programme, standing: Standing, on: date) -> bool:
    if standing.review.poverty_class in programme.eligible_classes:
        return True
    years = programme.escaped_within_years
    return bool(years and standing.last_escape and standing.last_escape > on - relativedelta(years=years))


def eligibility_errors(*, programme: Programme, household, member, on: date, standing: Standing,
                       taken: int) -> dict:
    """The conditions that fail, by field. `taken`: the places already taken in the programme."""
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
    elif standing.review is None:
        errors["household"] = _("The household has no approved review by %(on)s to judge it on.") % {"on": day(on)}
    elif not _class_fits(programme, standing, on):
        errors["household"] = _(
            "The household is %(class)s (review of %(year)d); the programme takes %(eligible)s."
        ) % {"class": standing.review.get_poverty_class_display(), "year": standing.review.year,
             "eligible": _eligible_text(programme)}
    if programme.kind in Programme.PERSON_KINDS:
        if member is None:
            errors["member"] = _("Training and employment programmes enrol a member of the household.")
        elif message := member_fit_error(programme, household, member, on):
            errors["member"] = message
    elif member is not None:
        errors["member"] = _("This programme enrols whole households, not members.")
    if programme.capacity is not None and "programme" not in errors and taken >= programme.capacity:
        errors["programme"] = _("The programme is full (%(capacity)d places).") % {"capacity": programme.capacity}
    return errors


def enrollment_eligibility(*, programme: Programme, household, member, on: date) -> tuple[dict, Review | None]:
    """(the conditions that fail, by field; the review the household is judged on)."""
    standing = household_standing(household, on)
    taken = programme.enrollments.taking_places().count() if programme.capacity is not None else 0
    errors = eligibility_errors(programme=programme, household=household, member=member, on=on,
                                standing=standing, taken=taken)
    return errors, standing.review


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
        status_changed_on=enrolled_on, assigned_to=assigned_to or actor(by), baseline_review=review,
        baseline_year=review.year, baseline_class=review.poverty_class,
        baseline_income=review.income_per_capita, baseline_deprivations=list(review.deprivations),
    )
    enrollment._history_user = actor(by)
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
        errors["on"] = _("The enrolment's status last changed on %(date)s.") % {"date": day(enrollment.status_changed_on)}
    elif on > timezone.localdate():
        errors["on"] = _("The date is in the future.")
    if status == Enrollment.Status.DROPPED_OUT and not reason.strip():
        errors["reason"] = _("Say why the enrolment ended.")
    if errors:
        raise ValidationError(errors)
    enrollment.status, enrollment.status_changed_on, enrollment.status_reason = status, on, reason
    enrollment.version += 1
    enrollment._history_user = actor(by)
    enrollment._change_reason = reason
    enrollment.save()
    if status == Enrollment.Status.COMPLETED:
        FollowUpDue.objects.bulk_create(
            FollowUpDue(enrollment=enrollment, months=months, due_on=on + relativedelta(months=months))
            for months in enrollment.follow_up_months
        )
        _meet_follow_ups_due(enrollment)
    return enrollment


def _programme_for_update(programme_id) -> Programme:
    return Programme.objects.select_for_update().get(pk=programme_id)


# Support delivered ---------------------------------------------------------------------------


@transaction.atomic
def delivery_record(*, by, enrollment: Enrollment, kind: str, description: str, value: int,
                    delivered_on: date, quantity=None, unit: str = "", funding_source: str = "") -> Delivery:
    """Records support delivered. `funding_source`: where the money came from, by default the
    programme's funding source."""
    # The programme's row lock serialises deliveries, so two at the same moment cannot both
    # fit into what is left of the budget.
    programme = _programme_for_update(enrollment.programme_id)
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    errors = {}
    if delivered_on < enrollment.enrolled_on:
        errors["delivered_on"] = _("The enrolment began on %(date)s.") % {"date": day(enrollment.enrolled_on)}
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = _("The date is in the future.")
    elif enrollment.status not in (Enrollment.Status.ENROLLED, Enrollment.Status.ACTIVE) and (
            delivered_on > enrollment.status_changed_on):
        errors["delivered_on"] = _("The enrolment has been %(status)s since %(date)s.") % {
            "status": enrollment.get_status_display(), "date": day(enrollment.status_changed_on)}
    elif programme.ends_on and delivered_on > programme.ends_on:
        errors["delivered_on"] = _("The programme ended on %(date)s.") % {"date": day(programme.ends_on)}
    if quantity is not None and not unit.strip():
        errors["unit"] = _("Say what the quantity is counted in (kg, head, hours…).")
    elif unit.strip() and quantity is None:
        errors["quantity"] = _("A unit needs a quantity.")
    if not description.strip():
        errors["description"] = _("Say what was delivered.")
    if errors:
        raise ValidationError(errors)
    spent = programme.deliveries.counted().aggregate(total=Sum("value"))["total"] or 0
    if spent + value > programme.budget:
        raise Conflict(_(
            "This delivery would take the programme past its budget: %(budget)s, %(spent)s already "
            "spent, %(left)s left."
        ) % {"budget": money(programme.budget), "spent": money(spent), "left": money(programme.budget - spent)})
    delivery = Delivery(enrollment=enrollment, programme=programme, kind=kind, description=description,
                        quantity=quantity, unit=unit, value=value, delivered_on=delivered_on, recorded_by=actor(by),
                        funding_source=funding_source or programme.funding_source)
    delivery._history_user = actor(by)
    delivery.save(force_insert=True)
    return delivery


@transaction.atomic
def delivery_cancel(*, delivery: Delivery, by, reason: str, if_match: str | None = None) -> Delivery:
    _programme_for_update(delivery.programme_id)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if not version_matches(if_match, delivery.version):
        raise PreconditionFailed()
    if delivery.cancelled_at is not None:
        raise Conflict(_("The delivery was already cancelled on %(date)s.") % {
            "date": day(timezone.localtime(delivery.cancelled_at).date())})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the delivery is cancelled.")})
    delivery.cancelled_at, delivery.cancelled_by, delivery.cancel_reason = timezone.now(), actor(by), reason
    delivery.version += 1
    delivery._history_user = actor(by)
    delivery._change_reason = reason
    delivery.save()
    return delivery


# Follow-ups and case notes -------------------------------------------------------------------

# A visit up to two weeks before a follow-up's date still counts for it.


def _meet_follow_ups_due(enrollment: Enrollment) -> None:
    observed = sorted(enrollment.follow_ups.values_list("observed_on", "id"))
    for due in enrollment.follow_ups_due.all():
        met_by = next((pk for on, pk in observed if on >= due.due_on - FollowUpDue.GRACE), None)
        if due.met_by_id != met_by:
            due.met_by_id = met_by
            due.save(update_fields=["met_by"])


def _follow_up_errors(enrollment: Enrollment, data: Mapping) -> dict:
    errors = {}
    observed_on = data["observed_on"]
    if observed_on < enrollment.enrolled_on:
        errors["observed_on"] = _("The enrolment began on %(date)s.") % {"date": day(enrollment.enrolled_on)}
    elif observed_on > timezone.localdate():
        errors["observed_on"] = _("The date is in the future.")
    if data.get("certificate") is not None and enrollment.programme.kind not in Programme.PERSON_KINDS:
        errors["certificate"] = _("Only vocational training and employment programmes give certificates.")
    if data.get("monthly_earnings") and data.get("employment") not in FollowUp.WORKING:
        errors["monthly_earnings"] = _("Earnings go with wage employment or self-employment; say which.")
    observations = ("income_per_capita", "employment", "monthly_earnings", "certificate", "notes")
    if all(data.get(field) in (None, "") for field in observations):
        errors["non_field_errors"] = _("Record at least one observation: income, employment, earnings, "
                                       "certificate or notes.")
    return errors


@transaction.atomic
def follow_up_record(*, by, enrollment: Enrollment, **data) -> FollowUp:
    enrollment = Enrollment.objects.select_for_update().select_related("programme").get(pk=enrollment.pk)
    errors = _follow_up_errors(enrollment, data)
    if errors:
        raise ValidationError(errors)
    follow_up = FollowUp(enrollment=enrollment, recorded_by=actor(by), **data)
    follow_up._history_user = actor(by)
    follow_up.save(force_insert=True)
    _meet_follow_ups_due(enrollment)
    return follow_up


@transaction.atomic
def follow_up_update(*, follow_up: FollowUp, by, changes: Mapping, if_match: str | None = None) -> FollowUp:
    enrollment = Enrollment.objects.select_for_update().select_related("programme").get(pk=follow_up.enrollment_id)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not version_matches(if_match, follow_up.version):
        raise PreconditionFailed()
    changes = {k: v for k, v in changes.items() if k != "enrollment"}
    merged = {field: getattr(follow_up, field) for field in (
        "observed_on", "income_per_capita", "employment", "monthly_earnings", "certificate", "notes")}
    merged.update(changes)
    errors = _follow_up_errors(enrollment, merged)
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(follow_up, field, value)
    follow_up.version += 1
    follow_up._history_user = actor(by)
    follow_up.save()
    _meet_follow_ups_due(enrollment)
    return follow_up


@transaction.atomic
def case_note_create(*, by, household, visited_on: date, text: str, enrollment: Enrollment | None = None) -> CaseNote:
    errors = {}
    if enrollment is not None and enrollment.household_id != household.pk:
        errors["enrollment"] = _("The enrolment is another household's.")
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("The date is in the future.")
    if not text.strip():
        errors["text"] = _("Write what you saw or agreed.")
    if errors:
        raise ValidationError(errors)
    return CaseNote.objects.create(household=household, enrollment=enrollment, visited_on=visited_on,
                                   text=text, author=actor(by))
