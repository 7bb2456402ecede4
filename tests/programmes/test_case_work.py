"""Support delivered, what became of it, and whom to visit: through the HTTP API."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from programmes.models import Delivery, Enrollment, Programme
from programmes.services import enrollment_create
from tests.concurrency import at_once
from tests.factories import HouseholdFactory, UserFactory, member_data
from tests.programmes.helpers import approve, enrol

DELIVERIES = "/api/v1/deliveries/"
FOLLOW_UPS = "/api/v1/follow-ups/"
DUE = "/api/v1/follow-ups/due/"
NOTES = "/api/v1/case-notes/"


def programme_body(**overrides):
    body = {"code": "QS-LUA", "name": "Lúa giống thương phẩm", "kind": "livelihood", "area": "20641",
            "starts_on": "2025-01-01", "budget": 10_000_000, "funding_source": "enterprise",
            "partner": "Công ty Giống cây trồng Quảng Nam", "eligible_classes": ["poor"],
            "targets": ["water", "latrine"], "status": "open"}
    body.update(overrides)
    return body


def deliver(client, enrolment, value, on="2025-03-10", **extra):
    body = {"enrollment": enrolment["id"], "kind": "in_kind", "description": "Lúa giống", "quantity": 40,
            "unit": "kg", "value": value, "delivered_on": on, **extra}
    return client.post(DELIVERIES, body, format="json")


def move(client, enrolment, status, on, reason=""):
    response = client.post(f"/api/v1/enrollments/{enrolment['id']}/transition/",
                           {"status": status, "on": str(on), "reason": reason}, format="json")
    assert response.status_code == 200, response.data
    return response.data


@pytest.fixture
def programme(manager):
    response = manager.post("/api/v1/programmes/", programme_body(), format="json")
    assert response.status_code == 201, response.data
    return response.data


@pytest.fixture
def enrolment(officer, programme, household):
    approve(household)
    response = enrol(officer, programme, household)
    assert response.status_code == 201, response.data
    return response.data


@pytest.mark.django_db
def test_the_whole_path(manager, officer, areas):
    """Create a programme, enrol an eligible household and refuse an ineligible one, deliver
    within the budget, complete, and follow up when it is due."""
    today = timezone.localdate()
    programme = manager.post("/api/v1/programmes/", programme_body(), format="json").data
    poor = HouseholdFactory(area=areas["2064101"], members=[member_data()])
    near_poor = HouseholdFactory(area=areas["20641"], members=[member_data()])
    approve(poor)
    approve(near_poor, deprivations=("water",))

    refused = enrol(officer, programme, near_poor)
    assert refused.status_code == 400
    assert "The household is near-poor (review of 2024); the programme takes poor." in str(refused.data["household"])
    enrolment = enrol(officer, programme, poor).data
    assert enrolment["baseline_class"] == "poor"

    assert deliver(officer, enrolment, 6_000_000).status_code == 201
    assert deliver(officer, enrolment, 3_000_000, on="2025-04-02", kind="cash", quantity=None,
                   unit="").status_code == 201
    over = deliver(officer, enrolment, 2_000_000, on="2025-04-20")
    assert over.status_code == 409
    assert "10,000,000 VND, 9,000,000 VND already spent, 1,000,000 VND left" in over.data["detail"]
    assert Delivery.objects.count() == 2
    assert deliver(officer, enrolment, 1_000_000, on="2025-04-20").status_code == 201

    disbursement = manager.get(f"/api/v1/programmes/{programme['id']}/disbursement/").data
    assert (disbursement["budget"], disbursement["spent"], disbursement["remaining"], disbursement["share"]) == (
        10_000_000, 10_000_000, 0, 100.0)
    # Every month from the start to this month (the programme has no end), empty ones as zeros.
    assert [(p["period"], p["spent"], p["cumulative"], p["share"]) for p in disbursement["periods"][:5]] == [
        ("2025-01", 0, 0, 0.0), ("2025-02", 0, 0, 0.0), ("2025-03", 6_000_000, 6_000_000, 60.0),
        ("2025-04", 4_000_000, 10_000_000, 100.0), ("2025-05", 0, 10_000_000, 100.0)]
    assert disbursement["periods"][-1]["period"] == f"{today:%Y-%m}"

    completed_on = today - timedelta(days=200)
    move(officer, enrolment, "active", "2025-03-02")
    move(officer, enrolment, "completed", completed_on)

    due = officer.get(DUE).data["results"]
    assert [(d["months"], d["due_on"], d["overdue"], d["household_code"], d["assigned_to"]) for d in due] == [
        (6, str(completed_on + relativedelta(months=6)), True, poor.code, "officer")]
    later = officer.get(DUE, {"before": str(completed_on + relativedelta(months=12))}).data["results"]
    assert [d["months"] for d in later] == [6, 12]

    follow_up = officer.post(FOLLOW_UPS, {"enrollment": enrolment["id"], "observed_on": str(today),
                                          "income_per_capita": 2_100_000, "employment": "self_employed",
                                          "monthly_earnings": 4_000_000, "notes": "Bán lúa giống cho công ty."},
                             format="json")
    assert follow_up.status_code == 201, follow_up.data
    assert follow_up.data["recorded_by"] == "officer"
    assert officer.get(DUE).data["results"] == []
    later = officer.get(DUE, {"before": str(completed_on + relativedelta(months=12))}).data["results"]
    assert [d["months"] for d in later] == [12]


@pytest.mark.django_db
class TestDeliveries:
    @pytest.mark.parametrize(("change", "field", "message"), [
        ({"delivered_on": "2025-02-28"}, "delivered_on", "enrolment began on 2025-03-01"),
        ({"delivered_on": "2999-01-01"}, "delivered_on", "future"),
        ({"unit": ""}, "unit", "counted in"),
        ({"quantity": None}, "quantity", "unit needs a quantity"),
        ({"quantity": "40"}, "quantity", "Expected a number"),
        ({"value": -1}, "value", "greater than or equal to 0"),
        ({"value": 1.5}, "value", "whole number"),
        ({"kind": "gift"}, "kind", "not a valid choice"),
        ({"description": " "}, "description", "may not be blank"),
    ])
    def test_bad_deliveries_are_refused_by_field(self, officer, enrolment, change, field, message):
        response = deliver(officer, enrolment, **{"value": 1_000, **change})
        assert response.status_code == 400
        assert message in str(response.data[field]), response.data
        assert not Delivery.objects.exists()

    def test_after_the_enrolment_ended(self, officer, enrolment):
        move(officer, enrolment, "dropped_out", "2025-05-01", reason="Chuyển đi")
        assert deliver(officer, enrolment, 1_000, on="2025-04-30").status_code == 201
        late = deliver(officer, enrolment, 1_000, on="2025-05-02")
        assert late.status_code == 400 and "dropped out since 2025-05-01" in str(late.data["delivered_on"])

    def test_cancelling_gives_the_budget_back(self, officer, enrolment, programme):
        first = deliver(officer, enrolment, 10_000_000).data
        assert deliver(officer, enrolment, 1).status_code == 409
        url = f"{DELIVERIES}{first['id']}/cancel/"
        assert officer.post(url, {"reason": ""}, format="json").status_code == 400
        assert officer.post(url, {"reason": "Ghi nhầm"}, format="json", HTTP_IF_MATCH='"9"').status_code == 412
        cancelled = officer.post(url, {"reason": "Ghi nhầm"}, format="json")
        assert cancelled.status_code == 200
        assert (cancelled.data["cancelled_by"], cancelled.data["cancel_reason"]) == ("officer", "Ghi nhầm")
        assert officer.post(url, {"reason": "Ghi nhầm"}, format="json").status_code == 409
        assert deliver(officer, enrolment, 10_000_000).status_code == 201
        assert officer.get(DELIVERIES, {"cancelled": "true"}).data["results"][0]["id"] == first["id"]
        assert len(officer.get(DELIVERIES, {"cancelled": "false"}).data["results"]) == 1

    def test_budget_cannot_fall_below_what_was_spent(self, manager, officer, enrolment, programme):
        deliver(officer, enrolment, 4_000_000)
        url = f"/api/v1/programmes/{programme['id']}/"
        response = manager.patch(url, {"budget": 3_999_999}, format="json")
        assert response.status_code == 400 and "4,000,000 VND has already been delivered" in str(response.data["budget"])
        assert manager.patch(url, {"budget": 4_000_000}, format="json").status_code == 200

    def test_scope_and_roles(self, officer, users, client_for, enrolment):
        delivery = deliver(officer, enrolment, 1_000).data
        hanoi = client_for(users["hanoi"])
        assert hanoi.get(f"{DELIVERIES}{delivery['id']}/").status_code == 404
        assert hanoi.get(DELIVERIES).data["results"] == []
        refused = deliver(hanoi, enrolment, 1_000)
        assert refused.status_code == 400 and "No such record in your area" in str(refused.data["enrollment"])
        assert deliver(client_for(users["viewer"]), enrolment, 1_000).status_code == 403
        assert Delivery.objects.count() == 1

    def test_disbursement_by_quarter_and_in_part(self, manager, officer, users, client_for, areas, programme):
        province = manager.post("/api/v1/programmes/", programme_body(code="DN-LUA", area="48"), format="json").data
        here = HouseholdFactory(area=areas["20641"], members=[member_data()])
        there = HouseholdFactory(area=areas["20662"], members=[member_data()])
        for household in (here, there):
            approve(household)
        mine, theirs = (enrol(manager, province, h).data for h in (here, there))
        deliver(manager, mine, 1_000_000, on="2025-03-31")
        deliver(manager, mine, 2_000_000, on="2025-04-01")
        deliver(manager, theirs, 500_000, on="2025-05-15")
        url = f"/api/v1/programmes/{province['id']}/disbursement/"
        quarters = manager.get(url, {"period": "quarter"}).data
        assert [(p["period"], p["starts_on"], p["spent"], p["cumulative"]) for p in quarters["periods"][:3]] == [
            ("2025-Q1", "2025-01-01", 1_000_000, 1_000_000), ("2025-Q2", "2025-04-01", 2_500_000, 3_500_000),
            ("2025-Q3", "2025-07-01", 0, 3_500_000)]
        assert (quarters["share"], quarters["whole_programme"]) == (35.0, True)
        part = officer.get(url, {"period": "quarter"}).data
        assert (part["spent"], part["whole_programme"]) == (3_000_000, False)
        assert manager.get(url, {"period": "week"}).status_code == 400
        assert client_for(users["hanoi"]).get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_the_same_moment_cannot_overrun_the_budget(users, household, areas):
    """Each delivery fits the budget alone, not both together: whichever comes second waits
    for the programme's row lock, then sees the first and is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the race needs PostgreSQL's row locks.")
    approve(household)
    programme = Programme.objects.create(
        code="RACE", name="Race", kind="livelihood", area=areas["20641"], starts_on=date(2025, 1, 1),
        budget=10_000_000, funding_source="local", eligible_classes=["poor"], status="open")
    enrollment = enrollment_create(by=users["officer"], programme=programme, household=household,
                                   enrolled_on=date(2025, 3, 1))

    def record(_n):
        client = APIClient()
        client.force_authenticate(users["officer"])
        return deliver(client, {"id": str(enrollment.pk)}, 6_000_000).status_code

    statuses = at_once(record, range(2))
    assert sorted(statuses) == [201, 409]
    assert Delivery.objects.get().value == 6_000_000


