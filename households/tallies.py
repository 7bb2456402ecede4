"""The figures reports read, derived from the register and kept current by the services.

Two levels. `HouseholdYear`: each household's standing at the end of each year from
REPORTS_FIRST_YEAR to this year, rewritten for a household whenever one of its reviews is
approved or it is archived, moved or re-flagged. `AreaTally`: those rows counted per commune,
recounted for a commune (under its row lock) whenever one of its households' rows change. A
province's or the country's report sums the tallies of its communes; a commune's or village's
counts its households' rows directly, with the same `tally` function.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from households.models import (
    ESCAPES,
    UNCLASSIFIED,
    Area,
    AreaTally,
    Household,
    HouseholdYear,
    PovertyClass,
    Review,
    Transition,
)
from povertycase.bulk import insert_rows

FACT_FIELDS = ("household_id", "year", "path", "residence", "ethnic_minority", "poverty_class", "standard_id",
               "deprivations", "transitions", "escaped")
REVIEW_FIELDS = ("household_id", "year", "residence", "poverty_class", "standard_id", "deprivations", "transition")


def years_kept() -> range:
    """The years HouseholdYear holds: from the year before the first reported one (the start
    of the first reported year) to this year."""
    return range(settings.REPORTS_FIRST_YEAR - 1, timezone.localdate().year + 1)


def prefix(path: str, depth: int) -> str:
    """`prefix("48/20641/2064101/", 2)` → `48/20641/`: the unit at that depth above or at `path`."""
    return "/".join(path.split("/")[:depth]) + "/"


def commune_path(path: str) -> str:
    return prefix(path, 2)


def household_years(household: dict, reviews: list[dict], years: range) -> list[dict]:
    """`household`: id, path, former_path, residence, ethnic_minority, archived_on. `reviews`: its approved
    reviews in the order of the approval chain (year, date, approval)."""
    facts, current, index = [], None, 0
    for year in years:
        archived_on = household["archived_on"]
        if archived_on is not None and archived_on <= date(year, 12, 31):
            break
        of_year = []
        while index < len(reviews) and reviews[index]["year"] <= year:
            current = reviews[index]
            if current["year"] == year:
                of_year.append(current["transition"])
            index += 1
        facts.append({
            "household_id": household["id"], "year": year, "path": household["path"],
            "former_path": household["former_path"] or "",
            "residence": current["residence"] if current else household["residence"],
            "ethnic_minority": household["ethnic_minority"],
            "poverty_class": current["poverty_class"] if current else UNCLASSIFIED,
            "standard_id": current["standard_id"] if current else None,
            "deprivations": sorted(current["deprivations"]) if current else [],
            "transitions": of_year, "escaped": any(t in ESCAPES for t in of_year),
        })
    return facts


def tally(facts: Iterable, key, last_year: int) -> Counter:
    """Counts by (key(fact), year, residence, ethnic_minority, measure, code). `facts` are
    dicts of FACT_FIELDS, grouped by household, oldest year first."""
    counts: Counter = Counter()
    for household_facts in _by_household(facts):
        by_year = {f["year"]: f for f in household_facts}
        for f in household_facts:
            head = (key(f), f["year"], f["residence"], f["ethnic_minority"])
            counts[(*head, "class", f["poverty_class"])] += 1
            if f["poverty_class"] == PovertyClass.POOR:
                for indicator in f["deprivations"]:
                    counts[(*head, "deprivation", indicator)] += 1
            for transition in f["transitions"]:
                counts[(*head, "transition", transition)] += 1
                counts[(*head, "reviews", "")] += 1
            if Transition.NEW_STANDARD in f["transitions"]:
                counts[(*head, "new_standard", f["poverty_class"])] += 1
            if f["escaped"]:
                counts[(*head, "escaped", "")] += 1
                for later in range(f["year"] + 1, last_year + 1):
                    then = by_year.get(later)
                    # A class under another standard says where the lines are, not whether
                    # the escape lasted: the household is not observed from then on.
                    if then is not None and then["standard_id"] != f["standard_id"]:
                        break
                    if then is not None:
                        counts[(*head, "observed", str(later - f["year"]))] += 1
                        if then["poverty_class"] != PovertyClass.POOR:
                            counts[(*head, "still_out", str(later - f["year"]))] += 1
    return counts


def _by_household(facts: Iterable) -> Iterator[list]:
    group, current = [], None
    for f in facts:
        if f["household_id"] != current and group:
            yield group
            group = []
        current = f["household_id"]
        group.append(f)
    if group:
        yield group


def facts_in(path: str, *, former_path: str | None = None):
    """The HouseholdYear rows of every household in the unit at `path` and below (and, given
    `former_path`, whose former commune lies in that former unit), grouped by household, as
    `tally` wants them."""
    rows = HouseholdYear.objects.filter(path__startswith=path)
    if former_path is not None:
        rows = rows.filter(former_path__startswith=former_path)
    return rows.order_by("household_id", "year").values(*FACT_FIELDS)


def _households(queryset):
    return queryset.values("id", "residence", "ethnic_minority", "archived_on", path=F("area__path"),
                           former_path=F("former_commune__path"))


def _tally_rows(counts: Counter) -> list[dict]:
    return [{"path": k[0], "depth": k[0].count("/"), "year": k[1], "residence": k[2], "ethnic_minority": k[3],
             "measure": k[4], "code": k[5], "households": n} for k, n in counts.items()]


def _provinces(counts: Counter) -> Counter:
    provinces: Counter = Counter()
    for (path, *rest), n in counts.items():
        provinces[(prefix(path, 1), *rest)] += n
    return provinces


def _reviews_by_household(household_ids) -> dict:
    chains: dict = {}
    rows = (
        Review.objects.approved().filter(household_id__in=household_ids).chronological()
        .values(*REVIEW_FIELDS)
    )
    for review in rows:
        chains.setdefault(review["household_id"], []).append(review)
    return chains


_deferred: ContextVar[set | None] = ContextVar("tallies_deferred", default=None)


@contextmanager
def deferred():
    """Inside, changed households are collected and refreshed once on the way out (an import
    of thousands of households recounts each commune once, not once per household). Clear
    the yielded set to skip the refresh (a dry run about to be rolled back)."""
    pending: set = set()
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    refresh_households(pending)


def households_changed(household_ids) -> None:
    """The services call this after any change that moves a household's figures: an approved
    review, an archive, a move, a changed residence or ethnic-minority flag, a new household."""
    pending = _deferred.get()
    if pending is not None:
        pending.update(household_ids)
    else:
        refresh_households(household_ids)


def refresh_households(household_ids, *, chunk: int = 5000) -> None:
    """Rewrite the HouseholdYear rows of these households and recount their communes (the
    ones they were in and the ones they are in now). Call inside the writing transaction."""
    household_ids = list(household_ids)
    years, communes = years_kept(), set()
    for start in range(0, len(household_ids), chunk):
        ids = household_ids[start:start + chunk]
        communes.update(commune_path(p) for p in HouseholdYear.objects.filter(household_id__in=ids)
                        .values_list("path", flat=True).distinct())
        chains = _reviews_by_household(ids)
        facts = []
        for household in _households(Household.objects.filter(pk__in=ids)):
            communes.add(commune_path(household["path"]))
            facts.extend(household_years(household, chains.get(household["id"], []), years))
        HouseholdYear.objects.filter(household_id__in=ids).delete()
        insert_rows(HouseholdYear, facts)
    recount_communes(communes)


def recount_communes(paths) -> None:
    """Recount these communes from their HouseholdYear rows, then their provinces from their
    communes' tallies."""
    last_year = years_kept()[-1]
    # The communes' row locks, always taken in path order: two approvals in one commune
    # recount one after the other, the second seeing the first's rows.
    paths = sorted(paths)
    list(Area.objects.select_for_update().filter(path__in=paths).order_by("path").values_list("pk"))
    for path in paths:
        counts = tally(facts_in(path), key=lambda f: path, last_year=last_year)
        AreaTally.objects.filter(path=path).delete()
        insert_rows(AreaTally, _tally_rows(counts))
    for province in sorted({prefix(p, 1) for p in paths}):
        communes = (AreaTally.objects.filter(depth=2, path__startswith=province)
                    .values_list("year", "residence", "ethnic_minority", "measure", "code")
                    .annotate(n=Sum("households")))
        AreaTally.objects.filter(path=province).delete()
        insert_rows(AreaTally, _tally_rows(Counter({(province, *key): n for *key, n in communes})))


