"""National IDs: masked for viewers, whole for the others, and every whole one read is logged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from households.models import AccessLogEntry
from households.services import member_update
from povertycase.access import SYSTEM
from tests.factories import HouseholdFactory, member_data

WHOLE, MASKED = "048080001234", "********1234"


def national_ids(body):
    return [m["national_id"] for m in body["members"] if m["national_id"]]


@pytest.mark.django_db
class TestMasking:
    def test_a_viewer_sees_the_last_four_digits_everywhere(self, users, client_for, household):
        viewer = client_for(users["viewer"])
        assert national_ids(viewer.get(f"/api/v1/households/{household.pk}/").data) == [MASKED]
        assert national_ids(viewer.get("/api/v1/households/").data["results"][0]) == [MASKED]
        members = viewer.get("/api/v1/members/", {"household": household.pk}).data["results"]
        assert [m["national_id"] for m in members if m["national_id"]] == [MASKED]
        head = household.members.get(relationship="head")
        assert viewer.get(f"/api/v1/members/{head.pk}/").data["national_id"] == MASKED

    def test_and_in_the_history(self, users, client_for, household):
        head = household.members.get(relationship="head")
        member_update(member=head, by=SYSTEM, changes={"national_id": "048080005678"})
        changes = [c for entry in client_for(users["viewer"]).get(f"/api/v1/households/{household.pk}/history/").data
                   for c in entry["changes"] if c["field"] == "national_id"]
        assert [(c["old"], c["new"]) for c in changes] == [(MASKED, "********5678"), (None, MASKED)]
        assert not AccessLogEntry.objects.exists()

    @pytest.mark.parametrize("role", ["officer", "manager", "admin"])
    def test_officers_managers_and_admins_see_it_whole(self, users, client_for, household, role):
        assert national_ids(client_for(users[role]).get(f"/api/v1/households/{household.pk}/").data) == [WHOLE]


@pytest.mark.django_db
class TestAccessLog:
    def test_one_entry_per_response_naming_the_households(self, users, client_for, areas, household):
        other = HouseholdFactory(area=areas["20641"], members=[member_data(national_id="048080004321")])
        HouseholdFactory(area=areas["20641"], members=[member_data()])  # no national ID: not logged
        officer = client_for(users["officer"])
        before = timezone.now()
        officer.get("/api/v1/households/", {"page_size": 10})
        entry = AccessLogEntry.objects.get()
        assert (entry.user, entry.method, entry.endpoint) == (users["officer"], "GET", "/api/v1/households/?page_size=10")
        assert set(entry.households.values_list("pk", flat=True)) == {household.pk, other.pk}
        assert entry.at >= before

    def test_details_history_and_writes_are_logged_too(self, users, client_for, household):
        officer = client_for(users["officer"])
        officer.get(f"/api/v1/households/{household.pk}/history/")
        officer.post("/api/v1/members/", {"household": str(household.pk), "full_name": "Trần Văn Nam", "sex": "male",
                                          "date_of_birth": "2001-01-01", "relationship": "child",
                                          "national_id": "048201000001"}, format="json")
        assert [(e.method, e.endpoint) for e in AccessLogEntry.objects.order_by("at")] == [
            ("GET", f"/api/v1/households/{household.pk}/history/"), ("POST", "/api/v1/members/")]

    def test_refused_and_masked_responses_are_not_logged(self, users, client_for, household):
        client_for(users["viewer"]).get("/api/v1/households/")
        client_for(users["hanoi"]).get(f"/api/v1/households/{household.pk}/")
        assert not AccessLogEntry.objects.exists()

    def test_admins_read_it_filtered_and_scoped_to_their_area(self, users, client_for, areas, household):
        hanoi = HouseholdFactory(area=areas["00004"], members=[member_data(national_id="001090004321")])
        client_for(users["officer"]).get(f"/api/v1/households/{household.pk}/")
        client_for(users["hanoi"]).get(f"/api/v1/households/{hanoi.pk}/")
        client_for(users["admin"]).get("/api/v1/households/")  # both households, one entry

        whole_country = client_for(users["admin"]).get("/api/v1/access-log/").data["results"]
        assert [e["user"] for e in whole_country] == ["admin", "hanoi", "officer"]
        assert set(whole_country[0]["households"]) == {str(household.pk), str(hanoi.pk)}

        admin48 = client_for(users["admin48"])
        mine = admin48.get("/api/v1/access-log/").data["results"]
        assert [e["user"] for e in mine] == ["admin", "officer"]
        assert mine[0]["households"] == [str(household.pk)]  # the Hà Nội household is not named
        assert [e["user"] for e in admin48.get("/api/v1/access-log/", {"user": "officer"}).data["results"]] == [
            "officer"]
        assert admin48.get("/api/v1/access-log/", {"household": str(hanoi.pk)}).data["results"] == []
        assert len(admin48.get("/api/v1/access-log/", {"household": str(household.pk)}).data["results"]) == 2
        later = (timezone.now() + timedelta(minutes=1)).isoformat()
        assert admin48.get("/api/v1/access-log/", {"since": later}).data["results"] == []
        assert admin48.get("/api/v1/access-log/", {"since": "yesterday"}).status_code == 400

    @pytest.mark.parametrize("role", ["manager", "officer", "viewer"])
    def test_only_admins_read_it(self, users, client_for, role):
        assert client_for(users[role]).get("/api/v1/access-log/").status_code == 403

    def test_the_list_costs_a_fixed_number_of_queries(self, users, client_for, areas, django_assert_max_num_queries):
        for n in range(5):
            HouseholdFactory(area=areas["20641"], members=[member_data(national_id=f"04808000{n:04d}")])
            client_for(users["officer"]).get("/api/v1/households/")
        with django_assert_max_num_queries(6):
            assert len(client_for(users["admin48"]).get("/api/v1/access-log/").data["results"]) == 5
