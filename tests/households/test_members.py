import pytest

from households.models import Member
from tests.factories import HouseholdFactory

URL = "/api/v1/members/"


def person(household, **overrides):
    body = {"household": str(household.id), "full_name": "Nguyễn Thị Mai", "sex": "female",
            "date_of_birth": "2010-04-01", "relationship": "child"}
    body.update(overrides)
    return body


@pytest.mark.django_db
class TestMembers:
    def test_add_a_member(self, users, client_for, household):
        response = client_for(users["officer"]).post(URL, person(household), format="json")
        assert response.status_code == 201, response.data
        assert response.data["household"] == str(household.id)
        assert response["ETag"] == '"1"'
        listed = client_for(users["viewer"]).get(URL, {"household": str(household.id)})
        assert len(listed.data["results"]) == 3

    def test_first_member_must_be_head(self, users, client_for, areas):
        empty = HouseholdFactory(area=areas["20641"], members=[])
        child = client_for(users["officer"]).post(URL, person(empty), format="json")
        head = client_for(users["officer"]).post(URL, person(empty, relationship="head"), format="json")
        assert child.status_code == 400 and "first member must be the head" in str(child.data["relationship"])
        assert head.status_code == 201

    def test_second_head_refused(self, users, client_for, household):
        response = client_for(users["officer"]).post(URL, person(household, relationship="head"), format="json")
        assert response.status_code == 400
        assert "already has a head" in str(response.data["relationship"])

    def test_household_outside_area_is_named(self, users, client_for, household):
        response = client_for(users["hanoi"]).post(URL, person(household), format="json")
        assert response.status_code == 400
        assert "household" in response.data
        assert household.members.count() == 2

    def test_member_of_archived_household_refused(self, users, client_for, household):
        client = client_for(users["officer"])
        client.post(f"/api/v1/households/{household.id}/archive/", {"reason": "dissolved"}, format="json")
        response = client.post(URL, person(household), format="json")
        assert response.status_code == 400 and "archived" in str(response.data["household"])

    def test_head_cannot_step_down_by_patch(self, users, client_for, household):
        head = household.members.get(relationship="head")
        response = client_for(users["officer"]).patch(f"{URL}{head.id}/", {"relationship": "spouse"}, format="json")
        assert response.status_code == 400
        assert "change-head" in str(response.data["relationship"])

    def test_change_head(self, users, client_for, household):
        client = client_for(users["officer"])
        head = household.members.get(relationship="head")
        spouse = household.members.get(relationship="spouse")
        response = client.post(
            f"/api/v1/households/{household.id}/change-head/",
            {"member": str(spouse.id), "former_head_relationship": "spouse"},
            format="json",
        )
        assert response.status_code == 200, response.data
        relationships = {m["id"]: m["relationship"] for m in response.data["members"]}
        assert relationships == {str(spouse.id): "head", str(head.id): "spouse"}

    def test_change_head_to_member_of_other_household(self, users, client_for, household, areas):
        other = HouseholdFactory(area=areas["20641"])
        response = client_for(users["officer"]).post(
            f"/api/v1/households/{household.id}/change-head/",
            {"member": str(other.members.get().id), "former_head_relationship": "other"},
            format="json",
        )
        assert response.status_code == 400 and "member" in response.data

    def test_archive_head_needs_a_new_head_first(self, users, client_for, household):
        client = client_for(users["officer"])
        head = household.members.get(relationship="head")
        spouse = household.members.get(relationship="spouse")
        refused = client.post(f"{URL}{head.id}/archive/", {"reason": "deceased"}, format="json")
        assert refused.status_code == 400 and "change-head" in str(refused.data["member"])

        client.post(f"{URL}{spouse.id}/archive/", {"reason": "moved_out"}, format="json")
        alone = client.post(f"{URL}{head.id}/archive/", {"reason": "deceased"}, format="json")
        assert alone.status_code == 200
        assert Member.objects.filter(household=household).count() == 2  # nothing deleted

    def test_archived_member_is_read_only(self, users, client_for, household):
        client = client_for(users["officer"])
        spouse = household.members.get(relationship="spouse")
        client.post(f"{URL}{spouse.id}/archive/", {"reason": "moved_out"}, format="json")
        assert client.patch(f"{URL}{spouse.id}/", {"ethnicity": "Kinh"}, format="json").status_code == 409
        assert client.post(f"{URL}{spouse.id}/archive/", {"reason": "moved_out"}, format="json").status_code == 409

    def test_member_cannot_move_household(self, users, client_for, household, areas):
        other = HouseholdFactory(area=areas["20641"])
        spouse = household.members.get(relationship="spouse")
        response = client_for(users["officer"]).patch(f"{URL}{spouse.id}/", {"household": str(other.id)}, format="json")
        assert response.status_code == 400 and "household" in response.data

    def test_national_id_conflict_on_update(self, users, client_for, household):
        spouse = household.members.get(relationship="spouse")
        response = client_for(users["officer"]).patch(f"{URL}{spouse.id}/", {"national_id": "048080001234"}, format="json")
        assert response.status_code == 400 and "already used" in str(response.data["national_id"])

    def test_stale_if_match(self, users, client_for, household):
        client = client_for(users["officer"])
        spouse = household.members.get(relationship="spouse")
        etag = client.get(f"{URL}{spouse.id}/")["ETag"]
        assert client.patch(f"{URL}{spouse.id}/", {"ethnicity": "Kinh"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
        stale = client.patch(f"{URL}{spouse.id}/", {"ethnicity": "Tày"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        spouse.refresh_from_db()
        assert spouse.ethnicity == "Kinh"

    def test_out_of_scope_member_is_404(self, users, client_for, household):
        spouse = household.members.get(relationship="spouse")
        client = client_for(users["hanoi"])
        assert client.get(f"{URL}{spouse.id}/").status_code == 404
        assert client.patch(f"{URL}{spouse.id}/", {"ethnicity": "Kinh"}, format="json").status_code == 404
        assert client.get(URL).data["results"] == []

    def test_bad_household_filter(self, users, client_for, household):
        response = client_for(users["officer"]).get(URL, {"household": "not-a-uuid"})
        assert response.status_code == 400 and "household" in response.data