@pytest.mark.django_db
class TestFollowUps:
    def body(self, enrolment, **change):
        return {"enrollment": enrolment["id"], "observed_on": "2025-09-01", **change}

    @pytest.mark.parametrize(("change", "field", "message"), [
        ({}, "non_field_errors", "at least one observation"),
        ({"certificate": True}, "certificate", "Only vocational training"),
        ({"monthly_earnings": 1_000_000, "employment": "unemployed"}, "monthly_earnings", "say which"),
        ({"observed_on": "2025-02-01", "notes": "x"}, "observed_on", "began on 2025-03-01"),
        ({"employment": "farmer"}, "employment", "not a valid choice"),
        ({"income_per_capita": "1000"}, "income_per_capita", "whole number"),
    ])
    def test_bad_follow_ups_are_refused_by_field(self, officer, enrolment, change, field, message):
        response = officer.post(FOLLOW_UPS, self.body(enrolment, **change), format="json")
        assert response.status_code == 400
        assert message in str(response.data[field]), response.data

    def test_training_follow_ups_are_due_at_one_and_six_months(self, officer, training, areas):
        trainee = HouseholdFactory(area=areas["20641"], members=[member_data(date_of_birth=date(2000, 1, 1))])
        approve(trainee)
        enrolment = enrol(officer, training, trainee, member=str(trainee.members.get().id)).data
        completed_on = timezone.localdate() - timedelta(days=45)
        move(officer, enrolment, "active", "2025-03-02")
        move(officer, enrolment, "completed", completed_on)
        assert [(d["months"], d["member"]["full_name"]) for d in officer.get(DUE).data["results"]] == [
            (1, "Nguyễn Văn Đặng")]

        # Recorded too early for the one-month point (more than 14 days before it), then corrected.
        early = officer.post(FOLLOW_UPS, self.body(enrolment, observed_on=str(completed_on + timedelta(days=10)),
                                                   employment="unemployed"), format="json").data
        assert [d["months"] for d in officer.get(DUE).data["results"]] == [1]
        url = f"{FOLLOW_UPS}{early['id']}/"
        fixed = officer.patch(url, {"observed_on": str(completed_on + timedelta(days=20)), "employment": "wage",
                                    "monthly_earnings": 6_000_000, "certificate": True}, format="json",
                              HTTP_IF_MATCH='"1"')
        assert fixed.status_code == 200, fixed.data
        assert officer.get(DUE).data["results"] == []
        assert officer.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
        assert officer.patch(url, {"enrollment": enrolment["id"]}, format="json").data["enrollment"] == enrolment["id"]

    def test_due_list_filters_and_scope(self, officer, manager, users, client_for, enrolment,
                                        django_assert_max_num_queries):
        move(officer, enrolment, "active", "2025-03-02")
        move(officer, enrolment, "completed", "2025-04-01")
        with django_assert_max_num_queries(4):
            rows = officer.get(DUE, {"area": "20641"}).data["results"]
        assert len(rows) == 2
        # Enough to plan the visit: who, where.
        assert (rows[0]["head"], rows[0]["address"], rows[0]["area_name"]) == ("Nguyễn Văn Đặng", "", "Thôn 1")
        assert manager.get(DUE, {"area": "20662"}).data["results"] == []
        assert len(manager.get(DUE, {"assigned_to": "officer"}).data["results"]) == 2
        assert manager.get(DUE, {"assigned_to": "manager"}).data["results"] == []
        assert [d["months"] for d in officer.get(DUE, {"before": "2025-12-31"}).data["results"]] == [6]
        assert client_for(users["hanoi"]).get(DUE).data["results"] == []
        assert officer.get(DUE, {"area": "01"}).status_code == 400
        assert officer.get(DUE, {"before": "soon"}).status_code == 400
        assert officer.get(DUE, {"before": ""}).status_code == 400


