"""The demo's story, after the seed: the four communes of former Quế Sơn district reviewed every
year from 2022 to 2026; an enterprise-linked seed-rice project (about 700 ha, the seed company
buying the harvest) that raises its households' income by a quarter to a third; a peanut and
sesame project that is behind its plan; vocational training for rural workers with
certificates and jobs six months on; deliveries month by month; follow-ups, some overdue; case
notes. Everything is written through the services, as a commune would, and only once: running it
again changes nothing."""

import random
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from households.models import Area, Household, Member, Review
from households.services import review_record, reviews_approve_in_area
from povertycase.accounts.models import User
from programmes.models import CaseNote, Delivery, Enrollment, FollowUp, Programme
from programmes.services import (
    case_note_create,
    delivery_record,
    enrollment_create,
    enrollment_transition,
    follow_up_record,
    programme_create,
    programme_update,
)

YEARS = range(2022, 2027)
LINE = 1_500_000  # rural poverty line of Decree 07/2021 (all four communes are rural)
INDICATORS = ["employment", "dependants", "nutrition", "health_insurance", "adult_education", "child_schooling",
              "housing_quality", "housing_area", "water", "latrine", "telecom", "info_devices"]
SEED_RICE, PEANUT, TRAINING = "QS-LUA-GIONG", "QS-LAC-VUNG", "DN-NGHE-NONG-THON"


@dataclass
class Path:
    """One household's figures, year by year, before they are recorded as reviews."""

    income: dict = field(default_factory=dict)
    deprivations: dict = field(default_factory=dict)


def _start(rng) -> tuple[int, list]:
    roll = rng.random()
    if roll < 0.3:  # poor: under the line, three or more deprivations
        return rng.randint(750_000, 1_400_000), rng.sample(INDICATORS, rng.randint(3, 5))
    if roll < 0.5:  # near-poor
        return rng.randint(900_000, 1_450_000), rng.sample(INDICATORS, rng.randint(0, 2))
    return rng.randint(1_600_000, 4_000_000), rng.sample(INDICATORS, rng.randint(0, 2))


def _paths(households: list[Household], rng) -> tuple[dict, dict]:
    """(household → its path; programme code → the households it enrols). The projects' effect
    is in the figures: the seed-rice households earn 25-35 % more from the year after they join,
    the peanut households 15-20 %, the trainees' households 10-15 %."""
    paths, joined = {}, {SEED_RICE: [], PEANUT: [], TRAINING: []}
    for household in households:
        path = paths[household.pk] = Path()
        income, deprived = _start(rng)
        commune = household.area.parent.code
        for year in YEARS:
            if year > YEARS[0]:
                income = int(income * rng.uniform(0.93, 1.10))
                if rng.random() < 0.05:  # illness, a lost harvest: a relapse or a new poor household
                    income, deprived = int(income * 0.55), sorted(set(deprived) | set(rng.sample(INDICATORS, 2)))
                elif deprived and rng.random() < 0.3:  # a latrine built, a child back at school
                    deprived = deprived[1:]
            poor_or_near = income <= LINE
            if year == 2022 and poor_or_near and commune in ("20641", "20669"):
                joined[SEED_RICE].append(household)
            if year == 2023 and poor_or_near and commune == "20662":
                joined[PEANUT].append(household)
            if year == 2024 and poor_or_near and len(joined[TRAINING]) < 10 and household not in joined[SEED_RICE]:
                joined[TRAINING].append(household)
            if year in (2023, 2024) and household in joined[SEED_RICE]:
                income = int(income * rng.uniform(1.12, 1.16))  # two seasons: +25-35 % in all
            if year == 2025 and household in joined[PEANUT]:
                income = int(income * rng.uniform(1.15, 1.20))
            if year == 2026 and household in joined[TRAINING]:
                income = int(income * rng.uniform(1.10, 1.15))
            path.income[year], path.deprivations[year] = income, sorted(deprived)
    return paths, joined


def _reviews(households, paths, by, today: date) -> int:
    """One periodic review a household a year, approved by each commune's recognition decision."""
    recorded = set(Review.objects.filter(household__in=households).values_list("household_id", "year"))
    made = 0
    for year in YEARS:
        reviewed_on = min(date(year, 10, 15), today)
        if reviewed_on.year != year:
            continue
        for household in households:
            if (household.pk, year) not in recorded:
                review_record(by=by, household=household, year=year, kind=Review.Kind.PERIODIC,
                              reviewed_on=reviewed_on, income_per_capita=paths[household.pk].income[year],
                              deprivations=paths[household.pk].deprivations[year])
                made += 1
        for commune in Area.objects.filter(code__in={h.area.parent.code for h in households}):
            reviews_approve_in_area(by=by, reviews=Review.objects.visible_to(by), area=commune, year=year,
                                    decision_number=f"{150 + year % 100}/QĐ-UBND",
                                    decision_date=min(date(year, 12, 10), today))
    return made


