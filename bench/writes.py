"""Times the writes a province's officers wait for: one approval, and the bulk approval of a
whole commune, in communes of 300, 2,000 and 8,000 households, each beside the same UPDATE in
bare SQL measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/writes.py [HOUSEHOLDS]

It takes the server from DATABASE_URL but always works in its own database there,
`povertycase_bench_writes` (created and migrated if missing), which holds a synthetic country of
HOUSEHOLDS households (default 100,000, `generate_country`) and three communes of its own
(codes `BW…`) in the country's first province. Each run deletes those three communes, which only
this script writes, and builds them again: every household with approved reviews of 2024 and
2025 and a draft of 2026. One approval is the median of 7 through the HTTP API; the bulk
approval approves the rest of the commune in one call of the service (the API runs that call
in the request, or as a background job for a large area).
"""

import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime
from datetime import timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertycase.settings")

DATABASE = "povertycase_bench_writes"
SIZES = (300, 2_000, 8_000)
SINGLE_RUNS = 7
HISTORY_YEARS = (2024, 2025)
YEAR = 2026
DECISION = {"decision_number": "26/QĐ-UBND", "decision_date": "2026-11-20"}
GOAL_ONE_MS = 50
GOAL_PER_SECOND = 5_000
CLASSES = {"poor": 0.1, "near_poor": 0.08, "average_living": 0.2, "non_poor": 0.62}


