"""A synthetic country for benchmarks and demos: provinces, communes, villages, households with
members, four years of approved reviews whose classes move as real ones do (most stay, some
escape, a few relapse), programmes, enrolments, deliveries and follow-ups.

Rows are written in batches with PostgreSQL COPY (bulk_create on SQLite), without history
entries (nobody changed them), and the report figures are rebuilt at the end. Codes start with
`S` so they never collide with official units."""

import random
import uuid
from datetime import date, datetime
from datetime import timezone as dt_timezone

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from households import tallies
from households.models import Area, Household, Member, PovertyClass, PovertyStandard, Review
from households.poverty import transitions_for
from households.search import fold
from povertycase.bulk import insert_rows
from programmes.models import Delivery, Enrollment, FollowUp, FollowUpDue, Programme

YEARS = (2022, 2023, 2024, 2025)
HOUSEHOLDS_PER_COMMUNE = 300
VILLAGES_PER_COMMUNE = 5
BATCH = 20_000
POOR, NEAR, AVERAGE, NON = (PovertyClass.POOR, PovertyClass.NEAR_POOR, PovertyClass.AVERAGE_LIVING,
                            PovertyClass.NON_POOR)
START = {POOR: 0.07, NEAR: 0.06, AVERAGE: 0.2, NON: 0.67}
# Year-to-year moves: most households stay; the poor escape mostly to near-poor; few relapse.
MOVES = {
    POOR: {POOR: 0.68, NEAR: 0.2, AVERAGE: 0.09, NON: 0.03},
    NEAR: {POOR: 0.08, NEAR: 0.58, AVERAGE: 0.26, NON: 0.08},
    AVERAGE: {POOR: 0.02, NEAR: 0.05, AVERAGE: 0.6, NON: 0.33},
    NON: {POOR: 0.004, NEAR: 0.011, AVERAGE: 0.05, NON: 0.935},
}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
GIVEN = ["Văn An", "Thị Lan", "Văn Hùng", "Thị Hoa", "Đức Minh", "Thị Mai", "Quốc Bảo", "Ngọc Hà", "Văn Sơn",
         "Thị Thu", "Minh Tuấn", "Thu Trang"]


def _pick(rng, weights: dict):
    roll, total = rng.random(), 0.0
    for value, weight in weights.items():
        total += weight
        if roll < total:
            return value
    return value


