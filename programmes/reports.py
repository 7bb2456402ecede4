"""What became of a programme's households: exits from poverty and whether they lasted,
income, work, cost, against comparable households that were not enrolled.

Computed for a set of programmes at once, in a fixed number of queries whatever their number
(one programme's outcomes and the ranking of an area's programmes share the code)."""

from collections import Counter, defaultdict
from statistics import median

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Area, AreaTally, FormerUnit, Household, HouseholdYear, PovertyClass, Review
from households.tallies import prefix
from povertycase.access import covers
from povertycase.figures import percent
from programmes.models import (
    Delivery,
    DisbursementPlanLine,
    Enrollment,
    FollowUp,
    FollowUpDue,
    Period,
    Programme,
)

POOR = PovertyClass.POOR


def _chains(household_ids) -> dict:
    """household → its approved reviews in order, as (year, reviewed_on, class, income, standard)."""
    chains: dict = defaultdict(list)
    rows = (Review.objects.approved().filter(household_id__in=household_ids).chronological()
            .values_list("household_id", "year", "reviewed_on", "poverty_class", "income_per_capita", "standard_id"))
    for household_id, *review in rows:
        chains[household_id].append(review)
    return chains


def _exit(chain, baseline_year: int, standard) -> tuple[int | None, bool]:
    """(the year of the first review after the baseline year that is not poor; whether a
    poor review came after it). Only reviews under the baseline's standard count: a class
    change across standards is the lines moving, neither an exit nor a relapse."""
    later = [r for r in chain if r[0] > baseline_year and r[4] == standard]
    for index, (year, _on, poverty_class, _income, _standard) in enumerate(later):
        if poverty_class != POOR:
            return year, any(r[2] == POOR for r in later[index + 1:])
    return None, False


def _latest_review_years(programmes) -> dict:
    """area path → the latest year with approved reviews in the programme's commune or province
    (a village's programme is judged on its commune's years)."""
    paths = {prefix(p.area.path, min(p.area.path.count("/"), 2)) for p in programmes}
    rows = (AreaTally.objects.filter(path__in=paths, measure="reviews", households__gt=0)
            .values_list("path").annotate(latest=Max("year")))
    return dict(rows)


def outcomes_for(programmes: list[Programme], *, user, former: FormerUnit | None = None) -> dict:
    """programme id → its outcomes, counting the enrolments, deliveries and households of the
    caller's area (and, given a former unit, of the households registered in it before July
    2025, the comparison group too)."""
    ids = [p.pk for p in programmes]
    enrollments = Enrollment.objects.visible_to(user).filter(programme_id__in=ids)
    if former is not None:
        enrollments = enrollments.filter(household__former_commune__path__startswith=former.path)
    statuses, households, completed = defaultdict(Counter), defaultdict(dict), {}
    for pk, programme_id, household_id, status, changed_on, year, poverty_class, income, standard in (
            enrollments.order_by("enrolled_on", "created_at").values_list(
                "pk", "programme_id", "household_id", "status", "status_changed_on", "baseline_year",
                "baseline_class", "baseline_income", "baseline_review__standard_id")):
        statuses[programme_id][status] += 1
        households[programme_id].setdefault(household_id, (year, poverty_class, income, standard))
        if status == Enrollment.Status.COMPLETED:
            completed[pk] = (programme_id, changed_on)
    chains = _chains({h for found in households.values() for h in found})
    spent = dict(Delivery.objects.visible_to(user).filter(enrollment__in=enrollments).counted()
                 .values_list("programme_id").annotate(total=Sum("value")))
    latest_years = _latest_review_years(programmes)
    exits = {p.pk: {h: _exit(chains[h], base[0], base[3]) for h, base in households[p.pk].items() if base[1] == POOR}
             for p in programmes}
    escaped = {pk: {h: (year, households[pk][h][3]) for h, (year, _relapsed) in found.items() if year is not None}
               for pk, found in exits.items()}
    class_at = _classes_at({h for found in escaped.values() for h in found})
    latest_incomes = _latest_incomes(enrollments, chains)
    work = _work(completed)
    comparisons = _comparisons(programmes, user, {pk: {households[pk][h][0] for h in found}
                                                  for pk, found in exits.items()}, former)
    report = {}
    for programme in programmes:
        pk, found = programme.pk, households[programme.pk]
        exit_rate = percent(len(escaped[pk]), len(exits[pk]))
        comparison = comparisons[pk]
        latest = latest_years.get(prefix(programme.area.path, min(programme.area.path.count("/"), 2)), 0)
        person_kind = programme.kind in Programme.PERSON_KINDS
        report[pk] = {
            "programme": pk, "code": programme.code, "name": programme.name, "kind": programme.kind,
            "area": programme.area.code, "status": programme.status,
            "enrolled": sum(statuses[pk].values()),
            "by_status": {status: statuses[pk][status] for status in Enrollment.Status.values},
            "baseline": dict(Counter(base[1] for base in found.values())),
            "escaped": len(escaped[pk]), "exit_rate": exit_rate,
            "sustained_exit_rate": _sustained(escaped[pk], class_at, latest),
            "relapsed": sum(1 for _year, relapsed in exits[pk].values() if relapsed),
            "income": _income(found, latest_incomes),
            "employment_rate_6m": work[pk][0] if person_kind else None,
            "certificate_rate": work[pk][1] if person_kind else None,
            "budget": programme.budget, "spent": spent.get(pk, 0),
            "cost_per_exit": round(spent.get(pk, 0) / len(escaped[pk])) if escaped[pk] else None,
            "comparison": comparison,
            "exit_rate_difference": (round(exit_rate - comparison["exit_rate"], 2)
                                     if exit_rate is not None and comparison["exit_rate"] is not None else None),
        }
    return report


