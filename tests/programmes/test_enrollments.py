from datetime import date

import pytest

from households.services import review_approve, review_record
from povertycase.access import SYSTEM
from programmes.models import Enrollment
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import URL, approve, enrol


@pytest.mark.django_db
class TestEnrol:
    def test_eligible_household_enrols_with_its_baseline(self, officer, seed_programme, household):
        review = approve(household)
        response = enrol(officer, seed_programme, household)
        assert response.status_code == 201, response.data
        body = response.data
        assert (body["status"], body["baseline_year"], body["baseline_class"], body["baseline_income"]) == (
            "enrolled", 2024, "poor", 1_000_000)
        assert body["baseline_deprivations"] == sorted(review.deprivations)
        assert body["assigned_to"] == "officer"

    def test_baseline_does_not_move_with_later_corrections(self, officer, seed_programme, household):
        approve(household)
        enrolment = enrol(officer, seed_programme, household).data
        from households.models import Review

        original = Review.objects.get(household=household)
        correction = review_record(by=SYSTEM, household=household, year=2024, kind="periodic",
                                   reviewed_on=date(2024, 10, 2), income_per_capita=3_000_000, deprivations=[],
                                   corrects=original)
        review_approve(review=correction, by=SYSTEM, decision_number="2/QĐ", decision_date=date(2024, 12, 2))
        assert officer.get(f"{URL}{enrolment['id']}/").data["baseline_class"] == "poor"

    @pytest.mark.parametrize(
        ("setup", "field", "message"),
        [
            ("near_poor", "household", "the programme takes poor"),
            ("no_review", "household", "no approved review"),
            ("too_early", "enrolled_on", "runs from 2025-01-01"),
        ],
    )
    def test_ineligible_households_are_told_why(self, officer, seed_programme, household, setup, field, message):
        on = "2025-03-01"
        if setup == "near_poor":
            approve(household, deprivations=())
        elif setup == "too_early":
            approve(household)
            on = "2024-12-31"
        response = enrol(officer, seed_programme, household, on=on)
        assert response.status_code == 400
        assert message in str(response.data[field]), response.data
        assert not Enrollment.objects.exists()

    def test_review_after_the_enrolment_date_does_not_count(self, officer, seed_programme, household):
        approve(household, year=2025, reviewed_on=date(2025, 6, 1))
        response = enrol(officer, seed_programme, household, on="2025-03-01")
        assert response.status_code == 400 and "no approved review by 2025-03-01" in str(response.data["household"])

    def test_household_outside_the_programme_area(self, manager, seed_programme, areas):
        elsewhere = HouseholdFactory(area=areas["20662"])
        approve(elsewhere)
        response = enrol(manager, seed_programme, elsewhere)
        assert response.status_code == 400 and "outside the programme's area" in str(response.data["household"])

    def test_closed_programme(self, manager, officer, seed_programme, household):
        approve(household)
        manager.patch(f"/api/v1/programmes/{seed_programme['id']}/", {"status": "closed"}, format="json")
        response = enrol(officer, seed_programme, household)
        assert response.status_code == 400 and "not open" in str(response.data["programme"])

    def test_capacity(self, officer, seed_programme, areas):
        households = [HouseholdFactory(area=areas["20641"]) for _ in range(3)]
        for h in households:
            approve(h)
        assert [enrol(officer, seed_programme, h).status_code for h in households] == [201, 201, 400]

    def test_same_household_twice_is_a_conflict(self, officer, seed_programme, household):
        approve(household)
        enrol(officer, seed_programme, household)
        assert enrol(officer, seed_programme, household).status_code == 409

    def test_escaped_households_within_the_window(self, manager, officer, household):
        approve(household, year=2023)
        approve(household, year=2024, income=1_800_000, deprivations=())  # escaped above near-poor
        programme = manager.post("/api/v1/programmes/", {
            "code": "AFTER", "name": "Sau thoát nghèo", "kind": "credit", "area": "20641",
            "starts_on": "2025-01-01", "budget": 1, "funding_source": "credit", "eligible_classes": [],
            "escaped_within_years": 2, "status": "open"}, format="json").data
        assert enrol(officer, programme, household).status_code == 201


