"""The annual poverty summary and the sustainability of escapes, read from the tallies
(`households.tallies`) for a commune, a province or the country, and from the households'
yearly rows for a village."""

from collections import Counter

from django.db.models import Count, Sum

from households.models import (
    UNCLASSIFIED,
    Area,
    AreaTally,
    FormerUnit,
    HouseholdYear,
    Indicator,
    PovertyClass,
    Transition,
)
from households.tallies import facts_in, prefix, tally, years_kept
from povertycase.figures import percent

CLASSES = [*PovertyClass.values, UNCLASSIFIED]


def _depth(area: Area | None) -> int:
    return 0 if area is None else area.path.count("/")


def area_counts(area: Area | None, years=None, former: FormerUnit | None = None) -> Counter:
    """(year, residence, ethnic_minority, measure, code) → households, for the area; with
    `former`, for the households of the area whose former commune lies in that former unit,
    counted from their yearly rows."""
    depth = _depth(area)
    if former is not None:
        facts = facts_in(area.path if area else "", former_path=former.path)
        counts = tally(facts, key=lambda f: None, last_year=years_kept()[-1])
        return Counter({key[1:]: n for key, n in counts.items() if years is None or key[1] in years})
    if depth <= 2:
        rows = AreaTally.objects.filter(depth=1) if depth == 0 else AreaTally.objects.filter(path=area.path)
        if years is not None:
            rows = rows.filter(year__in=years)
        rows = rows.values_list("year", "residence", "ethnic_minority", "measure", "code").annotate(
            n=Sum("households"))
        return Counter({tuple(key): n for *key, n in rows})
    counts = tally(facts_in(area.path), key=lambda f: None, last_year=years_kept()[-1])
    return Counter({key[1:]: n for key, n in counts.items() if years is None or key[1] in years})


def _classes(counts: Counter, year: int, keep=lambda residence, ethnic: True) -> dict:
    found = Counter()
    for (y, residence, ethnic, measure, code), n in counts.items():
        if y == year and measure == "class" and keep(residence, ethnic):
            found[code] += n
    return {code: found[code] for code in CLASSES}


def _headline(classes: dict) -> dict:
    households = sum(classes.values())
    return {"households": households, "classes": classes,
            "poverty_rate": percent(classes[PovertyClass.POOR], households),
            "near_poverty_rate": percent(classes[PovertyClass.NEAR_POOR], households)}


def _summed(counts: Counter, year: int, measure: str) -> Counter:
    found = Counter()
    for (y, _residence, _ethnic, m, code), n in counts.items():
        if y == year and m == measure:
            found[code] += n
    return found


def _about(area: Area | None, former: FormerUnit | None) -> dict:
    if former is not None:
        return {"area": None, "former_area": former.code, "name": former.name}
    return {"area": area.code if area else None, "former_area": None, "name": area.name if area else None}


def poverty_report(*, area: Area | None, year: int, children: bool = False, former: FormerUnit | None = None) -> dict:
    """The annual summary of `area` (None: the whole country) or, given `former`, of the
    households of `area` registered before July 2025 in that former unit."""
    counts = area_counts(area, years=[year - 1, year], former=former)
    report = {**_about(area, former), "year": year,
              **_headline(_classes(counts, year)),
              "start_of_year": _classes(counts, year - 1)}
    transitions = _summed(counts, year, "transition")
    report["transitions"] = {code: transitions[code] for code in Transition.values}
    new_standard = _summed(counts, year, "new_standard")
    report["new_standard"] = {code: new_standard[code] for code in PovertyClass.values}
    report["by_residence"] = {
        residence: _headline(_classes(counts, year, lambda r, e, residence=residence: r == residence))
        for residence in ("rural", "urban")}
    report["by_ethnic_minority"] = {
        group: _headline(_classes(counts, year, lambda r, e, flag=flag: e == flag))
        for group, flag in (("ethnic_minority", True), ("other", False))}
    deprived = _summed(counts, year, "deprivation")
    indicators = Indicator.objects.filter(standard__first_year__lte=year, standard__last_year__gte=year)
    report["deprivations"] = {code: deprived[code] for code in
                              sorted({*indicators.values_list("code", flat=True), *deprived})}
    if children:
        report["children"] = _former_children(area, former, year) if former else _children(area, year)
    return report


def _former_children(area: Area | None, former: FormerUnit, year: int) -> list[dict]:
    depth = former.path.count("/")
    rows = (HouseholdYear.objects.filter(year=year, path__startswith=area.path if area else "",
                                         former_path__startswith=former.path)
            .exclude(former_path=former.path).values_list("former_path", "poverty_class").annotate(n=Count("id")))
    by_child: dict = {}
    for path, code, n in rows:
        by_child.setdefault(prefix(path, depth + 1), Counter())[code] += n
    return [{"area": unit.code, "name": unit.name,
             **_headline({code: by_child.get(unit.path, Counter())[code] for code in CLASSES})}
            for unit in former.children.order_by("code")]


def _children(area: Area | None, year: int) -> list[dict]:
    depth = _depth(area)
    units = list(Area.objects.filter(parent=area).order_by("code") if area else
                 Area.objects.filter(parent__isnull=True).order_by("code"))
    by_child: dict = {}
    if depth <= 1:
        rows = AreaTally.objects.filter(depth=depth + 1, year=year, measure="class")
        if area is not None:
            rows = rows.filter(path__startswith=area.path)
        rows = rows.values_list("path", "code").annotate(n=Sum("households"))
    else:
        rows = (HouseholdYear.objects.filter(year=year, path__startswith=area.path).exclude(path=area.path)
                .values_list("path", "poverty_class").annotate(n=Count("id")))
    for path, code, n in rows:
        by_child.setdefault(prefix(path, depth + 1), Counter())[code] += n
    return [{"area": unit.code, "name": unit.name,
             **_headline({code: by_child.get(unit.path, Counter())[code] for code in CLASSES})}
            for unit in units]


def latest_review_year(counts: Counter) -> int | None:
    years = [y for (y, _r, _e, measure, _c), n in counts.items() if measure == "reviews" and n]
    return max(years, default=None)


def sustainability_report(*, area: Area | None, exit_year: int, former: FormerUnit | None = None) -> dict:
    counts = area_counts(area, years=range(exit_year, years_kept()[-1] + 1), former=former)
    latest = latest_review_year(counts) or exit_year
    escaped = _summed(counts, exit_year, "escaped")[""]
    observed, still_out = _summed(counts, exit_year, "observed"), _summed(counts, exit_year, "still_out")
    steps = [{"years_after": k, "observed": observed[str(k)], "still_out": still_out[str(k)],
              "share": percent(still_out[str(k)], observed[str(k)])}
             for k in range(1, latest - exit_year + 1)]
    return {**_about(area, former), "exit_year": exit_year, "escaped": escaped, "steps": steps}