def _own_database() -> None:
    """Point DATABASE_URL at this benchmark's own database on the same server."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    if not url.scheme.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark compares with bare SQL there.")
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{DATABASE}"))


def _ensure_database() -> None:
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    try:
        connection.ensure_connection()
    except Exception:
        server = {"host": settings["HOST"], "port": settings["PORT"] or 5432, "user": settings["USER"],
                  "password": settings["PASSWORD"] or None}
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def main(households: int) -> None:
    _own_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    _ensure_database()
    call_command("migrate", verbosity=0)
    setup_test_environment()
    from rest_framework.test import APIClient

    from households.models import Area, Household
    from povertycase.accounts.models import User

    if not Area.objects.filter(code__startswith="S").exists():
        started = time.perf_counter()
        call_command("generate_country", households=households, verbosity=0)
        print(f"generate_country --households {households:,}: {time.perf_counter() - started:.0f} s")
    province = Area.objects.filter(level="province", code__startswith="S").order_by("code").first()
    admin, _ = User.objects.get_or_create(username="bench-writes", defaults={"role": "admin"})
    client = APIClient()
    client.force_authenticate(admin)
    print(f"register: {Household.objects.count():,} households; bench communes in province {province.code}")

    rows = []
    _warm_up(client, admin, _build_commune(province, SIZES[0]))
    for size in SIZES:
        started = time.perf_counter()
        commune = _build_commune(province, size)
        print(f"built commune {commune.code} ({size:,} households, drafts of {YEAR}) "
              f"in {time.perf_counter() - started:.1f} s")
        rows.append(_approvals(client, admin, commune, size))
        _check_figures(commune)

    print(f"\n{'':<36}{'povertycase':>13}{'bare SQL':>11}{'households/s':>14}{'goal':>13}")
    for name, seconds, sql_seconds, count, goal, met in _table(rows):
        rate = f"{count / seconds:,.0f}" if count else ""
        figure = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
        sql = f"{sql_seconds * 1000:.1f} ms" if sql_seconds < 1 else f"{sql_seconds:.2f} s"
        print(f"{name:<36}{figure:>13}{sql:>11}{rate:>14}{goal:>13}  {'ok' if met else 'SLOW'}")
    imported = household_import_figure(client, province)
    if imported is None:
        print(f"{'household import':<36}{'not measured yet (household_import_figure)':>51}")
    else:
        seconds, sql_seconds, count = imported
        print(f"{'household import, ' + format(count, ',') + ' households':<36}{seconds:>11.2f} s"
              f"{sql_seconds:>9.2f} s{count / seconds:>14,.0f}{'≥ 5,000/s':>13}  "
              f"{'ok' if count / seconds >= GOAL_PER_SECOND else 'SLOW'}")
    print("one approval: median of 7 requests through the API. bulk approval: one reviews_approve_in_area\n"
          "for the rest of the commune. bare SQL: the same rows' UPDATE statements alone, rolled back.\n"
          "After each commune its kept figures and its province's were checked, row for row, against a\n"
          "recount: equal.")


def _table(rows):
    for single, bulk in rows:
        yield (*single, f"≤ {GOAL_ONE_MS} ms", single[1] * 1000 <= GOAL_ONE_MS)
        yield (*bulk, f"≥ {GOAL_PER_SECOND:,}/s", bulk[3] / bulk[1] >= GOAL_PER_SECOND)


def household_import_figure(client, province) -> tuple[float, float, int] | None:
    """The household import's figure (issue 14): import 10,000 households with their members
    into a commune of this benchmark and return (seconds, seconds of a bare COPY of the same
    rows, households). Not measured yet: None."""
    return None


# The bench communes ------------------------------------------------------------------------


def _build_commune(province, size: int):
    """Delete this script's commune of `size` households if a run left one, and write it again."""
    from django.db import connection, transaction

    from households import tallies
    from households.models import Area, Household, PovertyStandard, Review
    from households.poverty import poverty_class_for, transitions_for
    from povertycase.bulk import insert_rows

    code = f"BW{size:05d}"
    with transaction.atomic(), connection.cursor() as cursor:
        old = Area.objects.filter(code=code).first()
        if old is not None:
            # Plain DELETEs: through the ORM each row would be fetched and given a history row.
            ids = list(Household.objects.filter(area__path__startswith=old.path).values_list("pk", flat=True))
            for table, column in (("households_historicalreview", "household_id"),
                                  ("households_review", "household_id"),
                                  ("households_historicalhousehold", "id"),
                                  ("households_householdyear", "household_id"),
                                  ("households_household", "id")):
                cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [ids])
            Area.objects.filter(path__startswith=old.path).exclude(pk=old.pk).delete()
            old.delete()
            tallies.recount_communes([old.path])

    rng = random.Random(size)
    now = datetime.now(dt_timezone.utc)
    standard = PovertyStandard.objects.for_year(YEAR).get()
    line, ceiling = standard.line_for("rural"), standard.ceiling_for("rural")
    indicators = list(standard.indicators.values_list("code", flat=True))
    with transaction.atomic():
        commune = Area.objects.create(code=code, name=f"Xã đo {size}", level="commune", parent=province,
                                      residence="rural", path=f"{province.path}{code}/")
        villages = [Area.objects.create(code=f"{code}{v}", name=f"Thôn {v}", level="village", parent=commune,
                                        residence="rural", path=f"{commune.path}{code}{v}/")
                    for v in range(1, 6)]
        households, reviews = [], []
        for n in range(size):
            household_id = uuid.uuid4()
            classes = [rng.choices(list(CLASSES), weights=list(CLASSES.values()))[0] for _ in HISTORY_YEARS]
            for year, poverty_class, transition in zip(HISTORY_YEARS, classes, transitions_for(classes)):
                income, deprived = _review_for(rng, poverty_class, line, ceiling, indicators)
                reviews.append(_review(household_id, year, income, deprived, standard, poverty_class, "",
                                       "approved", transition, now))
            income, deprived = _review_for(rng, rng.choices(list(CLASSES), weights=list(CLASSES.values()))[0],
                                           line, ceiling, indicators)
            poverty_class, explanation = poverty_class_for(income=income, deprivation_count=len(deprived),
                                                           standard=standard, residence="rural")
            reviews.append(_review(household_id, YEAR, income, deprived, standard, poverty_class, explanation,
                                   "draft", "", now))
            households.append({
                "id": household_id, "code": f"{code}-{n + 1:05d}", "area_id": villages[n % 5].pk,
                "address": "", "residence": "rural", "ethnic_minority": n % 9 == 0, "merit_family": False,
                "no_working_capacity": False, "poverty_causes": [], "support_needs": [], "status": "active",
                "archive_reason": "", "archive_note": "", "archived_on": None, "poverty_class": classes[-1],
                "poverty_class_year": HISTORY_YEARS[-1], "search_text": f"{code.lower()}-{n + 1:05d}",
                "version": 1, "created_at": now, "updated_at": now})
        insert_rows(Household, households)
        insert_rows(Review, reviews)
        tallies.refresh_households([h["id"] for h in households])
    # Each run deletes and rewrites its communes, and the server may run no autovacuum: without
    # this, the dead rows of the runs before slow down the next one's scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE households_household, households_review, households_householdyear, "
                       "households_areatally, households_historicalreview, households_historicalhousehold")
    return commune