def rebuild(progress=None) -> int:
    """Rewrite every HouseholdYear and AreaTally row from the register, in one streaming pass
    (a synthetic country, a new year, or a repair). Returns the number of households."""
    years = years_kept()
    _empty(HouseholdYear)
    _empty(AreaTally)
    households = _households(Household.objects.order_by("area__path", "id"))
    reviews = (Review.objects.approved().order_by("household__area__path", "household_id", "year", "reviewed_on",
                                                   "approved_at", "id")
               .values(*REVIEW_FIELDS))
    review_iter = reviews.iterator(chunk_size=20_000)
    pending = next(review_iter, None)
    counts: Counter = Counter()
    batch, done = [], 0
    for household in households.iterator(chunk_size=20_000):
        chain = []
        while pending is not None and pending["household_id"] == household["id"]:
            chain.append(pending)
            pending = next(review_iter, None)
        facts = household_years(household, chain, years)
        batch.extend(facts)
        counts.update(tally(facts, key=lambda f: commune_path(f["path"]), last_year=years[-1]))
        done += 1
        if len(batch) >= 50_000:
            insert_rows(HouseholdYear, batch)
            batch = []
            if progress:
                progress(done)
    insert_rows(HouseholdYear, batch)
    insert_rows(AreaTally, _tally_rows(counts) + _tally_rows(_provinces(counts)))
    if connection.vendor == "postgresql":
        # Statistics for the fresh rows, or the planner keeps costing the tables as empty.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {HouseholdYear._meta.db_table}, {AreaTally._meta.db_table}")
    return done


def _empty(model) -> None:
    if connection.vendor != "postgresql":
        model.objects.all().delete()
        return
    with connection.cursor() as cursor:
        # Pending foreign-key checks of this transaction would block the TRUNCATE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