class Command(BaseCommand):
    help = "Generate a synthetic country of N households (with reviews, programmes and case work)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, households, seed, **options):
        if households < 1:
            raise CommandError("--households must be at least 1.")
        if Area.objects.filter(code__startswith="S").exists():
            raise CommandError("A synthetic country is already loaded (areas whose code starts with S).")
        self.rng = random.Random(seed)
        self.now = datetime.now(dt_timezone.utc)
        self.standard = PovertyStandard.objects.get(code="VN-2022-2025")
        self.batches = {model: [] for model in (Household, Member, Review, Enrollment, Delivery, FollowUp,
                                                 FollowUpDue)}
        self.indicators = list(self.standard.indicators.values_list("code", flat=True))
        with transaction.atomic():
            communes = self._areas(households)
            self.programmes = self._programmes(communes)
            progress = tqdm(total=households, unit="household", disable=options["verbosity"] == 0)
            made = 0
            for index, commune in enumerate(communes):
                count = households // len(communes) + (1 if index < households % len(communes) else 0)
                self._commune(commune, count)
                made += count
                progress.update(count)
            self._flush(force=True)
            progress.close()
            if connection.vendor == "postgresql":
                # Fresh statistics, or the planner takes millions of rows for a few hundred.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write("Rebuilding the report figures…")
            tallies.rebuild()
        self.stdout.write(self.style.SUCCESS(
            f"{made:,} households in {len(communes):,} communes, {len(self.programmes):,} programmes."))

    # Areas and programmes ----------------------------------------------------------------------

    def _areas(self, households: int) -> list:
        commune_count = max(1, round(households / HOUSEHOLDS_PER_COMMUNE))
        province_count = min(34, max(1, commune_count // 10))
        provinces = Area.objects.bulk_create([
            Area(code=f"S{p:02d}", name=f"Tỉnh Mẫu {p}", level="province", residence="", path=f"S{p:02d}/")
            for p in range(1, province_count + 1)])
        communes = Area.objects.bulk_create([
            Area(code=f"S{c:05d}", name=f"Xã Mẫu {c}", level="commune", parent=provinces[c % province_count],
                 residence="urban" if c % 7 == 0 else "rural", path=f"{provinces[c % province_count].path}S{c:05d}/")
            for c in range(1, commune_count + 1)])
        villages = Area.objects.bulk_create([
            Area(code=f"{commune.code}{v}", name=f"Thôn {v}", level="village", parent=commune,
                 residence=commune.residence,
                 path=f"{commune.path}{commune.code}{v}/")
            for commune in communes for v in range(1, VILLAGES_PER_COMMUNE + 1)])
        self.villages = {}
        for village in villages:
            self.villages.setdefault(village.parent_id, []).append(village)
        return communes

    def _programmes(self, communes) -> dict:
        provinces = {c.parent_id: c.parent for c in communes}
        made = {}
        for province in provinces.values():
            for kind, suffix in (("livelihood", "SX"), ("vocational_training", "NGHE")):
                made[(province.pk, kind)] = Programme.objects.create(
                    code=f"{province.code}-{suffix}", name=f"{suffix} {province.name}", kind=kind, area=province,
                    starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), budget=10**13, funding_source="central",
                    targets=["employment", "water"] if kind == "livelihood" else ["employment", "adult_education"],
                    eligible_classes=["poor", "near_poor"], status="open",
                    **({"min_age": 16, "max_age": 60, "occupation": "Hàn", "provider": "Trường nghề"}
                       if kind == "vocational_training" else {}))
        return made

    # Households --------------------------------------------------------------------------------

    def _commune(self, commune, count: int):
        rng = self.rng
        villages = self.villages[commune.pk]
        ethnic_share = 0.6 if commune.pk % 5 == 0 else 0.08
        for n in range(count):
            household_id = uuid.uuid4()
            village = villages[n % len(villages)]
            code = f"{commune.code}-{n + 1:05d}"
            surname = rng.choice(SURNAMES)
            head = {"id": uuid.uuid4(), "full_name": f"{surname} {rng.choice(GIVEN)}",
                    "date_of_birth": date(rng.randint(1950, 1998), rng.randint(1, 12), rng.randint(1, 28))}
            members = [head] + [
                {"id": uuid.uuid4(), "full_name": f"{surname} {rng.choice(GIVEN)}",
                 "date_of_birth": date(rng.randint(1950, 2020), rng.randint(1, 12), rng.randint(1, 28))}
                for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4)))]
            classes = [_pick(rng, START)]
            for _year in YEARS[1:]:
                classes.append(_pick(rng, MOVES[classes[-1]]))
            archived_on = date(rng.choice(YEARS[1:]), 6, 30) if rng.random() < 0.02 else None
            kept = [c for year, c in zip(YEARS, classes) if archived_on is None or year < archived_on.year]
            self._household(household_id, code, village, commune.residence, rng.random() < ethnic_share,
                            members, archived_on, kept)
            reviews = self._reviews(household_id, commune.residence, kept)
            if len(kept) >= 3 and kept[1] == POOR and rng.random() < 0.15:
                self._enrol(commune, household_id, head, reviews[1], kept)
        self._flush()

    def _household(self, household_id, code, village, residence, ethnic_minority, members, archived_on, classes):
        stamp = self.now
        self.batches[Household].append({
            "id": household_id, "code": code, "area_id": village.pk, "address": "", "residence": residence,
            "ethnic_minority": ethnic_minority, "merit_family": False, "no_working_capacity": False,
            "poverty_causes": [], "support_needs": [], "status": "archived" if archived_on else "active",
            "archive_reason": "moved" if archived_on else "", "archive_note": "", "archived_on": archived_on,
            "poverty_class": classes[-1], "poverty_class_year": YEARS[len(classes) - 1],
            "search_text": " | ".join([fold(code), *(fold(m["full_name"]) for m in members)]),
            "version": 1, "created_at": stamp, "updated_at": stamp})
        for index, member in enumerate(members):
            self.batches[Member].append({
                "id": member["id"], "household_id": household_id, "full_name": member["full_name"],
                "sex": "male" if index % 2 == 0 else "female", "date_of_birth": member["date_of_birth"],
                "national_id": None, "relationship": "head" if index == 0 else "child", "ethnicity": "",
                "has_health_insurance": True, "disability": False, "education_level": "", "employment": "",
                "status": "active", "archive_reason": "", "version": 1, "created_at": stamp, "updated_at": stamp})

    def _reviews(self, household_id, residence, classes) -> list[dict]:
        rng, standard = self.rng, self.standard
        line, ceiling = standard.line_for(residence), standard.ceiling_for(residence)
        made = []
        for year, poverty_class, transition in zip(YEARS, classes, transitions_for(classes)):
            if poverty_class == POOR:
                income, deprived = rng.randint(line // 2, line), rng.sample(self.indicators, rng.randint(3, 6))
            elif poverty_class == NEAR:
                income, deprived = rng.randint(line // 2, line), rng.sample(self.indicators, rng.randint(0, 2))
            elif poverty_class == AVERAGE:
                income, deprived = rng.randint(line + 1, ceiling), rng.sample(self.indicators, rng.randint(0, 3))
            else:
                income, deprived = rng.randint(ceiling + 1, ceiling * 4), rng.sample(self.indicators, rng.randint(0, 1))
            review = {
                "id": uuid.uuid4(), "household_id": household_id, "year": year, "kind": "periodic",
                "reviewed_on": date(year, 10, 15), "income_per_capita": income, "deprivations": sorted(deprived),
                "standard_id": standard.pk, "residence": residence, "deprivation_count": len(deprived),
                "poverty_class": poverty_class, "explanation": "Synthetic review.", "status": "approved",
                "transition": transition, "corrects_id": None, "decision_number": f"{year}/QĐ-UBND",
                "decision_date": date(year, 12, 10), "approved_at": self.now, "approved_by_id": None, "version": 1,
                "created_at": self.now, "updated_at": self.now}
            made.append(review)
        self.batches[Review].extend(made)
        return made

    def _enrol(self, commune, household_id, head, baseline: dict, classes):
        rng = self.rng
        training = rng.random() < 0.3
        programme = self.programmes[(commune.parent_id, "vocational_training" if training else "livelihood")]
        completed = rng.random() < 0.8
        enrollment_id = uuid.uuid4()
        self.batches[Enrollment].append({
            "id": enrollment_id, "programme_id": programme.pk, "household_id": household_id,
            "member_id": head["id"] if training else None, "enrolled_on": date(2024, 2, 1),
            "status": "completed" if completed else "active",
            "status_changed_on": date(2024, 12, 15) if completed else date(2024, 2, 1), "status_reason": "",
            "assigned_to_id": None, "baseline_review_id": baseline["id"], "baseline_year": baseline["year"],
            "baseline_class": baseline["poverty_class"], "baseline_income": baseline["income_per_capita"],
            "baseline_deprivations": baseline["deprivations"], "version": 1, "created_at": self.now,
            "updated_at": self.now})
        for on in (date(2024, 3, 1), date(2024, 6, 1)):
            self.batches[Delivery].append({
                "id": uuid.uuid4(), "enrollment_id": enrollment_id, "programme_id": programme.pk,
                "kind": "training" if training else "in_kind", "description": "Hỗ trợ", "quantity": None,
                "funding_source": programme.funding_source,
                "unit": "", "value": rng.randint(2, 8) * 1_000_000, "delivered_on": on, "recorded_by_id": None,
                "cancelled_at": None, "cancelled_by_id": None, "cancel_reason": "", "version": 1,
                "created_at": self.now})
        if completed:
            working = rng.random() < (0.7 if classes[-1] != POOR else 0.4)
            follow_up_id, observed_on = uuid.uuid4(), date(2025, 6, 20)
            # What the enrolment owes after completing, met as the service meets it: by the first
            # follow-up observed from two weeks before the due date (the 12-month visit of a
            # livelihood project stays open, overdue).
            completed_on = date(2024, 12, 15)
            for months in ((1, 6) if training else (6, 12)):
                due_on = completed_on + relativedelta(months=months)
                self.batches[FollowUpDue].append({
                    "enrollment_id": enrollment_id, "months": months, "due_on": due_on,
                    "met_by_id": follow_up_id if observed_on >= due_on - FollowUpDue.GRACE else None})
            self.batches[FollowUp].append({
                "id": follow_up_id, "enrollment_id": enrollment_id, "observed_on": observed_on,
                "income_per_capita": rng.randint(800_000, 3_000_000),
                "employment": "wage" if working else "unemployed",
                "monthly_earnings": rng.randint(3, 9) * 1_000_000 if working else None,
                "certificate": (rng.random() < 0.85) if training else None, "notes": "", "recorded_by_id": None,
                "version": 1, "created_at": self.now, "updated_at": self.now})

    def _flush(self, force: bool = False):
        if not force and len(self.batches[Household]) < BATCH:
            return
        for model, rows in self.batches.items():
            insert_rows(model, rows)
            rows.clear()
