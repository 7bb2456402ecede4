"""Times the review import of a generated file against PostgreSQL's own COPY of the same rows
into a bare table, in the same run, on the same machine.

    .venv/bin/python bench/review_import.py [ROWS]

It works in a database of its own, `povertycase_bench_review_import` on the local PostgreSQL
(BENCH_DATABASE_URL names another), created and migrated if missing; it keeps a register of
ROWS households there (codes `BENCH-…`) between runs and deletes only the reviews of those
households, before and after each run: it never touches data it did not write. The file it
generates goes to bench/data/ (ignored by git).
"""

import csv
import io
import os
import random
import secrets
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertycase.settings")
# Production settings (DEBUG off: no query log growing with the run), with a throwaway key.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/povertycase_bench_review_import")


def main(rows: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the baseline is PostgreSQL's COPY.")
    _ensure_database()
    call_command("migrate", verbosity=0)

    from households.imports import read_table, review_columns, reviews_import
    from povertycase.accounts.models import User

    codes = _ensure_register(rows)
    author, _ = User.objects.get_or_create(username="bench", defaults={"role": "admin"})
    columns = review_columns(2024)
    data = _review_file(codes, columns)
    path = ROOT / "bench" / "data" / f"reviews-{rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)

    _delete_bench_reviews()
    started = time.perf_counter()
    header, table = read_table(data, path.name)
    result = reviews_import(header, table, by=author)
    import_seconds = time.perf_counter() - started
    assert result.created["reviews"] == rows, result

    copy_seconds = _copy_baseline(data, columns)
    _delete_bench_reviews()

    print(f"review import of {rows:,} rows ({path.relative_to(ROOT)}, {len(data) / 2**20:.1f} MiB)")
    print(f"{'':<32}{'seconds':>10}{'rows/s':>12}")
    print(f"{'povertycase reviews_import':<32}{import_seconds:>10.2f}{rows / import_seconds:>12,.0f}")
    print(f"{'PostgreSQL COPY, bare table':<32}{copy_seconds:>10.2f}{rows / copy_seconds:>12,.0f}")
    print(f"ratio import / COPY: {import_seconds / copy_seconds:.1f}x")


def _delete_bench_reviews() -> None:
    """The reviews of the benchmark's own households, and their history: nothing else."""
    from households.models import Review

    ours = Review.objects.filter(household__code__startswith="BENCH-")
    Review.history.filter(household__code__startswith="BENCH-").delete()
    ours.delete()


def _ensure_database() -> None:
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    try:
        connection.ensure_connection()
    except Exception:
        with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                             password=settings["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def _ensure_register(rows: int) -> list[str]:
    """ROWS households in one commune's villages, written in bulk (the benchmark measures the
    review import, not the register's)."""
    from households.models import Area, Household

    province, _ = Area.objects.get_or_create(code="48", defaults={"name": "Đà Nẵng", "level": "province", "path": "48/"})
    commune, _ = Area.objects.get_or_create(
        code="20641", defaults={"name": "Xã Quế Sơn", "level": "commune", "parent": province,
                                "residence": "rural", "path": "48/20641/"})
    have = Household.objects.filter(code__startswith="BENCH-").count()
    if have < rows:
        batch = [
            Household(id=uuid.uuid4(), code=f"BENCH-{n:07d}", area=commune, residence="rural",
                      search_text=f"bench-{n:07d}")
            for n in range(have, rows)
        ]
        Household.objects.bulk_create(batch, batch_size=5000)
    return [f"BENCH-{n:07d}" for n in range(rows)]


def _review_file(codes: list[str], columns: list[str]) -> bytes:
    rng = random.Random(2024)
    indicators = columns[5:]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for code in codes:
        deprived = set(rng.sample(indicators, k=rng.choice([0, 0, 1, 2, 3, 4])))
        writer.writerow([code, 2024, "periodic", f"2024-{rng.randint(9, 12):02d}-{rng.randint(1, 14):02d}",
                         rng.randrange(600_000, 4_000_000, 10_000), *(int(i in deprived) for i in indicators)])
    return out.getvalue().encode("utf-8")


def _copy_baseline(data: bytes, columns: list[str]) -> float:
    """The same rows into an unindexed, unconstrained table: the floor for loading them."""
    from django.db import connection

    definition = ", ".join(f'"{c}" text' for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(f"CREATE TEMPORARY TABLE bench_review_copy ({definition})")
        started = time.perf_counter()
        with raw.copy("COPY bench_review_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(data)
        seconds = time.perf_counter() - started
        raw.execute("DROP TABLE bench_review_copy")
    return seconds


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
