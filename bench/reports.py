"""Times the outcome reports and a household list page through the HTTP stack, in one run
beside two baselines: hand-written SQL that computes the same answer straight from the base
tables, and (for the poverty report) SQL that reads the same kept figures the report reads.

    .venv/bin/python bench/reports.py [HOUSEHOLDS]

It works in a database of its own, `povertycase_bench_reports` on the local PostgreSQL
(BENCH_DATABASE_URL names another), created and migrated if missing, and loads a synthetic
country of HOUSEHOLDS households (default 1,000,000) with `generate_country` unless one is
there already; it writes nothing else. Each figure is the median of 5 runs after a warm-up.
The hand-written SQL also checks the report's numbers: a mismatch stops the run.
"""

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertycase.settings")
# Production settings (DEBUG off: no query log growing with the run), with a throwaway key.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/povertycase_bench_reports")

RUNS = 5
YEAR = 2025
EXIT_YEAR = 2023

# The class of each household at the end of a year, from its approved reviews.
CLASS_AT = """
    SELECT h.id, coalesce(l.poverty_class, 'unclassified') AS poverty_class, h.residence, h.ethnic_minority
    FROM households_household h
    JOIN households_area a ON a.id = h.area_id
    LEFT JOIN LATERAL (
        SELECT r.poverty_class FROM households_review r
        WHERE r.household_id = h.id AND r.status = 'approved' AND r.year <= %(year)s
        ORDER BY r.year DESC, r.reviewed_on DESC, r.approved_at DESC, r.id DESC LIMIT 1
    ) l ON true
    WHERE a.path LIKE %(prefix)s AND (h.archived_on IS NULL OR h.archived_on > make_date(%(year)s, 12, 31))
"""
POVERTY_SQL = f"""
    WITH now AS ({CLASS_AT}), before AS ({CLASS_AT.replace("%(year)s", "%(before)s")})
    SELECT 'class', poverty_class, count(*) FROM now GROUP BY poverty_class
    UNION ALL SELECT 'start', poverty_class, count(*) FROM before GROUP BY poverty_class
    UNION ALL SELECT 'residence:' || residence, poverty_class, count(*) FROM now GROUP BY 1, 2
    UNION ALL SELECT 'ethnic:' || ethnic_minority, poverty_class, count(*) FROM now GROUP BY 1, 2
    UNION ALL SELECT 'transition', r.transition, count(*) FROM households_review r
        JOIN households_household h ON h.id = r.household_id JOIN households_area a ON a.id = h.area_id
        WHERE r.status = 'approved' AND r.year = %(year)s AND a.path LIKE %(prefix)s GROUP BY r.transition
    UNION ALL SELECT 'deprivation', d.code, count(*) FROM now
        JOIN LATERAL (SELECT r.deprivations FROM households_review r WHERE r.household_id = now.id
                      AND r.status = 'approved' AND r.year <= %(year)s
                      ORDER BY r.year DESC, r.reviewed_on DESC, r.approved_at DESC, r.id DESC LIMIT 1) l ON true
        CROSS JOIN LATERAL jsonb_array_elements_text(l.deprivations) AS d(code)
        WHERE now.poverty_class = 'poor' GROUP BY d.code
"""
SUSTAINABILITY_SQL = """
    WITH escaped AS (
        SELECT DISTINCT r.household_id FROM households_review r
        JOIN households_household h ON h.id = r.household_id JOIN households_area a ON a.id = h.area_id
        WHERE r.status = 'approved' AND r.year = %(year)s AND a.path LIKE %(prefix)s
          AND r.transition IN ('escaped_to_near_poor', 'escaped_above_near_poor')
    ), steps AS (SELECT generate_series(1, %(last)s - %(year)s) AS k)
    SELECT s.k, count(*) AS observed, count(*) FILTER (WHERE l.poverty_class <> 'poor') AS still_out
    FROM steps s CROSS JOIN escaped e JOIN households_household h ON h.id = e.household_id
    JOIN LATERAL (
        SELECT r.poverty_class FROM households_review r
        WHERE r.household_id = e.household_id AND r.status = 'approved' AND r.year <= %(year)s + s.k
        ORDER BY r.year DESC, r.reviewed_on DESC, r.approved_at DESC, r.id DESC LIMIT 1
    ) l ON true
    WHERE h.archived_on IS NULL OR h.archived_on > make_date(%(year)s + s.k, 12, 31)
    GROUP BY s.k ORDER BY s.k
"""
OUTCOMES_SQL = """
    WITH enrolled AS (
        SELECT DISTINCT ON (household_id) household_id, baseline_year, baseline_class
        FROM programmes_enrollment WHERE programme_id = %(programme)s ORDER BY household_id, enrolled_on
    ), poor AS (SELECT * FROM enrolled WHERE baseline_class = 'poor'),
    pool AS (
        SELECT h.id, min(y.year) AS baseline_year FROM households_household h
        JOIN households_area a ON a.id = h.area_id
        JOIN (SELECT DISTINCT baseline_year AS year FROM poor) y ON true
        JOIN LATERAL (
            SELECT r.poverty_class FROM households_review r
            WHERE r.household_id = h.id AND r.status = 'approved' AND r.year <= y.year
            ORDER BY r.year DESC, r.reviewed_on DESC, r.approved_at DESC, r.id DESC LIMIT 1
        ) l ON l.poverty_class = 'poor'
        WHERE a.path LIKE %(prefix)s AND (h.archived_on IS NULL OR h.archived_on > make_date(y.year, 12, 31))
          AND NOT EXISTS (SELECT 1 FROM programmes_enrollment e JOIN programmes_programme p ON p.id = e.programme_id
                          WHERE e.household_id = h.id AND p.kind = %(kind)s)
        GROUP BY h.id
    )
    SELECT
        (SELECT count(*) FROM programmes_enrollment WHERE programme_id = %(programme)s),
        (SELECT count(*) FROM poor),
        (SELECT count(*) FROM poor WHERE EXISTS (SELECT 1 FROM households_review r WHERE r.household_id = poor.household_id
            AND r.status = 'approved' AND r.year > poor.baseline_year AND r.poverty_class <> 'poor')),
        (SELECT coalesce(sum(value), 0) FROM programmes_delivery WHERE programme_id = %(programme)s
            AND cancelled_at IS NULL),
        (SELECT count(*) FROM pool),
        (SELECT count(*) FROM pool WHERE EXISTS (SELECT 1 FROM households_review r WHERE r.household_id = pool.id
            AND r.status = 'approved' AND r.year > pool.baseline_year AND r.poverty_class <> 'poor'))
"""
# What the poverty report reads of the kept figures for a province and its communes: the
# province's own tally rows for the two years, and its communes' class counts.
KEPT_POVERTY_SQL = """
    SELECT year, residence, ethnic_minority, measure, code, sum(households) FROM households_areatally
    WHERE path = %(path)s AND year IN (%(before)s, %(year)s) GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 0, path, false, 'child', code, sum(households) FROM households_areatally
    WHERE depth = 2 AND year = %(year)s AND measure = 'class' AND path LIKE %(prefix)s GROUP BY 2, 5
"""
LIST_SQL = """
    SELECT h.* FROM households_household h JOIN households_area a ON a.id = h.area_id
    WHERE a.path LIKE %(prefix)s ORDER BY h.code LIMIT 51
"""
MEMBERS_SQL = "SELECT * FROM households_member WHERE household_id = ANY(%(ids)s)"