def programme_outcomes(programme: Programme, *, user) -> dict:
    return outcomes_for([programme], user=user)[programme.pk]


def _classes_at(household_ids) -> dict:
    """(household, year) → (class at the end of the year, the standard that judged it)."""
    rows = HouseholdYear.objects.filter(household_id__in=household_ids).values_list("household_id", "year",
                                                                                    "poverty_class", "standard_id")
    return {(h, year): (poverty_class, standard) for h, year, poverty_class, standard in rows}


def _sustained(escaped: dict, class_at: dict, latest: int) -> dict:
    """k → the share of escaped households observed k years after their exit year that were
    not poor then. A household is observed while its class is judged by the standard it
    escaped under (as in the sustainability report)."""
    shares = {}
    first = min((year for year, _standard in escaped.values()), default=latest)
    for k in range(1, latest - first + 1):
        observed = [h for h, (year, standard) in escaped.items() if year + k <= latest
                    and all(class_at.get((h, y), (None, standard))[1] == standard for y in range(year + 1, year + k + 1))
                    and (h, year + k) in class_at]
        if observed:
            out = sum(1 for h in observed if class_at[(h, escaped[h][0] + k)][0] != POOR)
            shares[str(k)] = percent(out, len(observed))
    return shares


def _latest_incomes(enrollments, chains) -> dict:
    """household → (date, income) of its latest approved review or follow-up with an income."""
    latest = {h: (chain[-1][1], chain[-1][3]) for h, chain in chains.items() if chain}
    for household_id, on, income in (FollowUp.objects.filter(enrollment__in=enrollments, income_per_capita__isnull=False)
                                     .values_list("enrollment__household_id", "observed_on", "income_per_capita")):
        latest[household_id] = max(latest.get(household_id, (on, income)), (on, income))
    return latest


def _income(households: dict, latest_incomes: dict) -> dict:
    if not households:
        return {"baseline_median": None, "latest_median": None, "change_pct": None}
    before = round(median(base[2] for base in households.values()))
    after = round(median(latest_incomes.get(h, (None, base[2]))[1] for h, base in households.items()))
    return {"baseline_median": before, "latest_median": after, "change_pct": percent(after - before, before)}


def _work(completed: dict) -> dict:
    """programme id → (employment rate, certificate rate) over its completed enrolments with a
    follow-up at the 6-month point: 6 months after completion or within the grace before it,
    as the due list counts it met."""
    first_late, certified = {}, set()
    for enrollment_id, on, employment, certificate in (
            FollowUp.objects.filter(enrollment_id__in=completed).order_by("observed_on")
            .values_list("enrollment_id", "observed_on", "employment", "certificate")):
        if certificate:
            certified.add(enrollment_id)
        if on >= completed[enrollment_id][1] + relativedelta(months=6) - FollowUpDue.GRACE:
            first_late.setdefault(enrollment_id, employment)
    counted = defaultdict(lambda: [0, 0, 0])
    for enrollment_id, employment in first_late.items():
        row = counted[completed[enrollment_id][0]]
        row[0] += 1
        row[1] += employment in FollowUp.WORKING
        row[2] += enrollment_id in certified
    return defaultdict(lambda: (None, None), {pk: (percent(working, n), percent(certificates, n))
                                              for pk, (n, working, certificates) in counted.items()})


