import pytest

from households.models import Review
from tests.factories import HouseholdFactory

URL = "/api/v1/reviews/"
DECISION = {"decision_number": "125/QĐ-UBND", "decision_date": "2024-12-20"}


def review(household, year=2024, income=1_200_000, deprivations=("health_insurance", "water", "latrine"), **extra):
    body = {"household": str(household.id), "year": year, "kind": "periodic", "reviewed_on": f"{year}-10-15",
            "income_per_capita": income, "deprivations": list(deprivations)}
    body.update(extra)
    return body


@pytest.fixture
def officer(users, client_for):
    return client_for(users["officer"])


@pytest.fixture
def manager(users, client_for):
    return client_for(users["manager"])


def approved(officer, manager, body, decision=DECISION):
    created = officer.post(URL, body, format="json")
    assert created.status_code == 201, created.data
    response = manager.post(f"{URL}{created.data['id']}/approve/", decision, format="json")
    assert response.status_code == 200, response.data
    return response.data


@pytest.mark.django_db
class TestRecord:
    def test_records_a_classified_draft(self, officer, household):
        response = officer.post(URL, review(household), format="json")
        assert response.status_code == 201, response.data
        body = response.data
        assert (body["standard"], body["residence"], body["deprivation_count"], body["poverty_class"]) == (
            "VN-2022-2025", "rural", 3, "poor")
        assert body["status"] == "draft" and body["transition"] == ""
        assert "1,500,000 VND" in body["explanation"]

    def test_urban_household_uses_the_urban_line(self, officer, users, client_for, areas):
        ward = HouseholdFactory(area=areas["20194"])
        body = client_for(users["manager"]).post(URL, review(ward, income=1_800_000), format="json").data
        assert (body["residence"], body["poverty_class"]) == ("urban", "poor")

    def test_standard_in_force_for_each_year(self):
        from households.models import PovertyStandard

        assert PovertyStandard.objects.for_year(2026).get().code == "VN-2022-2025"
        assert PovertyStandard.objects.for_year(2027).get().code == "VN-2027-2030"
        assert not PovertyStandard.objects.for_year(2031).exists()

    def test_review_date_in_the_future(self, officer, household):
        from django.utils import timezone

        tomorrow = timezone.localdate() + timezone.timedelta(days=1)
        body = review(household, year=tomorrow.year, reviewed_on=str(tomorrow))
        response = officer.post(URL, body, format="json")
        assert response.status_code == 400 and "future" in str(response.data["reviewed_on"])

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"deprivations": ["health_insurance", "wifi"]}, "deprivations", "wifi"),
            ({"deprivations": ["water", "water"]}, "deprivations", "once"),
            ({"year": 2019, "reviewed_on": "2019-10-01"}, "year", "No poverty standard covers the year 2019"),
            ({"income_per_capita": -1}, "income_per_capita", "greater than or equal to 0"),
            ({"income_per_capita": "1000"}, "income_per_capita", "whole number"),
            ({"kind": "annual"}, "kind", "not a valid choice"),
            ({"reviewed_on": "2023-10-01"}, "reviewed_on", "carried out in 2024"),
        ],
    )
    def test_bad_reviews_are_refused_by_field(self, officer, household, change, field, message):
        response = officer.post(URL, review(household, **change), format="json")
        assert response.status_code == 400
        assert message in str(response.data[field])
        assert not Review.objects.exists()

    def test_one_periodic_review_a_year(self, officer, household):
        assert officer.post(URL, review(household), format="json").status_code == 201
        second = officer.post(URL, review(household), format="json")
        regular = officer.post(URL, review(household, kind="regular", reviewed_on="2024-05-02"), format="json")
        assert second.status_code == 400 and "correct it instead" in str(second.data["kind"])
        assert regular.status_code == 201

    def test_out_of_area_household(self, users, client_for, household):
        response = client_for(users["hanoi"]).post(URL, review(household), format="json")
        assert response.status_code == 400 and "household" in response.data

    def test_viewer_cannot_record(self, users, client_for, household):
        assert client_for(users["viewer"]).post(URL, review(household), format="json").status_code == 403

    def test_draft_can_be_changed_and_is_reclassified(self, officer, household):
        created = officer.post(URL, review(household), format="json").data
        response = officer.patch(f"{URL}{created['id']}/", {"income_per_capita": 1_600_000}, format="json",
                                 HTTP_IF_MATCH=f'"{created["version"]}"')
        assert response.status_code == 200
        assert response.data["poverty_class"] == "average_living"
        stale = officer.patch(f"{URL}{created['id']}/", {"income_per_capita": 1}, format="json",
                              HTTP_IF_MATCH=f'"{created["version"]}"')
        assert stale.status_code == 412


