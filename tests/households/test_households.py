import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from households.models import Household, Member
from tests.factories import HouseholdFactory, member_data

URL = "/api/v1/households/"


def new_household(**overrides):
    body = {
        "area": "2064101",
        "address": "Tổ 3, Thôn 1",
        "ethnic_minority": False,
        "poverty_causes": ["lack_of_capital", "illness_or_accident"],
        "support_needs": ["credit"],
        "members": [
            {"full_name": "Nguyễn Văn Đặng", "sex": "male", "date_of_birth": "1979-03-02",
             "relationship": "head", "national_id": "048079000111"},
            {"full_name": "Lê Thị Hoa", "sex": "female", "date_of_birth": "1982-11-20",
             "relationship": "spouse", "has_health_insurance": True},
        ],
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
class TestCreate:
    def test_creates_household_with_members_and_generated_code(self, users, client_for):
        response = client_for(users["officer"]).post(URL, new_household(), format="json")

        assert response.status_code == 201, response.data
        body = response.data
        assert body["code"] == "20641-000001"  # from the commune of the village
        assert body["residence"] == "rural"  # from the area
        assert body["status"] == "active"
        assert [m["full_name"] for m in body["members"]] == ["Nguyễn Văn Đặng", "Lê Thị Hoa"]
        assert response["ETag"] == f'"{body["version"]}"'

        second = client_for(users["officer"]).post(URL, new_household(members=[]), format="json")
        assert second.data["code"] == "20641-000002"

    def test_detail_returns_members_inline(self, users, client_for):
        created = client_for(users["officer"]).post(URL, new_household(), format="json").data
        detail = client_for(users["viewer"]).get(f"{URL}{created['id']}/")
        assert detail.status_code == 200
        assert {m["relationship"] for m in detail.data["members"]} == {"head", "spouse"}

    def test_retry_with_same_client_id_returns_stored_household(self, users, client_for):
        client = client_for(users["officer"])
        household_id = str(uuid.uuid4())
        first = client.post(URL, new_household(id=household_id), format="json")
        retry = client.post(URL, new_household(id=household_id, address="changed"), format="json")

        assert first.status_code == 201
        assert retry.status_code == 200
        assert retry.data["address"] == "Tổ 3, Thôn 1"
        assert Household.objects.filter(pk=household_id).count() == 1
        assert Member.objects.filter(household_id=household_id).count() == 2

    def test_client_id_used_outside_your_area_is_a_conflict(self, users, client_for, areas):
        other = HouseholdFactory(area=areas["00004"])
        response = client_for(users["officer"]).post(URL, new_household(id=str(other.id)), format="json")
        assert response.status_code == 409

    @pytest.mark.parametrize(
        ("change", "field_path", "message_part"),
        [
            ({"area": "48"}, ["area"], "not a province"),
            ({"area": "00004"}, ["area"], "with code 00004 in your area"),
            ({"area": "99999"}, ["area"], "with code 99999 in your area"),
            ({"residence": "suburban"}, ["residence"], "not a valid choice"),
            ({"poverty_causes": ["bad_luck"]}, ["poverty_causes", "0"], "not a valid choice"),
            ({"poverty_causes": ["other", "other"]}, ["poverty_causes"], "once"),
            ({"code": "x" * 33}, ["code"], "32 characters"),
            ({"code": "has space"}, ["code"], "letters, digits"),
        ],
    )
    def test_bad_household_fields_are_named(self, users, client_for, change, field_path, message_part):
        response = client_for(users["manager"]).post(URL, new_household(**change), format="json")
        assert response.status_code == 400
        error = response.json()
        for key in field_path:
            error = error[key]
        assert message_part in str(error)
        assert not Household.objects.exists()

    @pytest.mark.parametrize(
        ("member_change", "field", "message_part"),
        [
            ({"national_id": "12345"}, "national_id", "12"),
            ({"national_id": "04807900011a"}, "national_id", "12 digits"),
            ({"date_of_birth": str(timezone.localdate() + timedelta(days=1))}, "date_of_birth", "future"),
            ({"sex": "other"}, "sex", "not a valid choice"),
            ({"relationship": "cousin"}, "relationship", "not a valid choice"),
            ({"full_name": ""}, "full_name", "blank"),
        ],
    )
    def test_bad_member_fields_are_named_by_position(self, users, client_for, member_change, field, message_part):
        body = new_household()
        body["members"][1].update(member_change)
        response = client_for(users["officer"]).post(URL, body, format="json")
        assert response.status_code == 400, response.data
        errors = response.json()["members"]
        assert list(errors) == ["1"]
        assert message_part in str(errors["1"][field])
        assert not Household.objects.exists() and not Member.objects.exists()

    def test_exactly_one_head(self, users, client_for):
        body = new_household()
        body["members"][1]["relationship"] = "head"
        two = client_for(users["officer"]).post(URL, body, format="json")
        body["members"][0]["relationship"] = "child"
        body["members"][1]["relationship"] = "spouse"
        none = client_for(users["officer"]).post(URL, body, format="json")

        assert two.status_code == none.status_code == 400
        assert "exactly one head; this one has 2" in str(two.data["members"])
        assert "this one has 0" in str(none.data["members"])

    def test_national_id_used_by_another_member(self, users, client_for, household):
        body = new_household()
        body["members"][0]["national_id"] = "048080001234"
        response = client_for(users["officer"]).post(URL, body, format="json")
        assert response.status_code == 400
        assert "already used" in str(response.json()["members"]["0"]["national_id"])

    def test_same_national_id_twice_in_one_household(self, users, client_for):
        body = new_household()
        body["members"][1]["national_id"] = body["members"][0]["national_id"]
        response = client_for(users["officer"]).post(URL, body, format="json")
        assert response.status_code == 400
        assert "member 1" in str(response.json()["members"]["1"]["national_id"])

    def test_chosen_code_must_be_unique(self, users, client_for, household):
        response = client_for(users["officer"]).post(URL, new_household(code=household.code), format="json")
        assert response.status_code == 400
        assert "already exists" in str(response.data["code"])

    def test_viewer_cannot_write(self, users, client_for):
        response = client_for(users["viewer"]).post(URL, new_household(), format="json")
        assert response.status_code == 403

    def test_anonymous_gets_401(self, areas):
        from rest_framework.test import APIClient

        assert APIClient().get(URL).status_code == 401

    def test_no_delete(self, users, client_for, household):
        response = client_for(users["admin"]).delete(f"{URL}{household.id}/")
        assert response.status_code == 405
        assert Household.objects.filter(pk=household.pk).exists()


@pytest.mark.django_db
class TestScope:
    def test_out_of_area_household_does_not_exist(self, users, client_for, areas, household):
        hanoi = client_for(users["hanoi"])
        assert hanoi.get(f"{URL}{household.id}/").status_code == 404
        assert hanoi.patch(f"{URL}{household.id}/", {"address": "x"}, format="json").status_code == 404
        assert hanoi.post(f"{URL}{household.id}/archive/", {"reason": "moved"}, format="json").status_code == 404
        assert hanoi.get(f"{URL}{household.id}/history/").status_code == 404
        assert hanoi.get(URL).data["results"] == []

    def test_province_user_sees_the_province(self, users, client_for, areas, household):
        other_commune = HouseholdFactory(area=areas["20662"])
        HouseholdFactory(area=areas["00004"])
        codes = {h["code"] for h in client_for(users["manager"]).get(URL).data["results"]}
        assert codes == {household.code, other_commune.code}

    def test_commune_user_sees_only_the_commune(self, users, client_for, areas, household):
        HouseholdFactory(area=areas["20662"])
        codes = [h["code"] for h in client_for(users["officer"]).get(URL).data["results"]]
        assert codes == [household.code]

    def test_whole_country_admin_sees_everything(self, users, client_for, areas, household):
        HouseholdFactory(area=areas["00004"])
        assert len(client_for(users["admin"]).get(URL).data["results"]) == 2

    def test_cannot_move_household_out_of_area(self, users, client_for, household):
        response = client_for(users["officer"]).patch(f"{URL}{household.id}/", {"area": "20662"}, format="json")
        assert response.status_code == 400
        assert "in your area" in str(response.data["area"])


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def register(self, areas):
        return {
            "village": HouseholdFactory(area=areas["2064101"], members=[member_data(full_name="Nguyễn Văn Đặng")]),
            "commune": HouseholdFactory(area=areas["20641"], ethnic_minority=True,
                                        members=[member_data(full_name="Hồ Thị Mai", sex="female")]),
            "ward": HouseholdFactory(area=areas["20194"], members=[member_data(full_name="Đỗ Minh Tài")]),
            "hanoi": HouseholdFactory(area=areas["00004"], members=[member_data(full_name="Phạm Đức Sơn")]),
        }

    def codes(self, client, **params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.data
        return {h["code"] for h in response.data["results"]}

    def test_area_includes_every_unit_below(self, users, client_for, register):
        client = client_for(users["admin"])
        assert self.codes(client, area="20641") == {register["village"].code, register["commune"].code}
        assert self.codes(client, area="2064101") == {register["village"].code}
        assert self.codes(client, area="48") == {register[k].code for k in ("village", "commune", "ward")}

    def test_area_outside_your_scope_is_refused(self, users, client_for, register):
        response = client_for(users["officer"]).get(URL, {"area": "00004"})
        assert response.status_code == 400
        assert "area" in response.data

    def test_residence_and_ethnic_minority_and_status(self, users, client_for, register):
        client = client_for(users["admin"])
        assert self.codes(client, residence="urban") == {register["ward"].code, register["hanoi"].code}
        assert self.codes(client, ethnic_minority="true") == {register["commune"].code}
        assert len(self.codes(client, ethnic_minority="false")) == 3
        client.post(f"{URL}{register['ward'].id}/archive/", {"reason": "moved"}, format="json")
        assert self.codes(client, status="archived") == {register["ward"].code}

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"ethnic_minority": "maybe"}, "ethnic_minority"),
            ({"status": "gone"}, "status"),
            ({"residence": "suburb"}, "residence"),
            ({"updated_since": "yesterday"}, "updated_since"),
            ({"area": "99999"}, "area"),
            ({"search": "x" * 201}, "search"),
            ({"page_size": "0"}, "page_size"),
            ({"page_size": "abc"}, "page_size"),
            ({"page_size": "501"}, "page_size"),
        ],
    )
    def test_bad_filter_values_are_refused_by_name(self, users, client_for, register, params, field):
        response = client_for(users["admin"]).get(URL, params)
        assert response.status_code == 400
        assert field in response.data

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("nguyen van dang", "village"),
            ("NGUYỄN VĂN ĐẶNG", "village"),
            ("dang nguyen", "village"),
            ("ho thi mai", "commune"),
            ("do minh", "ward"),
        ],
    )
    def test_search_ignores_case_and_diacritics(self, users, client_for, register, query, expected):
        assert self.codes(client_for(users["admin"]), search=query) == {register[expected].code}

    def test_a_name_typed_whole_matches_within_one_members_name(self, users, client_for, areas):
        mixed = HouseholdFactory(area=areas["20641"], members=[
            member_data(full_name="Hồ Văn Hùng"),
            member_data(full_name="Bùi Ngọc Thảo", relationship="spouse", sex="female")])
        whole = HouseholdFactory(area=areas["20641"], members=[member_data(full_name="Hồ Thị Thảo", sex="female")])
        client = client_for(users["admin"])
        assert self.codes(client, search="ho thi thao") == {whole.code}
        assert self.codes(client, search="thao ho") == {whole.code}
        assert self.codes(client, search="thao") == {mixed.code, whole.code}
        assert self.codes(client, search=f"{mixed.code} hung") == set()  # the code is a part of its own

    def test_search_matches_household_codes(self, users, client_for, register):
        code = register["hanoi"].code
        assert self.codes(client_for(users["admin"]), search=code.lower()) == {code}

    def test_search_finds_renamed_member_and_forgets_archived(self, users, client_for, register):
        client = client_for(users["admin"])
        head = register["ward"].members.get()
        client.patch(f"/api/v1/members/{head.id}/", {"full_name": "Đỗ Văn Lộc"}, format="json")
        assert self.codes(client, search="do van loc") == {register["ward"].code}
        assert self.codes(client, search="do minh tai") == set()

    def test_updated_since_includes_member_changes(self, users, client_for, register):
        client = client_for(users["admin"])
        mark = timezone.now()
        member = register["commune"].members.get()
        client.patch(f"/api/v1/members/{member.id}/", {"has_health_insurance": True}, format="json")
        assert self.codes(client, updated_since=mark.isoformat()) == {register["commune"].code}

    def test_pages_follow_next_without_counting(self, users, client_for, register, django_assert_max_num_queries):
        client = client_for(users["admin"])
        seen = []
        url = URL + "?page_size=3"
        while url:
            page = client.get(url)
            assert "count" not in page.data
            seen += [h["code"] for h in page.data["results"]]
            url = page.data["next"]
        assert seen == sorted(h.code for h in register.values())