def _comparisons(programmes, user, baseline_years: dict, former: FormerUnit | None = None) -> dict:
    """Per programme: households of its area (and the caller's) poor at the end of one of its
    baseline years, never enrolled in a programme of its kind, escaping by the same rule."""
    empty = {"households": 0, "escaped": 0, "exit_rate": None}
    wanted = [p for p in programmes if baseline_years[p.pk]]
    if not wanted:
        return {p.pk: empty for p in programmes}
    years = set().union(*(baseline_years[p.pk] for p in wanted))
    areas = Q()
    for path in {p.area.path for p in wanted}:
        areas |= Q(path__startswith=path)
    pool = HouseholdYear.objects.filter(areas, year__in=years, poverty_class=POOR,
                                        household__in=Household.objects.visible_to(user))
    if former is not None:
        pool = pool.filter(former_path__startswith=former.path)
    poor_years = defaultdict(list)
    # Households by every unit they sit in, so each programme looks only at its own area's.
    in_unit = defaultdict(set)
    for household_id, year, path, standard in pool.values_list("household_id", "year", "path", "standard_id"):
        poor_years[household_id].append((year, standard))
        for depth in range(1, path.count("/") + 1):
            in_unit[prefix(path, depth)].add(household_id)
    kinds = defaultdict(set)
    for household_id, kind in Enrollment.objects.filter(household_id__in=pool.values("household_id")).values_list(
            "household_id", "programme__kind"):
        kinds[household_id].add(kind)
    out_years = defaultdict(list)
    for household_id, year, standard in (
            Review.objects.approved().filter(household_id__in=pool.values("household_id"), year__gt=min(years))
            .exclude(poverty_class=POOR).values_list("household_id", "year", "standard_id")):
        out_years[household_id].append((year, standard))
    found = {p.pk: empty for p in programmes}
    for programme in wanted:
        own_years, kind = baseline_years[programme.pk], programme.kind
        first_poor = {}
        for h in in_unit[programme.area.path]:
            years_poor = [(y, standard) for y, standard in poor_years[h] if y in own_years]
            if years_poor and kind not in kinds[h]:
                first_poor[h] = min(years_poor)
        # As for the enrolled: a later class counts only under the standard of the poor year.
        escaped = sum(1 for h, (b, standard) in first_poor.items()
                      if any(y > b and s == standard for y, s in out_years[h]))
        found[programme.pk] = {"households": len(first_poor), "escaped": escaped,
                               "exit_rate": percent(escaped, len(first_poor))}
    return found


def disbursement(programme: Programme, *, user, period: str) -> dict:
    """The programme's disbursement against its plan per month or quarter, in total and by
    funding source: its own, and rolled up with its projects (those the caller sees). Counts
    the deliveries of the caller's area; three queries whatever the number of periods, sources
    and projects."""
    period, today = Period(period), timezone.localdate()
    projects = list(Programme.objects.visible_to(user).descendants_of(programme).select_related("area")
                    .order_by("code"))
    ids = [programme.pk, *(project.pk for project in projects)]
    # A plan line counts in the period its month or quarter ends in: a quarter's amount is due
    # by the quarter's last month.
    planned = [(programme_id, period.start_of(Period.bounds(label)[1]), source, amount)
               for programme_id, label, source, amount in DisbursementPlanLine.objects.filter(
                   programme_id__in=ids).values_list("programme_id", "period", "funding_source", "amount")]
    delivered = list(Delivery.objects.visible_to(user).filter(programme_id__in=ids).spent_per_period(period))
    whole = covers(user, programme.area.path)

    def figures(programmes: list[Programme]) -> dict:
        wanted = {p.pk for p in programmes}
        plan, spent = Counter(), Counter()
        for programme_id, start, source, amount in planned:
            if programme_id in wanted:
                plan[start, source] += amount
        for programme_id, source, start, amount in delivered:
            if programme_id in wanted:
                spent[start, source] += amount
        return _disbursement_figures(programmes, plan, spent, period=period, today=today, whole=whole)

    return {
        "programme": programme.pk, "code": programme.code, "name": programme.name, "period": period,
        "plan_period": programme.plan_period, "whole_programme": whole, **figures([programme]),
        "rollup": {"projects": projects, **figures([programme, *projects])},
    }