@pytest.mark.django_db
class TestCaseNotes:
    def test_author_and_time_are_the_servers(self, officer, household, enrolment):
        response = officer.post(NOTES, {"household": str(household.id), "enrollment": enrolment["id"],
                                        "visited_on": "2025-03-05", "text": "Đã nhận giống, chuẩn bị gieo.",
                                        "author": "manager", "created_at": "2000-01-01T00:00:00Z"}, format="json")
        assert response.status_code == 201, response.data
        assert response.data["author"] == "officer"
        assert response.data["created_at"].startswith(str(timezone.localdate().year))
        assert officer.get(NOTES, {"household": str(household.id)}).data["results"][0]["id"] == response.data["id"]

    def test_bad_notes(self, officer, household, areas, enrolment, users, client_for):
        other = HouseholdFactory(area=areas["20641"], members=[member_data()])
        cases = [
            ({"household": str(other.id), "enrollment": enrolment["id"]}, "enrollment", "another household"),
            ({"visited_on": "2999-01-01"}, "visited_on", "future"),
            ({"text": "   "}, "text", "may not be blank"),
        ]
        for change, field, message in cases:
            body = {"household": str(household.id), "visited_on": "2025-03-05", "text": "Thăm hộ", **change}
            response = officer.post(NOTES, body, format="json")
            assert response.status_code == 400 and message in str(response.data[field]), response.data
        hanoi = client_for(users["hanoi"])
        refused = hanoi.post(NOTES, {"household": str(household.id), "visited_on": "2025-03-05", "text": "x"},
                             format="json")
        assert refused.status_code == 400 and "No such record in your area" in str(refused.data["household"])
        assert hanoi.get(NOTES).data["results"] == []