@pytest.mark.django_db
class TestChanges:
    def test_patch_with_stale_etag_is_refused_and_changes_nothing(self, users, client_for, household):
        client = client_for(users["officer"])
        etag = client.get(f"{URL}{household.id}/")["ETag"]
        first = client.patch(f"{URL}{household.id}/", {"address": "Tổ 5"}, format="json", HTTP_IF_MATCH=etag)
        stale = client.patch(f"{URL}{household.id}/", {"address": "Tổ 9"}, format="json", HTTP_IF_MATCH=etag)

        assert first.status_code == 200 and first["ETag"] != etag
        assert stale.status_code == 412
        assert client.get(f"{URL}{household.id}/").data["address"] == "Tổ 5"

    def test_member_change_moves_household_etag(self, users, client_for, household):
        client = client_for(users["officer"])
        etag = client.get(f"{URL}{household.id}/")["ETag"]
        spouse = household.members.get(relationship="spouse")
        client.patch(f"/api/v1/members/{spouse.id}/", {"ethnicity": "Kinh"}, format="json")
        response = client.patch(f"{URL}{household.id}/", {"address": "x"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 412

    def test_if_none_match_saves_the_body(self, users, client_for, household):
        client = client_for(users["viewer"])
        etag = client.get(f"{URL}{household.id}/")["ETag"]
        response = client.get(f"{URL}{household.id}/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304
        assert response.content == b""

    def test_code_and_members_cannot_be_patched_here(self, users, client_for, household):
        response = client_for(users["officer"]).patch(
            f"{URL}{household.id}/", {"code": "NEW-1", "members": []}, format="json"
        )
        household.refresh_from_db()
        assert response.status_code == 200
        assert household.code != "NEW-1"  # read-only fields are documented as such in the schema

    def test_archive_keeps_the_record_and_blocks_changes(self, users, client_for, household):
        client = client_for(users["officer"])
        archived = client.post(f"{URL}{household.id}/archive/", {"reason": "merged", "note": "into 20641-000009"}, format="json")
        again = client.post(f"{URL}{household.id}/archive/", {"reason": "moved"}, format="json")
        patch = client.patch(f"{URL}{household.id}/", {"address": "x"}, format="json")

        assert archived.status_code == 200
        assert (archived.data["status"], archived.data["archive_reason"]) == ("archived", "merged")
        assert again.status_code == 409
        assert patch.status_code == 409
        assert client.get(f"{URL}{household.id}/").status_code == 200

    def test_archive_needs_a_known_reason(self, users, client_for, household):
        response = client_for(users["officer"]).post(f"{URL}{household.id}/archive/", {"reason": "bored"}, format="json")
        assert response.status_code == 400
        assert "reason" in response.data

    def test_history_says_who_when_old_and_new(self, users, client_for, household):
        client = client_for(users["officer"])
        client.patch(f"{URL}{household.id}/", {"address": "Tổ 7", "area": "20641"}, format="json")
        spouse = household.members.get(relationship="spouse")
        client.post(f"/api/v1/members/{spouse.id}/archive/", {"reason": "deceased"}, format="json")

        history = client.get(f"{URL}{household.id}/history/").data
        newest, household_change = history[0], history[1]
        assert newest["object"] == "member" and newest["reason"] == "deceased"
        assert newest["user"] == "officer"
        assert {"field": "status", "old": "active", "new": "archived"} in newest["changes"]
        assert household_change["object"] == "household" and household_change["user"] == "officer"
        assert {"field": "address", "old": "", "new": "Tổ 7"} in household_change["changes"]
        assert {"field": "area", "old": "2064101", "new": "20641"} in household_change["changes"]
        assert history[-1]["action"] == "created"
        assert all(entry["at"] for entry in history)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("since", "status"),
    [("2020-01-01T00:00:00-17:30", 200), ("0001-01-01T00:00:00+01:00", 400), ("9999-12-31T23:59:59-05:00", 400)],
)
def test_updated_since_with_extreme_offsets(users, client_for, household, since, status):
    # Valid ISO 8601, but outside what PostgreSQL (offsets) or Python (years) can hold.
    response = client_for(users["admin"]).get(URL, {"updated_since": since})
    assert response.status_code == status
    if status == 200:
        assert [h["code"] for h in response.data["results"]] == [household.code]
    else:
        assert "out of range" in str(response.data["updated_since"])


@pytest.mark.django_db
class TestResidenceFollowsTheUnit:
    """Urban in a ward, rural in a commune or special zone: the poverty line depends on it."""

    def test_a_residence_that_contradicts_the_unit_is_refused_naming_the_units(self, users, client_for):
        client = client_for(users["admin48"])
        response = client.post(URL, new_household(area="20194", residence="rural", members=[]), format="json")
        assert response.status_code == 400
        assert response.data["residence"] == ["Phường Hải Châu is urban: its households are urban."]
        response = client.post(URL, new_household(area="2064101", residence="urban", members=[]), format="json")
        assert "Thôn 1 is rural" in response.data["residence"][0]
        assert not Household.objects.exists()

    def test_it_defaults_to_the_units(self, users, client_for):
        client = client_for(users["admin48"])
        assert client.post(URL, new_household(area="20194", members=[]), format="json").data["residence"] == "urban"
        assert client.post(URL, new_household(area="20194", residence="urban", members=[]),
                           format="json").status_code == 201

    def test_a_change_that_contradicts_the_unit_is_refused(self, users, client_for, household):
        response = client_for(users["officer"]).patch(f"{URL}{household.pk}/", {"residence": "urban"}, format="json")
        assert response.status_code == 400 and "rural" in response.data["residence"][0]
        household.refresh_from_db()
        assert household.residence == "rural"

    def test_a_household_that_moves_takes_its_new_units_residence(self, users, client_for, household):
        client = client_for(users["admin48"])
        response = client.patch(f"{URL}{household.pk}/", {"area": "20194"}, format="json")
        assert response.status_code == 200 and response.data["residence"] == "urban"
        response = client.patch(f"{URL}{household.pk}/", {"area": "20641", "residence": "urban"}, format="json")
        assert response.status_code == 400 and "residence" in response.data
