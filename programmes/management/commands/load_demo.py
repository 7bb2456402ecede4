"""The demo: a small register on real units, Đà Nẵng (48) and the four communes that were Quế
Sơn district before July 2025, and its story from 2022 to 2026 (programmes.demo). Running it
again changes nothing."""

import random
import uuid
from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction

from households import services
from households.area_loading import areas_load, former_unit_rows, former_units_load, official_area_rows
from households.models import Area, FormerUnit, Household, Member
from povertycase.access import SYSTEM
from povertycase.accounts.models import User
from povertycase.accounts.services import user_create
from programmes.demo import tell_the_story

DEMO_NAMESPACE = uuid.UUID("6f1c1d1e-5d0e-4c55-9d43-2f3b64c0a5d1")
QUE_SON_COMMUNES = {"20641": "Xã Quế Sơn", "20662": "Xã Quế Sơn Trung",
                    "20669": "Xã Quế Phước", "20656": "Xã Nông Sơn"}
VILLAGES_PER_COMMUNE = 4
HOUSEHOLDS_PER_VILLAGE = 6
DEMO_PASSWORD = "quang-nam-2026"
DEMO_USERS = [
    ("demo-admin", User.Role.ADMIN, None),
    ("demo-manager", User.Role.MANAGER, "48"),
    ("demo-officer", User.Role.OFFICER, "20641"),
    ("demo-viewer", User.Role.VIEWER, "20662"),
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = {"male": ["Văn", "Đức", "Minh", "Quốc"], "female": ["Thị", "Ngọc", "Thu", "Kim"]}
GIVEN = {"male": ["Đặng", "Hùng", "Dũng", "Sơn", "Phước", "Tài", "Lộc", "Bình"],
         "female": ["Lan", "Hoa", "Mai", "Hương", "Trang", "Nga", "Thảo", "Linh"]}


def _name(rng, sex, surname=None):
    return f"{surname or rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def _members(rng):
    head_sex = rng.choice(["male", "female"])
    surname = rng.choice(SURNAMES)
    head_year = rng.randint(1955, 1995)
    members = [{"full_name": _name(rng, head_sex, surname), "sex": head_sex,
                "date_of_birth": date(head_year, rng.randint(1, 12), rng.randint(1, 28)),
                "relationship": Member.Relationship.HEAD,
                "has_health_insurance": rng.random() < 0.8,
                "employment": rng.choice(["self_employed", "employed_without_contract", "unemployed"]),
                "education_level": rng.choice(["primary", "lower_secondary", "upper_secondary"])}]
    if rng.random() < 0.85:
        sex = "female" if head_sex == "male" else "male"
        members.append({"full_name": _name(rng, sex), "sex": sex,
                        "date_of_birth": date(head_year + rng.randint(-3, 3), rng.randint(1, 12), rng.randint(1, 28)),
                        "relationship": Member.Relationship.SPOUSE,
                        "has_health_insurance": rng.random() < 0.8,
                        "employment": rng.choice(["self_employed", "not_in_labour_force"])})
    for _ in range(rng.randint(0, 3)):
        sex = rng.choice(["male", "female"])
        members.append({"full_name": _name(rng, sex, surname), "sex": sex,
                        "date_of_birth": date(rng.randint(max(head_year + 18, 2000), 2022), rng.randint(1, 12), rng.randint(1, 28)),
                        "relationship": Member.Relationship.CHILD,
                        "has_health_insurance": rng.random() < 0.9,
                        "employment": "student"})
    return members


class Command(BaseCommand):
    help = "Load the demo register (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        areas_load([r for r in official_area_rows("48")
                    if r["level"] == "province" or r["code"] in QUE_SON_COMMUNES], by=SYSTEM)
        village_rows = [
            {"code": f"{code}{n:02d}", "name": f"Thôn {n}", "level": "village", "parent": code, "residence": ""}
            for code in QUE_SON_COMMUNES for n in range(1, VILLAGES_PER_COMMUNE + 1)
        ]
        areas_load(village_rows, by=SYSTEM)
        # Quế Sơn district's 18 communes of before July 2025 (and the rest of old Quảng Nam):
        # each demo household is given the former commune it was registered in.
        former_units_load(former_unit_rows("48"), by=SYSTEM)
        formers = {code: list(FormerUnit.objects.filter(level="commune", successors__code=code).order_by("code"))
                   for code in QUE_SON_COMMUNES}

        rng = random.Random(2025)
        created = 0
        for row in village_rows:
            village = Area.objects.get(code=row["code"])
            for n in range(1, HOUSEHOLDS_PER_VILLAGE + 1):
                key = f"{village.code}-{n}"
                candidates = formers[village.parent.code]
                former = candidates[(int(village.code[-2:]) * HOUSEHOLDS_PER_VILLAGE + n) % len(candidates)]
                household, was_created = services.household_create(
                    by=SYSTEM,
                    id=uuid.uuid5(DEMO_NAMESPACE, f"household:{key}"),
                    code=f"{village.code}-{n:03d}",
                    area=village,
                    address=f"Tổ {rng.randint(1, 9)}, {village.name}, {QUE_SON_COMMUNES[village.parent.code]}",
                    ethnic_minority=rng.random() < 0.1,
                    merit_family=rng.random() < 0.05,
                    poverty_causes=rng.sample(["lack_of_capital", "lack_of_land", "lack_of_skills",
                                               "illness_or_accident"], k=rng.randint(0, 2)),
                    support_needs=rng.sample(["production", "credit", "health", "housing"], k=rng.randint(0, 2)),
                    members=_members(rng),
                    former_commune=former,
                )
                created += was_created
                if household.former_commune_id is None:  # a demo loaded before former units were
                    services.household_update(household=household, by=SYSTEM, changes={"former_commune": former})

        for username, role, area_code in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                area = Area.objects.get(code=area_code) if area_code else None
                user_create(by=SYSTEM, username=username, password=DEMO_PASSWORD, role=role, area=area)

        # The reviews of 2022-2026 and the projects, written as the province's manager would.
        households = list(Household.objects.filter(area__parent__code__in=QUE_SON_COMMUNES)
                          .select_related("area__parent").order_by("code"))
        story = tell_the_story(households, by=User.objects.get(username="demo-manager"))

        self.stdout.write(f"Demo register ready ({created} households, {story['reviews']} reviews created this time).")
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for username, role, area_code in DEMO_USERS:
            self.stdout.write(f"  {username:<13} {role:<8} area {area_code or 'whole country'}")