def _plans(joined: dict) -> dict:
    """What each project planned to disburse, by quarter, as the province approved it. The
    seed-rice project keeps to its plan; the peanut project's seed and fertiliser come later
    and smaller than planned, so it is behind."""
    rice, peanut, training = (len(joined[code]) for code in (SEED_RICE, PEANUT, TRAINING))
    return {
        SEED_RICE: [{"period": f"{year}-Q{quarter}", "funding_source": source, "amount": amount * rice}
                    for year in (2023, 2024, 2025) for quarter, per_household in ((1, 3_900_000), (3, 3_900_000))
                    for source, amount in (("enterprise", per_household - 1_000_000), ("local", 1_000_000))],
        PEANUT: [{"period": f"{year}-Q{quarter}", "funding_source": "local", "amount": 3_500_000 * peanut}
                 for year in (2024, 2025, 2026) for quarter in (1, 3)],
        TRAINING: [{"period": "2025-Q1", "funding_source": "central", "amount": 6_000_000 * max(training, 1)}],
    }


def _programmes(by, plans: dict) -> dict:
    province = Area.objects.get(code="48")
    que_son_trung = Area.objects.get(code="20662")
    wanted = {
        SEED_RICE: dict(
            name="Sản xuất lúa giống liên kết với doanh nghiệp (khoảng 700 ha)", kind=Programme.Kind.LIVELIHOOD,
            area=province, starts_on=date(2023, 1, 1), ends_on=date(2025, 12, 31), budget=2_400_000_000,
            funding_source=Programme.FundingSource.ENTERPRISE,
            partner="Công ty giống cây trồng (bao tiêu sản phẩm)", eligible_classes=["poor", "near_poor"],
            targets=["employment", "nutrition"], status=Programme.Status.OPEN),
        PEANUT: dict(
            name="Trồng lạc và vừng luân canh", kind=Programme.Kind.PRODUCTION, area=que_son_trung,
            starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), budget=600_000_000,
            funding_source=Programme.FundingSource.LOCAL, eligible_classes=["poor", "near_poor"],
            targets=["nutrition", "employment"], status=Programme.Status.OPEN),
        TRAINING: dict(
            name="Đào tạo nghề sửa chữa máy nông nghiệp cho lao động nông thôn",
            kind=Programme.Kind.VOCATIONAL_TRAINING, area=province, starts_on=date(2025, 1, 1),
            ends_on=date(2026, 12, 31), budget=300_000_000, funding_source=Programme.FundingSource.CENTRAL,
            provider="Trường Trung cấp nghề (khu vực Quế Sơn)", occupation="Sửa chữa máy nông nghiệp",
            hours=300, min_age=18, max_age=45, eligible_classes=["poor", "near_poor"],
            targets=["employment", "adult_education"], status=Programme.Status.OPEN),
    }
    found = {p.code: p for p in Programme.objects.filter(code__in=wanted)}
    for code, data in wanted.items():
        if code not in found:
            found[code] = programme_create(by=by, code=code, plan_period="quarter", plan=plans[code], **data)
        elif not found[code].plan.exists():  # a demo loaded before plans were
            found[code] = programme_update(programme=found[code], by=by,
                                           changes={"plan_period": "quarter", "plan": plans[code]})
    return found


def _months(first: date, last: date):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month += relativedelta(months=1)