@pytest.mark.django_db
class TestRecommendations:
    def test_ranked_by_deprivations_targeted_with_reasons(self, manager, officer, household, areas):
        approve(household)  # poor; deprived on latrine, telecom, water
        create = lambda **b: manager.post("/api/v1/programmes/", programme_body(**b), format="json").data  # noqa: E731
        create(code="A-WATER", targets=["water", "latrine", "housing_area"])
        create(code="B-PHONE", targets=["telecom"], area="48")
        create(code="C-NONE", targets=[])
        create(code="D-CLOSED", status="closed")
        create(code="E-NEAR", eligible_classes=["near_poor"])
        create(code="F-ELSEWHERE", area="20662")
        create(code="G-ENDED", ends_on="2025-03-31")
        full = create(code="H-FULL", capacity=1)
        train = create(code="I-TRAIN", kind="vocational_training", area="48", targets=["employment"],
                       min_age=18, max_age=45)
        filler = HouseholdFactory(area=areas["20641"], members=[member_data()])
        approve(filler)
        assert enrol(officer, full, filler).status_code == 201

        url = f"/api/v1/households/{household.id}/recommendations/"
        body = officer.get(url, {"on": "2025-06-01"}).data
        assert body["deprivations"] == ["latrine", "telecom", "water"]
        assert [(r["programme"]["code"], r["targeted"]) for r in body["programmes"]] == [
            ("A-WATER", ["latrine", "water"]), ("B-PHONE", ["telecom"]), ("C-NONE", []), ("I-TRAIN", [])]
        first = body["programmes"][0]
        assert "poor (review of 2024)" in first["reason"] and "2 of the household's deprivations" in first["reason"]
        assert [m["full_name"] for m in body["programmes"][3]["members"]] == ["Nguyễn Văn Đặng", "Trần Thị Lan"]

        enrol(officer, {"id": body["programmes"][0]["programme"]["id"]}, household, on="2025-06-01")
        codes = [r["programme"]["code"] for r in officer.get(url, {"on": "2025-06-01"}).data["programmes"]]
        assert codes == ["B-PHONE", "C-NONE", "I-TRAIN"]
        assert train["id"] in [r["programme"]["id"] for r in officer.get(url, {"on": "2025-06-01"}).data["programmes"]]

    def test_no_review_no_recommendations_and_scope(self, officer, users, client_for, household):
        url = f"/api/v1/households/{household.id}/recommendations/"
        assert officer.get(url).data["programmes"] == []
        assert client_for(users["hanoi"]).get(url).status_code == 404
        assert officer.get(url, {"on": "someday"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("url", [DELIVERIES, FOLLOW_UPS, DUE + "?before=2030-01-01", NOTES])
def test_case_work_lists_cost_does_not_grow(officer, programme, areas, url):
    from django.test.utils import CaptureQueriesContext

    def add(count):
        for _ in range(count):
            household = HouseholdFactory(area=areas["20641"], members=[member_data()])
            approve(household)
            enrolment = enrol(officer, programme, household).data
            deliver(officer, enrolment, 1_000)
            move(officer, enrolment, "active", "2025-03-02")
            move(officer, enrolment, "completed", "2025-04-01")
            officer.post(FOLLOW_UPS, {"enrollment": enrolment["id"], "observed_on": "2025-05-01", "notes": "x"},
                         format="json")
            officer.post(NOTES, {"household": str(household.id), "enrollment": enrolment["id"],
                                 "visited_on": "2025-05-01", "text": "x"}, format="json")

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = officer.get(url)
        assert response.status_code == 200 and response.data["results"], response.data
        return [q["sql"] for q in context.captured_queries]

    add(1)
    few = queries()
    add(4)
    many = queries()
    assert len(many) == len(few) <= 4, many
    assert not any("COUNT(" in q.upper() for q in many)
    assert Enrollment.objects.count() == 5


@pytest.mark.django_db
def test_case_work_in_the_admin_is_scoped(users, officer, enrolment, areas):
    deliver(officer, enrolment, 1_000, description="Giống lúa Quế Sơn")
    client = APIClient()
    client.force_login(users["admin48"])
    pages = [client.get(f"/admin/programmes/{model}/") for model in ("enrollment", "delivery", "followup")]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "QS-LUA" in pages[0].content.decode() and "Giống lúa Quế Sơn" in pages[1].content.decode()
    hanoi_admin = APIClient()
    hanoi_admin.force_login(UserFactory(username="admin01", role="admin", area=areas["01"]))
    assert "Giống lúa Quế Sơn" not in hanoi_admin.get("/admin/programmes/delivery/").content.decode()
    assert hanoi_admin.get(f"/admin/programmes/enrollment/{enrolment['id']}/change/").status_code in (302, 404)