@pytest.mark.django_db
class TestTrainingEnrolment:
    def test_member_required_and_age_range(self, officer, training, areas):
        household = HouseholdFactory(area=areas["20641"], members=[
            member_data(date_of_birth=date(1960, 1, 1)),
            member_data(full_name="Con", relationship="child", date_of_birth=date(2005, 6, 1))])
        approve(household)
        old, young = household.members.order_by("date_of_birth")
        no_member = enrol(officer, training, household)
        too_old = enrol(officer, training, household, member=str(old.id))
        fits = enrol(officer, training, household, member=str(young.id))
        assert no_member.status_code == 400 and "member" in no_member.data
        assert too_old.status_code == 400 and "takes ages 16 to 45" in str(too_old.data["member"])
        assert fits.status_code == 201, fits.data
        assert enrol(officer, training, household, member=str(young.id)).status_code == 409


@pytest.mark.django_db
class TestTransitions:
    @pytest.fixture
    def enrolment(self, officer, seed_programme, household):
        approve(household)
        return enrol(officer, seed_programme, household).data

    def move(self, client, enrolment, status, on="2025-04-01", reason="", **headers):
        return client.post(f"{URL}{enrolment['id']}/transition/", {"status": status, "on": on, "reason": reason},
                           format="json", **headers)

    def test_the_path_to_completion_is_kept(self, officer, enrolment):
        for status, on in [("active", "2025-03-05"), ("suspended", "2025-04-01"), ("active", "2025-05-01"),
                           ("completed", "2025-09-30")]:
            response = self.move(officer, enrolment, status, on=on)
            assert response.status_code == 200, response.data
        final = response.data
        assert (final["status"], final["status_changed_on"]) == ("completed", "2025-09-30")
        assert Enrollment.history.filter(id=enrolment["id"]).count() == 5
        assert self.move(officer, enrolment, "active", on="2025-10-01").status_code == 409

    def test_impossible_move_is_a_conflict_and_changes_nothing(self, officer, enrolment):
        response = self.move(officer, enrolment, "completed")
        assert response.status_code == 409
        assert Enrollment.objects.get().status == "enrolled"

    def test_dropping_out_needs_a_reason(self, officer, enrolment):
        assert self.move(officer, enrolment, "dropped_out").status_code == 400
        response = self.move(officer, enrolment, "dropped_out", reason="moved to Đà Nẵng city for work")
        assert response.status_code == 200 and response.data["status_reason"].startswith("moved")

    def test_dates_go_forward(self, officer, enrolment):
        response = self.move(officer, enrolment, "active", on="2025-02-01")
        assert response.status_code == 400 and "on" in response.data

    def test_stale_if_match(self, officer, enrolment):
        etag = f'"{enrolment["version"]}"'
        assert self.move(officer, enrolment, "active", HTTP_IF_MATCH=etag).status_code == 200
        assert self.move(officer, enrolment, "suspended", HTTP_IF_MATCH=etag).status_code == 412

    def test_scope_and_filters(self, officer, users, client_for, enrolment, seed_programme):
        assert client_for(users["hanoi"]).get(f"{URL}{enrolment['id']}/").status_code == 404
        assert len(officer.get(URL, {"programme": seed_programme["id"], "status": "enrolled"}).data["results"]) == 1
        assert officer.get(URL, {"assigned_to": "manager"}).data["results"] == []
        assert officer.get(URL, {"status": "done"}).status_code == 400


@pytest.mark.django_db
def test_enrolment_list_cost_does_not_grow(officer, seed_programme, areas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert officer.get(URL).status_code == 200
        return len(context.captured_queries)

    households = [HouseholdFactory(area=areas["20641"]) for _ in range(6)]
    for h in households:
        approve(h)
    enrol(officer, seed_programme, households[0])
    few = queries()
    enrol(officer, seed_programme, households[1])
    assert queries() == few