def _enrol_and_deliver(programmes: dict, joined: dict, by, rng, today: date) -> None:
    """Enrolments, deliveries month by month, completion, follow-ups (some overdue) and notes."""
    rice, peanut, training = programmes[SEED_RICE], programmes[PEANUT], programmes[TRAINING]
    # Each commune's officer follows up its households (their visits fill "Việc cần làm").
    officers = {user.area_id: user for user in User.objects.filter(role=User.Role.OFFICER, area__isnull=False)
                .order_by("-username")}
    if not rice.enrollments.exists():
        for household in joined[SEED_RICE]:
            enrolment = enrollment_create(by=by, programme=rice, household=household, enrolled_on=date(2023, 1, 20),
                                          assigned_to=officers.get(household.area.parent_id))
            enrollment_transition(by=by, enrollment=enrolment, status=Enrollment.Status.ACTIVE, on=date(2023, 2, 1))
            for month in _months(date(2023, 2, 1), date(2025, 11, 1)):
                if month.month in (2, 7):  # the winter-spring and summer-autumn crops
                    delivery_record(by=by, enrollment=enrolment, kind=Delivery.Kind.IN_KIND,
                                    description="Lúa giống xác nhận", quantity=60, unit="kg",
                                    value=1_800_000, delivered_on=month.replace(day=5))
                if month.month in (3, 8):
                    delivery_record(by=by, enrollment=enrolment, kind=Delivery.Kind.IN_KIND,
                                    description="Phân bón NPK", quantity=150, unit="kg",
                                    value=2_100_000, delivered_on=month.replace(day=12))
            enrollment_transition(by=by, enrollment=enrolment, status=Enrollment.Status.COMPLETED,
                                  on=date(2025, 12, 20))
        # The 6-month visits of June 2026: most recorded, some overdue.
        for enrolment in rice.enrollments.order_by("household__code")[4:]:
            baseline = enrolment.baseline_income
            follow_up_record(by=by, enrollment=enrolment, observed_on=date(2026, 6, 25),
                             income_per_capita=int(baseline * rng.uniform(1.25, 1.35)),
                             notes="Hộ tiếp tục sản xuất lúa giống với doanh nghiệp; thu nhập ổn định.")
    if not peanut.enrollments.exists():
        for household in joined[PEANUT]:
            enrolment = enrollment_create(by=by, programme=peanut, household=household, enrolled_on=date(2024, 1, 15),
                                          assigned_to=officers.get(household.area.parent_id))
            enrollment_transition(by=by, enrollment=enrolment, status=Enrollment.Status.ACTIVE, on=date(2024, 2, 1))
            # Seed and fertiliser came late: this project is behind its plan.
            for month in _months(date(2024, 3, 1), min(today, date(2026, 10, 1))):
                if month.month in (3, 9):
                    delivery_record(by=by, enrollment=enrolment, kind=Delivery.Kind.IN_KIND,
                                    description="Giống lạc, vừng và phân bón", value=2_500_000,
                                    delivered_on=month.replace(day=20))
    if not training.enrollments.exists():
        for household in joined[TRAINING]:
            adults = [m for m in household.members.filter(status=Member.Status.ACTIVE).order_by("date_of_birth")
                      if 18 <= relativedelta(date(2025, 3, 1), m.date_of_birth).years <= 45]
            if not adults:
                continue
            member = adults[-1]  # the youngest adult
            enrolment = enrollment_create(by=by, programme=training, household=household, member=member,
                                          enrolled_on=date(2025, 3, 1), assigned_to=officers.get(household.area.parent_id))
            enrollment_transition(by=by, enrollment=enrolment, status=Enrollment.Status.ACTIVE, on=date(2025, 3, 10))
            delivery_record(by=by, enrollment=enrolment, kind=Delivery.Kind.TRAINING,
                            description="Học phí và tài liệu khóa sửa chữa máy nông nghiệp",
                            value=6_000_000, delivered_on=date(2025, 3, 10))
            enrollment_transition(by=by, enrollment=enrolment, status=Enrollment.Status.COMPLETED,
                                  on=date(2025, 9, 30))
        for index, enrolment in enumerate(training.enrollments.order_by("household__code")):
            follow_up_record(by=by, enrollment=enrolment, observed_on=date(2025, 10, 28), certificate=index != 3,
                             employment=FollowUp.Employment.UNEMPLOYED if index % 3 == 2
                             else FollowUp.Employment.WAGE)
            if index < len(joined[TRAINING]) - 2:  # two 6-month visits not yet made: overdue
                working = index % 4 != 1
                follow_up_record(by=by, enrollment=enrolment, observed_on=date(2026, 3, 30),
                                 employment=FollowUp.Employment.WAGE if working else FollowUp.Employment.UNEMPLOYED,
                                 monthly_earnings=rng.randint(5, 8) * 1_000_000 if working else None)
    if not CaseNote.objects.filter(household__in=[e.household for e in rice.enrollments.all()]).exists():
        for enrolment in rice.enrollments.order_by("household__code")[:6]:
            case_note_create(by=by, household=enrolment.household, enrollment=enrolment, visited_on=date(2026, 9, 12),
                             text="Thăm hộ: đã thu hoạch vụ hè thu, doanh nghiệp thu mua đúng hợp đồng. Hộ cần "
                                  "thêm vốn mua máy gặt nhỏ; đã hướng dẫn vay vốn Ngân hàng Chính sách xã hội.")


def tell_the_story(households: list[Household], *, by) -> dict:
    """Writes what is missing of the story; returns what it wrote."""
    today = timezone.localdate()
    rng = random.Random(2026)
    paths, joined = _paths(households, rng)
    reviews = _reviews(households, paths, by, today)
    programmes = _programmes(by, _plans(joined))
    _enrol_and_deliver(programmes, joined, by, rng, today)
    return {"reviews": reviews, "programmes": len(programmes)}
