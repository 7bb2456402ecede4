import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from povertycase.access import SYSTEM
from povertycase.accounts.models import User
from tests.factories import PASSWORD, HouseholdFactory

URL = "/api/v1/users/"


@pytest.mark.django_db
class TestAuth:
    def test_token_login_and_use(self, users, household):
        client = APIClient()
        response = client.post("/api/v1/auth/token/", {"username": "officer", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
        assert client.get("/api/v1/households/").data["results"][0]["code"] == household.code
        assert client.get("/api/v1/auth/me/").data == {
            "id": users["officer"].id, "username": "officer", "first_name": "", "last_name": "",
            "role": "officer", "area": "20641",
        }

    def test_wrong_password(self, users):
        response = APIClient().post("/api/v1/auth/token/", {"username": "officer", "password": "nope"}, format="json")
        assert response.status_code == 400
        assert "Unable to log in" in str(response.data["non_field_errors"])

    def test_missing_fields_are_named(self, users):
        response = APIClient().post("/api/v1/auth/token/", {}, format="json")
        assert response.status_code == 400 and {"username", "password"} <= set(response.data)

    def test_bad_token_is_401(self, users):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token deadbeef")
        assert client.get("/api/v1/households/").status_code == 401

    def test_inactive_user_cannot_log_in(self, users, client_for):
        client_for(users["admin"]).patch(f"{URL}{users['viewer'].id}/", {"is_active": False}, format="json")
        response = APIClient().post("/api/v1/auth/token/", {"username": "viewer", "password": PASSWORD}, format="json")
        assert response.status_code == 400

    def test_session_login_for_browsable_api(self, users):
        client = APIClient()
        assert client.login(username="manager", password=PASSWORD)
        assert client.get("/api/v1/households/").status_code == 200

    def test_superuser_is_a_whole_country_admin(self, areas, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
        call_command("createsuperuser", username="root", email="root@example.org", interactive=False)
        root = User.objects.get(username="root")
        assert (root.role, root.area) == ("admin", None)
        HouseholdFactory(area=areas["00004"])
        HouseholdFactory(area=areas["20641"])
        client = APIClient()
        client.force_authenticate(root)
        assert len(client.get("/api/v1/households/").data["results"]) == 2


@pytest.mark.django_db
class TestUsers:
    def test_admin_creates_user_with_role_and_area(self, users, client_for):
        client = client_for(users["admin48"])
        response = client.post(URL, {"username": "canbo", "password": "quang-nam-2026", "role": "officer",
                                     "area": "20662"}, format="json")
        assert response.status_code == 201, response.data
        assert "password" not in response.data
        assert (response.data["role"], response.data["area"]) == ("officer", "20662")
        assert APIClient().post("/api/v1/auth/token/", {"username": "canbo", "password": "quang-nam-2026"},
                                format="json").status_code == 200

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"username": "a", "password": "quang-nam-2026", "role": "officer"}, "area"),
            ({"username": "a", "password": "123", "role": "officer", "area": "20641"}, "password"),
            ({"username": "officer", "password": "quang-nam-2026", "role": "officer", "area": "20641"}, "username"),
            ({"username": "a", "password": "quang-nam-2026", "role": "boss", "area": "20641"}, "role"),
            ({"username": "a", "password": "quang-nam-2026", "role": "officer", "area": "00004"}, "area"),
            ({"username": "a b", "password": "quang-nam-2026", "role": "officer", "area": "20641"}, "username"),
            # "Hồ" typed in two Unicode forms would be two users: accented names are refused.
            ({"username": "hồ.thảo", "password": "quang-nam-2026", "role": "officer", "area": "20641"}, "username"),
        ],
    )
    def test_bad_users_are_refused(self, users, client_for, body, field):
        response = client_for(users["admin48"]).post(URL, body, format="json")
        assert response.status_code == 400
        assert field in response.data, response.data

    def test_provincial_admin_cannot_make_country_admins(self, users, client_for):
        response = client_for(users["admin48"]).post(
            URL, {"username": "x", "password": "quang-nam-2026", "role": "admin", "area": None}, format="json"
        )
        assert response.status_code == 400 and "area" in response.data

    def test_users_are_scoped(self, users, client_for):
        names = [u["username"] for u in client_for(users["admin48"]).get(URL).data["results"]]
        assert names == ["admin48", "manager", "officer", "viewer"]
        assert client_for(users["admin48"]).get(f"{URL}{users['hanoi'].id}/").status_code == 404
        assert len(client_for(users["admin"]).get(URL).data["results"]) == 6

    @pytest.mark.parametrize("role", ["manager", "officer", "viewer"])
    def test_only_admins_manage_users(self, users, client_for, role):
        assert client_for(users[role]).get(URL).status_code == 403

    def test_cannot_demote_yourself(self, users, client_for):
        response = client_for(users["admin48"]).patch(f"{URL}{users['admin48'].id}/", {"role": "viewer"}, format="json")
        assert response.status_code == 400

    def test_no_delete(self, users, client_for):
        assert client_for(users["admin"]).delete(f"{URL}{users['viewer'].id}/").status_code == 405


@pytest.mark.django_db
class TestDjangoAdmin:
    def test_admin_changelist_is_scoped(self, users, areas):
        inside = HouseholdFactory(area=areas["20641"])
        outside = HouseholdFactory(area=areas["00004"])
        client = APIClient()
        client.force_login(users["admin48"])
        page = client.get("/admin/households/household/")
        assert page.status_code == 200
        assert inside.code in page.content.decode() and outside.code not in page.content.decode()
        assert client.get(f"/admin/households/household/{outside.pk}/change/").status_code in (302, 404)

    def test_officers_cannot_open_the_admin(self, users):
        client = APIClient()
        client.force_login(users["officer"])
        assert client.get("/admin/households/household/").status_code == 302


@pytest.mark.django_db
def test_reviews_in_the_admin_are_scoped(users, areas):
    from datetime import date

    from households.services import review_record

    inside = HouseholdFactory(area=areas["20641"], code="INSIDE-1")
    outside = HouseholdFactory(area=areas["00004"], code="OUTSIDE-1")
    for household in (inside, outside):
        review_record(by=SYSTEM, household=household, year=2024, kind="periodic", reviewed_on=date(2024, 10, 1),
                      income_per_capita=1_000_000, deprivations=[])
    client = APIClient()
    client.force_login(users["admin48"])
    page = client.get("/admin/households/review/").content.decode()
    assert "INSIDE-1" in page and "OUTSIDE-1" not in page
    assert client.get("/admin/households/povertystandard/").status_code == 200