def median_ms(call) -> tuple[float, object]:
    result = call()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(households: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    sys.path.insert(0, str(ROOT / "bench"))
    from review_import import _ensure_database

    _ensure_database()
    call_command("migrate", verbosity=0)
    setup_test_environment()
    from rest_framework.test import APIClient

    from households.models import Area, Household
    from povertycase.accounts.models import User
    from programmes.models import Programme

    loaded = Household.objects.filter(code__startswith="S").exists()
    if not loaded:
        started = time.perf_counter()
        call_command("generate_country", households=households)
        print(f"generate_country --households {households:,}: {time.perf_counter() - started:.0f} s")
    total = Household.objects.count()
    reviews = connection.cursor()
    reviews.execute("SELECT count(*) FROM households_review")
    print(f"register: {total:,} households, {reviews.fetchone()[0]:,} reviews")

    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": "admin"})
    client = APIClient()
    client.force_authenticate(admin)
    province = Area.objects.get(code="S01")
    commune = Area.objects.filter(parent=province).order_by("code").first()
    programme = Programme.objects.get(code="S01-SX")

    def api(url, **params):
        def call():
            response = client.get(url, params)
            assert response.status_code == 200, response.content[:500]
            return response.data
        return call

    def sql(query, **params):
        def call():
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()
        return call

    rows = []

    def measure(name, target_ms, api_call, sql_call, check, kept_call=None):
        api_ms, answer = median_ms(api_call)
        sql_ms, expected = median_ms(sql_call) if sql_call else (None, None)
        if check:
            check(answer, expected)
        kept_ms = median_ms(kept_call)[0] if kept_call else None
        rows.append((name, api_ms, sql_ms, kept_ms, target_ms))

    def check_poverty(answer, expected):
        classes = {code: n for kind, code, n in expected if kind == "class"}
        assert {k: v for k, v in answer["classes"].items() if v} == classes, (answer["classes"], classes)
        transitions = {code: n for kind, code, n in expected if kind == "transition"}
        assert {k: v for k, v in answer["transitions"].items() if v} == transitions
        deprivations = {code: n for kind, code, n in expected if kind == "deprivation"}
        assert {k: v for k, v in answer["deprivations"].items() if v} == deprivations

    last = max(Household.objects.values_list("poverty_class_year", flat=True).distinct().exclude(
        poverty_class_year=None))
    measure("poverty report, whole country (group_by=child)", 500,
            api("/api/v1/reports/poverty/", year=YEAR, group_by="child"),
            sql(POVERTY_SQL, year=YEAR, before=YEAR - 1, prefix="%"), check_poverty)
    measure(f"poverty report, one province ({province.code}, group_by=child)", 20,
            api("/api/v1/reports/poverty/", area=province.code, year=YEAR, group_by="child"),
            sql(POVERTY_SQL, year=YEAR, before=YEAR - 1, prefix=province.path + "%"), check_poverty,
            kept_call=sql(KEPT_POVERTY_SQL, path=province.path, year=YEAR, before=YEAR - 1,
                          prefix=province.path + "%"))

    def check_sustainability(answer, expected):
        assert [(s["years_after"], s["observed"], s["still_out"]) for s in answer["steps"]] == expected, (
            answer["steps"], expected)

    measure(f"sustainability, whole country (exit {EXIT_YEAR})", 500,
            api("/api/v1/reports/sustainability/", exit_year=EXIT_YEAR),
            sql(SUSTAINABILITY_SQL, year=EXIT_YEAR, last=last, prefix="%"), check_sustainability)

    def check_outcomes(answer, expected):
        enrolled, poor, escaped, spent, pool, pool_escaped = expected[0]
        assert (answer["enrolled"], answer["escaped"], answer["spent"]) == (enrolled, escaped, spent)
        assert (answer["comparison"]["households"], answer["comparison"]["escaped"]) == (pool, pool_escaped)

    measure(f"programme outcomes ({programme.code})", 100,
            api(f"/api/v1/reports/programmes/{programme.pk}/outcomes/"),
            sql(OUTCOMES_SQL, programme=programme.pk, kind=programme.kind, prefix=programme.area.path + "%"),
            check_outcomes)

    measure(f"ranking all {Programme.objects.count()} programmes of the country", 500,
            api("/api/v1/reports/programmes/"), None, None)

    def list_sql():
        with connection.cursor() as cursor:
            cursor.execute(LIST_SQL, {"prefix": commune.path + "%"})
            page = cursor.fetchall()
            cursor.execute(MEMBERS_SQL, {"ids": [row[0] for row in page]})
            return [row[1] for row in page]

    def check_list(answer, expected):
        assert [h["code"] for h in answer["results"]] == expected[:50]

    list_ms = median_ms(list_sql)[0]
    measure(f"household list page, one commune ({commune.code})", round(3 * list_ms, 1),
            api("/api/v1/households/", area=commune.code), list_sql, check_list)

    print(f"\n{'':<56}{'povertycase':>12}{'SQL, base tables':>24}{'SQL, kept figures':>22}{'target':>10}")
    for name, api_ms, sql_ms, kept_ms, target in rows:
        base = f"{sql_ms:.1f} ms ({sql_ms / api_ms:.1f}x)" if sql_ms is not None else "—"
        kept = f"{kept_ms:.1f} ms ({kept_ms / api_ms:.1f}x)" if kept_ms is not None else "—"
        print(f"{name:<56}{api_ms:>9.1f} ms{base:>24}{kept:>22}{'< ' + str(target):>7} ms"
              f"  {'ok' if api_ms < target else 'SLOW'}")
    print("(Nx): the SQL's time over povertycase's (above 1: povertycase is faster than that SQL). "
          "The list page's target is 3x its own SQL.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
