"""The figures reports read, derived from the register and kept current by the services.

Two levels. `HouseholdYear`: each household's standing at the end of each year from
REPORTS_FIRST_YEAR to this year, rewritten for a household whenever one of its reviews is
approved or it is archived, moved or re-flagged. `AreaTally`: those rows counted per commune
and per province, kept by differences: when households' rows are rewritten, the tally of
their new rows minus the tally of their old ones is added (under the communes' row locks), so
an approval costs the same in a commune of 300 households or 8,000. A province's or the
country's report reads the tallies; a commune's or village's counts its households' rows
directly, with the same `tally` function.
"""

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import F, JSONField, Sum, TextField
from django.db.models.functions import Cast
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
from povertycase.bulk import any_of, insert_rows

FACT_FIELDS = ("household_id", "year", "path", "residence", "ethnic_minority", "poverty_class", "standard_id",
               "deprivations", "transitions", "escaped")
TALLY_KEY = ("path", "year", "residence", "ethnic_minority", "measure", "code")
REVIEW_FIELDS = ("household_id", "year", "residence", "poverty_class", "standard_id", "deprivations", "transition")


def years_kept() -> range:
    """The years HouseholdYear holds: from the year before the first reported one (the start
    of the first reported year) to this year."""
    return range(settings.REPORTS_FIRST_YEAR - 1, timezone.localdate().year + 1)


def prefix(path: str, depth: int) -> str:
    """`prefix("48/20641/2064101/", 2)` → `48/20641/`: the unit at that depth above or at `path`."""
    return "/".join(path.split("/")[:depth]) + "/"


@lru_cache(maxsize=65536)
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


def _values(queryset, fields) -> Iterator[dict]:
    """`queryset.values(*fields)`, its JSON lists parsed once per distinct text: thousands of
    rows hold a few hundred distinct lists, and parsing each row's was much of a refresh's time."""
    lists = {f for f in fields if isinstance(queryset.model._meta.get_field(f), JSONField)}
    rows = queryset.annotate(**{f"{f}_text": Cast(f, TextField()) for f in lists}).values_list(
        *(f"{f}_text" if f in lists else f for f in fields))
    for row in rows:
        values = dict(zip(fields, row))
        for f in lists:
            values[f] = list(_parsed(values[f]))
        yield values


@lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple:
    return tuple(json.loads(text))


def _reviews_by_household(household_ids) -> dict:
    chains: dict = {}
    rows = (
        _values(Review.objects.approved().filter(household_id__in=any_of(household_ids)).chronological(),
                REVIEW_FIELDS)
    )
    for review in rows:
        chains.setdefault(review["household_id"], []).append(review)
    return chains


_deferred: ContextVar[set | None] = ContextVar("tallies_deferred", default=None)


