"""What became of a programme's households: exits from poverty and whether they lasted,
income, work, cost, against comparable households that were not enrolled."""

from collections import Counter
from statistics import median

from dateutil.relativedelta import relativedelta
from django.db.models import Sum

from households.models import Area, Household, HouseholdYear, PovertyClass, Review
from households.reports import area_counts, latest_review_year
from povertycase.figures import percent
from programmes.models import Delivery, Enrollment, FollowUp, Programme

POOR = PovertyClass.POOR


def _chains(household_ids) -> dict:
    chains: dict = {}
    rows = (Review.objects.approved().filter(household_id__in=household_ids).chronological()
            .values_list("household_id", "year", "reviewed_on", "poverty_class", "income_per_capita"))
    for household_id, *review in rows:
        chains.setdefault(household_id, []).append(review)
    return chains


def _exit(chain, baseline_year: int) -> tuple[int | None, bool]:
    """(the year of the first review after the baseline year that is not poor; whether a
    poor review came after it)."""
    later = [r for r in chain if r[0] > baseline_year]
    for index, (year, _on, poverty_class, _income) in enumerate(later):
        if poverty_class != POOR:
            return year, any(r[2] == POOR for r in later[index + 1:])
    return None, False


def _households(enrollments) -> dict:
    """household → its first enrolment's (baseline year, class, income)."""
    first: dict = {}
    for household_id, year, poverty_class, income in enrollments.order_by("enrolled_on", "created_at").values_list(
            "household_id", "baseline_year", "baseline_class", "baseline_income"):
        first.setdefault(household_id, (year, poverty_class, income))
    return first


def programme_outcomes(programme: Programme, *, user) -> dict:
    enrollments = Enrollment.objects.visible_to(user).filter(programme=programme)
    statuses = Counter(enrollments.values_list("status", flat=True))
    households = _households(enrollments)
    chains = _chains(households)
    poor = {h: base for h, base in households.items() if base[1] == POOR}
    exits = {h: _exit(chains.get(h, []), base[0]) for h, base in poor.items()}
    escaped = {h: year for h, (year, _relapsed) in exits.items() if year is not None}
    latest = latest_review_year(area_counts(programme.area)) or 0
    spent = Delivery.objects.visible_to(user).filter(programme=programme).counted().aggregate(
        total=Sum("value"))["total"] or 0
    exit_rate = percent(len(escaped), len(poor))
    comparison = _comparison(programme, user, {base[0] for base in poor.values()})
    return {
        "programme": programme.pk, "code": programme.code, "name": programme.name, "kind": programme.kind,
        "area": programme.area.code,
        "enrolled": sum(statuses.values()),
        "by_status": {status: statuses[status] for status in Enrollment.Status.values},
        "baseline": {code: n for code, n in Counter(b[1] for b in households.values()).items()},
        "escaped": len(escaped), "exit_rate": exit_rate,
        "sustained_exit_rate": _sustained(escaped, latest),
        "relapsed": sum(1 for _year, relapsed in exits.values() if relapsed),
        "income": _income(households, chains, enrollments),
        **_work(programme, enrollments),
        "budget": programme.budget, "spent": spent,
        "cost_per_exit": round(spent / len(escaped)) if escaped else None,
        "comparison": comparison,
        "exit_rate_difference": (round(exit_rate - comparison["exit_rate"], 2)
                                 if exit_rate is not None and comparison["exit_rate"] is not None else None),
    }


def _sustained(escaped: dict, latest: int) -> dict:
    if not escaped:
        return {}
    rows = HouseholdYear.objects.filter(household_id__in=escaped).values_list("household_id", "year", "poverty_class")
    class_at = {(h, year): poverty_class for h, year, poverty_class in rows}
    shares = {}
    for k in range(1, latest - min(escaped.values()) + 1):
        observed = [h for h, year in escaped.items() if year + k <= latest and (h, year + k) in class_at]
        if observed:
            out = sum(1 for h in observed if class_at[(h, escaped[h] + k)] != POOR)
            shares[str(k)] = percent(out, len(observed))
    return shares


