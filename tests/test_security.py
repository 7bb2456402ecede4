"""What a security probe broke, each tried again through HTTP."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from households.models import Household, Member, PovertyStandard
from povertycase.access import SYSTEM
from tests.concurrency import at_once
from tests.factories import HouseholdFactory, member_data

ROOT = Path(__file__).resolve().parent.parent
STANDARD = "/api/v1/poverty-standards/VN-2022-2025/"


@pytest.mark.django_db
class TestPovertyStandards:
    """A standard holds for every commune: only an admin of the whole country changes it."""

    @pytest.mark.parametrize("who", ["admin48", "manager", "officer", "viewer"])
    def test_no_one_else_changes_a_standard(self, users, client_for, household, who):
        client = client_for(users[who])
        line = PovertyStandard.objects.get(code="VN-2022-2025").rural_line
        assert client.patch(STANDARD, {"rural_line": 1}, format="json").status_code == 403
        body = {**client.get(STANDARD).data, "code": "VN-TEST", "first_year": 2040, "last_year": 2041}
        assert client.post("/api/v1/poverty-standards/", body, format="json").status_code == 403
        assert PovertyStandard.objects.get(code="VN-2022-2025").rural_line == line
        assert not PovertyStandard.objects.filter(code="VN-TEST").exists()
        assert client.get(STANDARD).status_code == 200  # everyone still reads them

    def test_a_whole_country_admin_does(self, users, client_for):
        response = client_for(users["admin"]).patch(STANDARD, {"rural_line": 1_600_000}, format="json")
        assert response.status_code == 200 and response.data["rural_line"] == 1_600_000


@pytest.mark.django_db
class TestDjangoAdminScope:
    """Every admin page that names an object outside the caller's area answers 404."""

    @pytest.fixture
    def admin48(self, users):
        client = APIClient()
        client.force_login(users["admin48"])
        return client

    @pytest.fixture
    def outside(self, areas):
        household = HouseholdFactory(area=areas["00004"], members=[member_data(national_id="001090004321",
                                                                               ethnicity="Tày", disability=True)])
        member = household.members.get()
        from households.services import member_update
        member_update(member=member, by=SYSTEM, changes={"full_name": "Hoàng Thị Mai"})
        return household, member

    def pages(self, app, model, obj):
        record = type(obj).history.filter(**{type(obj)._meta.pk.attname: obj.pk}).latest("history_date")
        base = f"/admin/{app}/{model}/{obj.pk}"
        return [f"{base}/change/", f"{base}/history/", f"{base}/history/{record.history_id}/", f"{base}/delete/"]

    def test_another_areas_member_and_household_are_404_on_every_page(self, admin48, outside):
        household, member = outside
        for url in self.pages("households", "member", member) + self.pages("households", "household", household):
            response = admin48.get(url)
            assert response.status_code == 404, url
            assert "Hoàng Thị Mai" not in response.content.decode() and "001090004321" not in response.content.decode()

    def test_own_areas_pages_open_but_never_show_national_ids(self, admin48, household):
        member = household.members.get(relationship="head")
        from households.services import member_update
        member_update(member=member, by=SYSTEM, changes={"national_id": "048080009999"})
        for url in self.pages("households", "member", member)[:3] + self.pages("households", "household", household)[:3]:
            response = admin48.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert "048080001234" not in page and "048080009999" not in page, url
        assert "••••" in admin48.get(f"/admin/households/member/{member.pk}/history/").content.decode()

    def test_a_history_entry_cannot_be_posted_back(self, admin48, household):
        record = Household.history.filter(id=household.pk).latest("history_date")
        url = f"/admin/households/household/{household.pk}/history/{record.history_id}/"
        response = admin48.post(url, {"address": "changed", "_change_history": "1"})
        assert response.status_code in (403, 404)
        household.refresh_from_db()
        assert household.address != "changed"

    def test_other_models_too(self, admin48, users, areas):
        from programmes.models import Programme
        programme = Programme.objects.create(code="HN-1", name="Hà Nội", kind="livelihood", area=areas["00004"],
                                             starts_on="2025-01-01", budget=1, funding_source="local",
                                             eligible_classes=["poor"])
        for url in [f"/admin/programmes/programme/{programme.pk}/change/",
                    f"/admin/programmes/programme/{programme.pk}/history/",
                    f"/admin/accounts/user/{users['hanoi'].pk}/change/",
                    f"/admin/accounts/user/{users['hanoi'].pk}/history/",
                    "/admin/households/member/not-a-uuid/history/"]:
            assert admin48.get(url).status_code == 404, url