def _disbursement_figures(programmes: list[Programme], plan: Counter, spent: Counter, *, period: Period,
                          today, whole: bool) -> dict:
    """plan, spent: (first day of the period, funding source) → VND. Every period from the
    first programme's start to the last one's end (or this month while one runs), and on to
    the last period planned or delivered in, zeros included."""
    keys = [start for start, _source in (*plan, *spent)]
    first = min([p.starts_on for p in programmes] + keys)
    last = max([min(p.ends_on or today, today) for p in programmes] + keys + [first])
    starts = period.starts(first, last)
    sources = [s for s in Programme.FundingSource.values if any(source == s for _start, source in (*plan, *spent))]
    budget, total_planned, total_spent = sum(p.budget for p in programmes), sum(plan.values()), sum(spent.values())

    def rows(source=None) -> list[dict]:
        found, cumulative_planned, cumulative = [], 0, 0
        for start in starts:
            planned = plan[start, source] if source else sum(plan[start, s] for s in sources)
            delivered = spent[start, source] if source else sum(spent[start, s] for s in sources)
            cumulative_planned, cumulative = cumulative_planned + planned, cumulative + delivered
            ends_on = period.end_of(start)
            found.append({
                "period": period.label_of(start), "starts_on": start, "ends_on": ends_on, "planned": planned,
                "spent": delivered, "cumulative_planned": cumulative_planned, "cumulative": cumulative,
                "gap": cumulative - cumulative_planned,
                "behind": cumulative < cumulative_planned if whole and ends_on < today else None,
                **({} if source else {"share": percent(cumulative, budget)}),
            })
        return found

    def behind(found: list[dict]):
        return next((row["behind"] for row in reversed(found) if row["ends_on"] < today), None)

    periods = rows()
    by_source = []
    for source in sources:
        found = rows(source)
        by_source.append({"funding_source": source, "planned": sum(plan[start, source] for start in starts),
                          "spent": sum(spent[start, source] for start in starts), "behind": behind(found),
                          "periods": found})
    return {"budget": budget, "planned": total_planned, "spent": total_spent, "remaining": budget - total_spent,
            "share": percent(total_spent, budget), "behind": behind(periods), "periods": periods,
            "by_source": by_source}


def disbursement_table(report: dict) -> list[list]:
    """The disbursement report as the rows of a sheet: the headline figures, then the
    programme's periods in total and by funding source, then the same rolled up with its
    projects when it has some."""
    yes_no = {True: _("yes"), False: _("no"), None: ""}
    rows = [
        [_("Disbursement against plan"), report["code"], report["name"]],
        [_("Period"), str(Period(report["period"]).label)],
        [_("Plan by"), str(Period(report["plan_period"]).label)],
        [_("Whole programme"), yes_no[report["whole_programme"]]],
    ]
    sections = [(_("The programme alone"), report)]
    if report["rollup"]["projects"]:
        codes = ", ".join(p.code for p in report["rollup"]["projects"])
        sections.append((_("With its projects: %(codes)s") % {"codes": codes}, report["rollup"]))
    header = [_("Period"), _("Starts on"), _("Ends on"), _("Planned (VND)"), _("Delivered (VND)"),
              _("Cumulative planned (VND)"), _("Cumulative delivered (VND)"), _("Gap (VND)"), _("Behind plan")]
    for title, figures in sections:
        rows += [[], [title],
                 [_("Budget (VND)"), figures["budget"]], [_("Planned (VND)"), figures["planned"]],
                 [_("Delivered (VND)"), figures["spent"]], [_("Remaining (VND)"), figures["remaining"]],
                 [_("Share of the budget delivered (%)"), figures["share"]],
                 [_("Behind plan"), yes_no[figures["behind"]]]]
        tables = [(_("All funding sources"), figures["periods"])] + [
            (str(Programme.FundingSource(found["funding_source"]).label), found["periods"])
            for found in figures["by_source"]]
        for name, periods in tables:
            rows += [[], [name], header]
            rows += [[p["period"], p["starts_on"], p["ends_on"], p["planned"], p["spent"], p["cumulative_planned"],
                      p["cumulative"], p["gap"], yes_no[p["behind"]]] for p in periods]
    return rows


HEADLINE = ("programme", "code", "name", "kind", "area", "status", "enrolled", "escaped", "exit_rate", "relapsed",
            "budget", "spent", "cost_per_exit", "exit_rate_difference")


def programmes_summary(*, area: Area | None, user, former: FormerUnit | None = None) -> list[dict]:
    """The headline figures of every programme run in `area` (or anywhere the caller sees); given
    a former unit, of every programme that enrolled households registered in it before July
    2025, counting those households only."""
    programmes = Programme.objects.visible_to(user).select_related("area").order_by("code")
    if former is not None:
        programmes = programmes.filter(pk__in=Enrollment.objects.visible_to(user).filter(
            household__former_commune__path__startswith=former.path).values("programme_id"))
    elif area is not None:
        programmes = programmes.filter(area__path__startswith=area.path)
    programmes = list(programmes)
    outcomes = outcomes_for(programmes, user=user, former=former)
    return [{**{k: outcomes[p.pk][k] for k in HEADLINE},
             "sustained_exit_rate_1y": outcomes[p.pk]["sustained_exit_rate"].get("1"),
             "comparison_exit_rate": outcomes[p.pk]["comparison"]["exit_rate"]} for p in programmes]