def _income(households: dict, chains: dict, enrollments) -> dict:
    if not households:
        return {"baseline_median": None, "latest_median": None, "change_pct": None}
    follow_ups: dict = {}
    for household_id, on, income in (FollowUp.objects.filter(enrollment__in=enrollments, income_per_capita__isnull=False)
                                     .order_by("observed_on").values_list("enrollment__household_id", "observed_on",
                                                                          "income_per_capita")):
        follow_ups[household_id] = (on, income)
    latest = []
    for household_id, (_year, _class, baseline_income) in households.items():
        candidates = [(r[1], r[3]) for r in chains.get(household_id, [])[-1:]]
        if household_id in follow_ups:
            candidates.append(follow_ups[household_id])
        latest.append(max(candidates)[1] if candidates else baseline_income)
    before = round(median(b[2] for b in households.values()))
    after = round(median(latest))
    return {"baseline_median": before, "latest_median": after, "change_pct": percent(after - before, before)}


def _work(programme: Programme, enrollments) -> dict:
    if programme.kind not in Programme.PERSON_KINDS:
        return {"employment_rate_6m": None, "certificate_rate": None}
    completed = {e.pk: e.status_changed_on for e in enrollments.filter(status=Enrollment.Status.COMPLETED).only(
        "id", "status_changed_on")}
    first_late, certified = {}, set()
    for enrollment_id, on, employment, certificate in (
            FollowUp.objects.filter(enrollment_id__in=completed).order_by("observed_on")
            .values_list("enrollment_id", "observed_on", "employment", "certificate")):
        if certificate:
            certified.add(enrollment_id)
        if on >= completed[enrollment_id] + relativedelta(months=6):
            first_late.setdefault(enrollment_id, employment)
    working = sum(1 for employment in first_late.values() if employment in FollowUp.WORKING)
    return {"employment_rate_6m": percent(working, len(first_late)),
            "certificate_rate": percent(len(certified & set(first_late)), len(first_late))}


def _comparison(programme: Programme, user, baseline_years: set) -> dict:
    """Households of the programme's area (and the caller's) poor at the end of a baseline
    year, never enrolled in a programme of the same kind, escaping by the same rule."""
    if not baseline_years:
        return {"households": 0, "escaped": 0, "exit_rate": None}
    visible = Household.objects.visible_to(user).filter(area__path__startswith=programme.area.path)
    same_kind = Enrollment.objects.filter(programme__kind=programme.kind).values("household_id")
    pool = (HouseholdYear.objects.filter(year__in=baseline_years, poverty_class=POOR,
                                         path__startswith=programme.area.path, household__in=visible)
            .exclude(household_id__in=same_kind))
    first_poor: dict = {}
    for household_id, year in pool.values_list("household_id", "year"):
        first_poor[household_id] = min(year, first_poor.get(household_id, year))
    out = (Review.objects.approved().filter(household_id__in=pool.values("household_id"), year__gt=min(baseline_years))
           .exclude(poverty_class=POOR).values_list("household_id", "year"))
    escaped = {h for h, year in out if h in first_poor and year > first_poor[h]}
    return {"households": len(first_poor), "escaped": len(escaped), "exit_rate": percent(len(escaped), len(first_poor))}


def programmes_summary(*, area: Area | None, user) -> list[dict]:
    """The headline figures of every programme run in `area` (or anywhere the caller sees)."""
    programmes = Programme.objects.visible_to(user).select_related("area").order_by("code")
    if area is not None:
        programmes = programmes.filter(area__path__startswith=area.path)
    headline = ("programme", "code", "name", "kind", "area", "enrolled", "escaped", "exit_rate", "relapsed",
                "budget", "spent", "cost_per_exit", "exit_rate_difference")
    rows = []
    for programme in programmes:
        outcomes = programme_outcomes(programme, user=user)
        rows.append({**{k: outcomes[k] for k in headline}, "status": programme.status,
                     "sustained_exit_rate_1y": outcomes["sustained_exit_rate"].get("1"),
                     "comparison_exit_rate": outcomes["comparison"]["exit_rate"]})
    return rows