@pytest.mark.django_db
class TestOwnAccount:
    @pytest.mark.parametrize(("change", "field"), [
        ({"area": "20641"}, "area"), ({"role": "viewer"}, "role"), ({"is_active": False}, "is_active")])
    def test_nobody_changes_their_own_role_area_or_status(self, users, client_for, change, field):
        me = users["admin48"]
        response = client_for(me).patch(f"/api/v1/users/{me.id}/", change, format="json")
        assert response.status_code == 400 and field in response.data
        me.refresh_from_db()
        assert (me.area.code, me.role, me.is_active) == ("48", "admin", True)

    def test_but_may_change_their_name_and_password(self, users, client_for):
        me = users["admin48"]
        response = client_for(me).patch(f"/api/v1/users/{me.id}/", {"first_name": "Hùng", "area": "48"},
                                        format="json")
        assert response.status_code == 200


@pytest.mark.django_db
class TestDeepJson:
    DEEP = "[" * 100_000 + "]" * 100_000

    def test_anonymous_login_with_a_deeply_nested_body_is_a_400(self, users):
        response = APIClient().post("/api/v1/auth/token/", self.DEEP, content_type="application/json")
        assert response.status_code == 400 and "nested" in response.data["detail"]

    def test_a_register_write_too(self, users, client_for):
        client = client_for(users["officer"])
        response = client.post("/api/v1/households/", self.DEEP, content_type="application/json")
        assert response.status_code == 400
        nested = {"area": "20641", "poverty_causes": json.loads("[" * 40 + "]" * 40)}
        response = client.post("/api/v1/households/", nested, format="json")
        assert response.status_code == 400 and "nested more than 32" in response.data["detail"]
        assert not Household.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_create_retried_at_the_same_moment_stores_one_household(users, areas):
    """Four requests with the same client id at once (a phone retrying on a slow line): one
    201, three 200 with the stored household, on SQLite as on PostgreSQL."""
    household_id = str(uuid.uuid4())
    body = {"id": household_id, "area": "2064101", "members": [
        {"full_name": "Nguyễn Văn Đặng", "sex": "male", "date_of_birth": "1979-03-02", "relationship": "head",
         "national_id": "048079000111"}]}

    def create(_n):
        client = APIClient()
        client.force_authenticate(users["officer"])
        response = client.post("/api/v1/households/", body, format="json")
        return response.status_code, response.json().get("id")

    answers = at_once(create, range(4))
    assert sorted(status for status, _id in answers) == [200, 200, 200, 201], answers
    assert {found for _status, found in answers} == {household_id}
    assert Household.objects.count() == 1 and Member.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_sqlite_wait_instead_of_failing(users, areas):
    """Eight officers registering households at once: each is stored, none answers 500."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite settings (WAL, busy timeout, immediate transactions) are under test")

    def register(n):
        client = APIClient()
        client.force_authenticate(users["officer"])
        return client.post("/api/v1/households/", {"area": "2064101", "members": [
            {"full_name": f"Người {n}", "sex": "female", "date_of_birth": "1990-01-01",
             "relationship": "head"}]}, format="json").status_code

    statuses = at_once(register, range(8))
    assert statuses == [201] * 8
    assert Household.objects.count() == 8


@pytest.mark.django_db
def test_api_responses_are_never_cached(users, client_for, household):
    response = client_for(users["officer"]).get(f"/api/v1/households/{household.pk}/")
    assert response["Cache-Control"] == "no-store"
    assert client_for(users["officer"]).get("/api/v1/members/")["Cache-Control"] == "no-store"


def test_docs_pages_carry_a_content_security_policy(client):
    for url in ("/api/docs/", "/api/redoc/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert response.status_code == 200
        assert "script-src 'self'" in policy and "default-src 'self'" in policy
        page = response.content.decode()
        assert "https://" not in page and "<script>" not in page  # no CDN, no inline script


@pytest.mark.parametrize("key", [None, "change-me-to-a-long-random-string", "short", "django-insecure-" + "x" * 60])
def test_without_debug_the_service_refuses_to_start_without_a_real_secret_key(key):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DEBUG="false", DATABASE_URL="sqlite:////tmp/unused.sqlite3")
    if key is not None:
        env["SECRET_KEY"] = key
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "Set SECRET_KEY to a random string" in result.stderr


def test_with_a_real_key_it_starts():
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "k7#Qp" * 12, "DATABASE_URL": "sqlite:////tmp/unused.sqlite3"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