def _review_for(rng, poverty_class: str, line: int, ceiling: int, indicators: list[str]):
    if poverty_class == "poor":
        return rng.randint(line // 2, line), sorted(rng.sample(indicators, rng.randint(3, 6)))
    if poverty_class == "near_poor":
        return rng.randint(line // 2, line), sorted(rng.sample(indicators, rng.randint(0, 2)))
    if poverty_class == "average_living":
        return rng.randint(line + 1, ceiling), sorted(rng.sample(indicators, rng.randint(0, 3)))
    return rng.randint(ceiling + 1, ceiling * 4), sorted(rng.sample(indicators, rng.randint(0, 1)))


def _review(household_id, year, income, deprived, standard, poverty_class, explanation, status, transition,
            now):
    approved = status == "approved"
    return {
        "id": uuid.uuid4(), "household_id": household_id, "year": year, "kind": "periodic",
        "reviewed_on": date(year, 10, 15), "income_per_capita": income, "deprivations": deprived,
        "standard_id": standard.pk, "residence": "rural", "deprivation_count": len(deprived),
        "poverty_class": poverty_class, "explanation": explanation or "Synthetic review.", "status": status,
        "transition": transition, "corrects_id": None,
        "decision_number": f"{year}/QĐ-UBND" if approved else "",
        "decision_date": date(year, 12, 10) if approved else None, "approved_at": now if approved else None,
        "approved_by_id": None, "version": 1, "created_at": now, "updated_at": now}


# Measures ----------------------------------------------------------------------------------

SQL_ONE = [
    """UPDATE households_review SET status = 'approved', approved_at = now(), approved_by_id = %(user)s,
       decision_number = %(number)s, decision_date = %(date)s, transition = 'remained_poor',
       version = version + 1, updated_at = now() WHERE id = %(review)s""",
    """UPDATE households_household h SET poverty_class = r.poverty_class, poverty_class_year = r.year,
       version = h.version + 1, updated_at = now() FROM households_review r
       WHERE r.id = %(review)s AND h.id = r.household_id""",
]
SQL_AREA = [
    """UPDATE households_review r SET status = 'approved', approved_at = now(), approved_by_id = %(user)s,
       decision_number = %(number)s, decision_date = %(date)s, transition = 'remained_poor',
       version = r.version + 1, updated_at = now()
       FROM households_household h JOIN households_area a ON a.id = h.area_id
       WHERE r.household_id = h.id AND a.path LIKE %(prefix)s AND r.status = 'draft' AND r.year = %(year)s""",
    """UPDATE households_household h SET poverty_class = r.poverty_class, poverty_class_year = r.year,
       version = h.version + 1, updated_at = now()
       FROM households_review r, households_area a
       WHERE r.household_id = h.id AND a.id = h.area_id AND a.path LIKE %(prefix)s
         AND r.status = 'approved' AND r.year = %(year)s""",
]


def _bare_sql(statements, params) -> float:
    """Seconds to run `statements` in a transaction that is then rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement, params)
            seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def _approvals(client, admin, commune, size: int):
    from households.models import Review
    from households.services import reviews_approve_in_area

    drafts = Review.objects.filter(household__area__path__startswith=commune.path, year=YEAR, status="draft")
    params = {"user": admin.pk, "number": DECISION["decision_number"], "date": DECISION["decision_date"],
              "prefix": commune.path + "%", "year": YEAR}
    chosen = list(drafts.order_by("id").values_list("id", flat=True)[:SINGLE_RUNS])
    sql_one = statistics.median(_bare_sql(SQL_ONE, {**params, "review": review}) for review in chosen)
    times = []
    for review in chosen:
        started = time.perf_counter()
        response = client.post(f"/api/v1/reviews/{review}/approve/", DECISION, format="json", secure=True)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (response.status_code, response.content[:500])
    remaining = drafts.count()
    sql_area = _bare_sql(SQL_AREA, params)
    # The service itself: above APPROVAL_JOB_DRAFTS the API hands the same call to a job.
    started = time.perf_counter()
    approved = reviews_approve_in_area(by=admin, reviews=Review.objects.visible_to(admin), area=commune,
                                       year=YEAR, decision_number=DECISION["decision_number"],
                                       decision_date=date.fromisoformat(DECISION["decision_date"]))
    seconds = time.perf_counter() - started
    assert approved == remaining, (approved, remaining)
    return ((f"one approval, commune of {size:,}", statistics.median(times), sql_one, 0),
            (f"bulk approval, commune of {size:,}", seconds, sql_area, remaining))


def _warm_up(client, admin, commune) -> None:
    """One approval and one bulk approval, rolled back: the first request of a process pays
    for imports, caches and query plans, which are not the figures measured."""
    from django.db import transaction

    from households.models import Review
    from households.services import reviews_approve_in_area

    with transaction.atomic():
        review = Review.objects.filter(household__area__path__startswith=commune.path, status="draft").first()
        client.post(f"/api/v1/reviews/{review.pk}/approve/", DECISION, format="json", secure=True)
        reviews_approve_in_area(by=admin, reviews=Review.objects.visible_to(admin), area=commune, year=YEAR,
                                decision_number=DECISION["decision_number"],
                                decision_date=date.fromisoformat(DECISION["decision_date"]))
        transaction.set_rollback(True)


def _check_figures(commune) -> None:
    """The kept figures of the commune and its province, row for row, equal a recount from
    HouseholdYear (the commune) and the sum of its communes' figures (the province)."""
    from django.db.models import Sum

    from households import tallies
    from households.models import AreaTally

    fields = ("year", "residence", "ethnic_minority", "measure", "code")
    last_year = tallies.years_kept()[-1]
    recounted = tallies.tally(tallies.facts_in(commune.path), key=lambda f: (), last_year=last_year)
    kept = AreaTally.objects.filter(path=commune.path).values_list(*fields, "households")
    assert sorted(kept) == sorted((*key[1:], n) for key, n in recounted.items()), (
        f"the kept figures of {commune.code} differ from a recount")
    province = tallies.prefix(commune.path, 1)
    summed = (AreaTally.objects.filter(depth=2, path__startswith=province).values_list(*fields)
              .annotate(n=Sum("households")).filter(n__gt=0))
    kept = AreaTally.objects.filter(path=province).values_list(*fields, "households")
    assert sorted(kept) == sorted(summed), f"the kept figures of {province} differ from its communes' sum"


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