@pytest.mark.django_db
class TestApproval:
    def test_approval_sets_transition_and_household_class(self, officer, manager, household):
        body = approved(officer, manager, review(household))
        assert (body["status"], body["transition"], body["approved_by"]) == ("approved", "first_review", "manager")
        assert (body["decision_number"], body["decision_date"]) == ("125/QĐ-UBND", "2024-12-20")
        detail = officer.get(f"/api/v1/households/{household.id}/").data
        assert (detail["poverty_class"], detail["poverty_class_year"]) == ("poor", 2024)

    def test_officers_cannot_approve(self, officer, household):
        created = officer.post(URL, review(household), format="json").data
        assert officer.post(f"{URL}{created['id']}/approve/", DECISION, format="json").status_code == 403

    def test_approval_needs_a_decision(self, officer, manager, household):
        created = officer.post(URL, review(household), format="json").data
        response = manager.post(f"{URL}{created['id']}/approve/", {"decision_number": ""}, format="json")
        assert response.status_code == 400 and {"decision_number", "decision_date"} <= set(response.data)

    def test_approved_review_is_fixed(self, officer, manager, household):
        body = approved(officer, manager, review(household))
        assert officer.patch(f"{URL}{body['id']}/", {"income_per_capita": 1}, format="json").status_code == 409
        assert manager.post(f"{URL}{body['id']}/approve/", DECISION, format="json").status_code == 409

    def test_transitions_across_years(self, officer, manager, household):
        approved(officer, manager, review(household, year=2022))
        escaped = approved(officer, manager, review(household, year=2023, income=1_400_000, deprivations=[]))
        relapsed = approved(officer, manager, review(household, year=2024))
        assert escaped["transition"] == "escaped_to_near_poor"
        assert relapsed["transition"] == "relapsed_poor"

    def test_approving_an_earlier_review_recomputes_later_ones(self, officer, manager, household):
        first_2023 = approved(officer, manager, review(household, year=2023, income=1_400_000, deprivations=[]))
        assert first_2023["transition"] == "first_review"
        approved(officer, manager, review(household, year=2022))
        later = officer.get(f"{URL}{first_2023['id']}/").data
        assert later["transition"] == "escaped_to_near_poor"

    def test_correction_supersedes_and_recomputes(self, officer, manager, household):
        original = approved(officer, manager, review(household, year=2023))
        following = approved(officer, manager, review(household, year=2024, income=1_400_000, deprivations=[]))
        assert following["transition"] == "escaped_to_near_poor"

        correction = officer.post(URL, review(household, year=2023, income=1_450_000, deprivations=[],
                                              corrects=original["id"]), format="json")
        assert correction.status_code == 201, correction.data
        second = officer.post(URL, review(household, year=2023, corrects=original["id"]), format="json")
        assert second.status_code == 400 and "draft correction" in str(second.data["corrects"])
        manager.post(f"{URL}{correction.data['id']}/approve/", DECISION, format="json")

        assert officer.get(f"{URL}{original['id']}/").data["status"] == "superseded"
        assert officer.get(f"{URL}{correction.data['id']}/").data["transition"] == "first_review"
        assert officer.get(f"{URL}{following['id']}/").data["transition"] == "remained_near_poor"

    def test_household_keeps_its_class_when_not_relisted(self, officer, manager, household, areas):
        other = HouseholdFactory(area=areas["20641"])
        approved(officer, manager, review(household, year=2023))
        approved(officer, manager, review(other, year=2023))
        approved(officer, manager, review(other, year=2024, income=3_000_000, deprivations=[]))
        classes = {h["id"]: h["poverty_class"] for h in officer.get("/api/v1/households/").data["results"]}
        assert classes == {str(household.id): "poor", str(other.id): "non_poor"}

    def test_bulk_approval_for_an_area_and_year(self, officer, manager, household, areas):
        others = [HouseholdFactory(area=areas["20641"]) for _ in range(3)]
        elsewhere = HouseholdFactory(area=areas["20662"])
        for h in [household, *others]:
            officer.post(URL, review(h), format="json")
        manager.post(URL, review(elsewhere), format="json")
        response = manager.post(f"{URL}approve/", {"area": "20641", "year": 2024, **DECISION}, format="json")
        assert response.status_code == 200 and response.data == {"approved": 4}
        statuses = {r["household"]: r["status"] for r in manager.get(URL, {"year": 2024}).data["results"]}
        assert statuses[str(elsewhere.id)] == "draft"
        assert list(statuses.values()).count("approved") == 4
        again = manager.post(f"{URL}approve/", {"area": "20641", "year": 2024, **DECISION}, format="json")
        assert again.data == {"approved": 0}

    def test_bulk_approval_is_scoped(self, users, client_for, household):
        client_for(users["officer"]).post(URL, review(household), format="json")
        hanoi_admin = client_for(users["hanoi"])
        response = hanoi_admin.post(f"{URL}approve/", {"area": "20641", "year": 2024, **DECISION}, format="json")
        assert response.status_code in (400, 403)
        assert Review.objects.get().status == "draft"