@contextmanager
def deferred():
    """Inside, changed households are collected and refreshed once on the way out (an import
    of thousands of households rewrites the figures once, not once per household). Clear
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
    """Rewrite the HouseholdYear rows of these households and apply what they change to the
    kept figures of their communes (the ones they were in and are in now) and provinces: the
    tally of their new rows minus the tally of their old ones, never a recount. Call inside
    the writing transaction."""
    household_ids = list(household_ids)
    if not household_ids:
        return
    years, delta = years_kept(), Counter()
    # Every writer of a household's rows holds its communes' locks: the old rows read below
    # are the ones the kept figures count.
    locked = _lock_units(_communes_of(household_ids), set())
    for start in range(0, len(household_ids), chunk):
        ids = household_ids[start:start + chunk]
        while True:
            old = list(_values(HouseholdYear.objects.filter(household_id__in=any_of(ids))
                               .order_by("household_id", "year"), ("id", "former_path", *FACT_FIELDS)))
            chains = _reviews_by_household(ids)
            new = []
            for household in _households(Household.objects.filter(pk__in=any_of(ids))):
                new.extend(household_years(household, chains.get(household["id"], []), years))
            # Rows in a commune not locked yet (the household moved, in this transaction or in one
            # that committed while this one waited): lock it too, and read again.
            if not (missing := {commune_path(f["path"]) for f in [*old, *new]} - locked):
                break
            locked = _lock_units(missing, locked)
        delta.update(tally(new, key=_commune_key, last_year=years[-1]))
        delta.subtract(tally(old, key=_commune_key, last_year=years[-1]))
        _rewrite_facts(old, new)
    _lock_units({prefix(path, 1) for path in locked}, locked)
    _apply(delta)


def _commune_key(fact) -> str:
    return commune_path(fact["path"])


def _communes_of(household_ids, *, chunk: int = 5000) -> set:
    """The communes the households are in now (where they were is read, and locked if it
    differs, once these are held)."""
    communes = set()
    for start in range(0, len(household_ids), chunk):
        paths = (Household.objects.filter(pk__in=any_of(household_ids[start:start + chunk]))
                 .values_list("area__path", flat=True).distinct())
        communes.update(commune_path(p) for p in paths)
    return communes


def _lock_units(paths, locked: set) -> set:
    """Row locks of these units, taken in path order: two writers in one commune (or, for the
    figures of a province, one province) wait for each other. Communes come before their
    province, whose lock is held only while its figures change."""
    paths = sorted(set(paths) - locked)
    if paths:
        list(Area.objects.select_for_update().filter(path__in=paths).order_by("path").values_list("pk"))
    return locked | set(paths)


_COMPARED = ("former_path", *(f for f in FACT_FIELDS if f not in ("household_id", "year")))


def _rewrite_facts(old: list[dict], new: list[dict]) -> None:
    """Delete the old rows that changed or went, insert the new rows that changed or came."""
    stored = {(f["household_id"], f["year"]): f for f in old}
    kept, inserted = set(), []
    for fact in new:
        before = stored.get((fact["household_id"], fact["year"]))
        if before is not None and all(before[field] == fact[field] for field in _COMPARED):
            kept.add(before["id"])
        else:
            inserted.append(fact)
    gone = [f["id"] for f in old if f["id"] not in kept]
    for start in range(0, len(gone), 1000):
        HouseholdYear.objects.filter(pk__in=any_of(gone[start:start + 1000])).delete()
    insert_rows(HouseholdYear, inserted)


def _apply(delta: Counter) -> None:
    """Add `delta` (counts by commune key, as `tally` gives them) to the kept figures of those
    communes and their provinces: existing rows change, missing ones are inserted, and rows
    that reach 0 are deleted, as `rebuild` would never write them."""
    changes = Counter(delta)
    changes.update(_provinces(delta))
    changes = {key: n for key, n in changes.items() if n}
    if not changes:
        return
    if connection.vendor == "postgresql":
        _apply_postgresql(changes)
        return
    keys = sorted(changes)
    stored = {}
    rows = (AreaTally.objects.filter(path__in={k[0] for k in keys}, year__in={k[1] for k in keys})
            .values_list(*TALLY_KEY, "pk", "households"))
    for *key, pk, households in rows:
        stored[tuple(key)] = (pk, households)
    # Changed rows are written again: two statements however many keys changed.
    replaced, totals = [], Counter()
    for key in keys:
        pk, households = stored.get(key, (None, 0))
        totals[key] = households + changes[key]
        if totals[key] < 0:
            raise ValueError(f"The kept figures are not those of the register at {key}: run refresh_reports.")
        if pk is not None:
            replaced.append(pk)
    AreaTally.objects.filter(pk__in=replaced).delete()
    insert_rows(AreaTally, _tally_rows(+totals))


_APPLY_SQL = """
    WITH delta (path, year, residence, ethnic_minority, measure, code, households) AS (
        SELECT * FROM unnest(%s::varchar[], %s::smallint[], %s::varchar[], %s::boolean[], %s::varchar[],
                             %s::varchar[], %s::integer[])
    ), updated AS (
        UPDATE {table} t SET households = t.households + d.households FROM delta d
        WHERE t.path = d.path AND t.year = d.year AND t.residence = d.residence
          AND t.ethnic_minority = d.ethnic_minority AND t.measure = d.measure AND t.code = d.code
        RETURNING t.id, t.path, t.year, t.residence, t.ethnic_minority, t.measure, t.code, t.households
    ), inserted AS (
        INSERT INTO {table} (path, depth, year, residence, ethnic_minority, measure, code, households)
        SELECT d.path, length(d.path) - length(replace(d.path, '/', '')), d.year, d.residence,
               d.ethnic_minority, d.measure, d.code, d.households
        FROM delta d WHERE NOT EXISTS (
            SELECT 1 FROM updated u WHERE u.path = d.path AND u.year = d.year AND u.residence = d.residence
              AND u.ethnic_minority = d.ethnic_minority AND u.measure = d.measure AND u.code = d.code)
    )
    SELECT id FROM updated WHERE households = 0
"""


def _apply_postgresql(changes: dict) -> None:
    """`_apply` in two statements: one updates the rows there are and inserts the others (an
    insert of a negative count breaks the table's check: the figures were wrong before), one
    deletes the rows at 0."""
    table = connection.ops.quote_name(AreaTally._meta.db_table)
    columns = list(zip(*sorted(changes)))
    with connection.cursor() as cursor:
        cursor.execute(_APPLY_SQL.format(table=table),
                       [list(c) for c in columns] + [[changes[k] for k in sorted(changes)]])
        emptied = [row[0] for row in cursor.fetchall()]
        if emptied:
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [emptied])


def recount_communes(paths) -> None:
    """Recount these communes from their HouseholdYear rows, then their provinces from their
    communes' tallies: a repair (the services apply differences, see `refresh_households`)."""
    last_year = years_kept()[-1]
    paths = sorted(paths)
    _lock_units(paths, set())
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