@pytest.mark.django_db
class TestFilters:
    def test_filters(self, officer, manager, household, areas):
        other = HouseholdFactory(area=areas["20641"])
        approved(officer, manager, review(household, year=2023))
        approved(officer, manager, review(household, year=2024, income=1_400_000, deprivations=[]))
        officer.post(URL, review(other, year=2024, income=5_000_000, deprivations=[]), format="json")

        def count(**params):
            response = manager.get(URL, params)
            assert response.status_code == 200, response.data
            return len(response.data["results"])

        assert count(year=2024) == 2
        assert count(status="draft") == 1
        assert count(poverty_class="non_poor") == 1
        assert count(transition="escaped_to_near_poor") == 1
        assert count(household=str(household.id)) == 2
        assert count(area="2064101") == 2
        assert count(area="20662") == 0

    @pytest.mark.parametrize("params", [{"year": "abc"}, {"transition": "up"}, {"poverty_class": "rich"},
                                        {"status": "done"}, {"area": "00004"}])
    def test_bad_filters(self, manager, params):
        response = manager.get(URL, params)
        assert response.status_code == 400 and set(params) <= set(response.data)


@pytest.mark.django_db
class TestStandards:
    def test_everyone_reads_the_standards(self, users, client_for):
        body = client_for(users["viewer"]).get("/api/v1/poverty-standards/").data["results"]
        assert [s["code"] for s in body] == ["VN-2022-2025", "VN-2027-2030"]
        assert len(body[0]["indicators"]) == 12 and body[0]["indicators"][0]["code"] == "employment"

    def test_admin_corrects_a_standard_and_drafts_follow(self, users, client_for, officer, household):
        draft = officer.post(URL, review(household, income=1_600_000), format="json").data
        assert draft["poverty_class"] == "average_living"
        response = client_for(users["admin"]).patch(
            "/api/v1/poverty-standards/VN-2022-2025/", {"rural_line": 1_700_000, "rural_ceiling": 2_500_000},
            format="json")
        assert response.status_code == 200, response.data
        assert officer.get(f"{URL}{draft['id']}/").data["poverty_class"] == "poor"

    def test_overlapping_years_refused(self, users, client_for):
        body = {"code": "VN-X", "name": "x", "first_year": 2026, "last_year": 2028, "rural_line": 1, "urban_line": 1,
                "indicators": [{"code": "water", "dimension": "w", "name_vi": "n", "name_en": "n"}]}
        response = client_for(users["admin"]).post("/api/v1/poverty-standards/", body, format="json")
        assert response.status_code == 400 and "overlap" in str(response.data["first_year"])

    def test_only_admins_write_standards(self, users, client_for):
        response = client_for(users["manager"]).patch("/api/v1/poverty-standards/VN-2022-2025/",
                                                      {"rural_line": 1}, format="json")
        assert response.status_code == 403

    def test_indicators_in_use_cannot_be_removed(self, users, client_for, officer, household):
        officer.post(URL, review(household), format="json")
        response = client_for(users["admin"]).patch(
            "/api/v1/poverty-standards/VN-2022-2025/",
            {"indicators": [{"code": "water", "dimension": "w", "name_vi": "n", "name_en": "n"}]}, format="json")
        assert response.status_code == 400 and "indicators" in response.data
