"""Tokens that expire, are stored hashed and can be revoked; failed logins throttled."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from povertycase.accounts.models import LoginFailure
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def log_in(username, password=PASSWORD, client=None, **extra):
    return (client or APIClient()).post(TOKEN_URL, {"username": username, "password": password}, format="json",
                                        **extra)


def with_token(token, scheme="Token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return client


@pytest.mark.django_db
class TestTokens:
    def test_a_token_lasts_a_working_day_and_is_stored_hashed(self, users):
        response = log_in("officer")
        assert response.status_code == 200
        token = response.data["token"]
        expiry = timezone.datetime.fromisoformat(response.data["expiry"])
        assert timedelta(hours=7, minutes=59) < expiry - timezone.now() <= timedelta(hours=8)
        stored = AuthToken.objects.get(user=users["officer"])
        assert token not in (stored.digest, stored.token_key) and len(stored.digest) == 128
        assert with_token(token).get("/api/v1/households/").status_code == 200

    def test_an_expired_token_is_refused(self, users):
        token = log_in("officer").data["token"]
        AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
        assert with_token(token).get("/api/v1/households/").status_code == 401

    def test_the_lifetime_is_configurable(self, users, settings):
        settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(minutes=30)}
        expiry = timezone.datetime.fromisoformat(log_in("officer").data["expiry"])
        assert expiry - timezone.now() <= timedelta(minutes=30)

    def test_bearer_is_accepted_as_well_as_token(self, users):
        token = log_in("viewer").data["token"]
        assert with_token(token, "Bearer").get("/api/v1/auth/me/").data["username"] == "viewer"
        assert with_token(token, "bearer").get("/api/v1/auth/me/").status_code == 200
        assert with_token(f"{token} extra", "Bearer").get("/api/v1/auth/me/").status_code == 401
        assert with_token("ünïcode", "Token").get("/api/v1/auth/me/").status_code == 401

    def test_me_says_who_the_caller_is(self, users):
        token = log_in("manager").data["token"]
        me = with_token(token).get("/api/v1/auth/me/").data
        assert (me["id"], me["username"], me["role"], me["area"]) == (users["manager"].id, "manager", "manager", "48")

    def test_logout_revokes_only_the_token_it_was_sent_with(self, users):
        phone, office = log_in("officer").data["token"], log_in("officer").data["token"]
        response = with_token(phone).post("/api/v1/auth/logout/")
        assert response.status_code == 204
        assert with_token(phone).get("/api/v1/households/").status_code == 401
        assert with_token(office).get("/api/v1/households/").status_code == 200
        assert APIClient().post("/api/v1/auth/logout/").status_code == 401

    def test_logout_ends_a_browser_session(self, users):
        client = APIClient(enforce_csrf_checks=False)
        client.login(username="officer", password=PASSWORD)
        assert client.post("/api/v1/auth/logout/").status_code == 204
        assert client.get("/api/v1/households/").status_code in (401, 403)

    @pytest.mark.parametrize("change", [
        {"password": "another-long-password-2"},
        {"role": "viewer"},
        {"area": "20662"},
        {"is_active": False},
    ])
    def test_changing_password_role_area_or_status_revokes_every_token(self, users, client_for, change):
        tokens = [log_in("officer").data["token"] for _ in range(2)]
        response = client_for(users["admin48"]).patch(f"/api/v1/users/{users['officer'].id}/", change, format="json")
        assert response.status_code == 200, response.data
        assert [with_token(t).get("/api/v1/auth/me/").status_code for t in tokens] == [401, 401]

    def test_changing_a_name_keeps_the_tokens(self, users, client_for):
        token = log_in("officer").data["token"]
        client_for(users["admin48"]).patch(f"/api/v1/users/{users['officer'].id}/", {"first_name": "Lan"},
                                           format="json")
        assert with_token(token).get("/api/v1/auth/me/").status_code == 200


@pytest.mark.django_db
class TestLoginThrottle:
    def test_ten_failures_for_a_username_lock_it_for_fifteen_minutes(self, users):
        for _ in range(10):
            assert log_in("officer", "wrong").status_code == 400
        refused = log_in("officer")  # even the right password
        assert refused.status_code == 429
        assert 14 * 60 < int(refused["Retry-After"]) <= 15 * 60
        assert "Too many failed logins" in refused.data["detail"]
        assert log_in("manager").status_code == 200  # other usernames are not locked
        assert log_in("OFFICER", "wrong").status_code == 429  # nor dodged by changing case

    def test_the_lock_lifts_when_the_window_passes(self, users):
        for _ in range(10):
            log_in("officer", "wrong")
        LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=15, seconds=1))
        assert log_in("officer").status_code == 200

    def test_successful_logins_do_not_count(self, users):
        for _ in range(9):
            log_in("officer", "wrong")
        for _ in range(5):
            assert log_in("officer").status_code == 200
        assert log_in("officer", "wrong").status_code == 400
        assert log_in("officer").status_code == 429

    def test_one_address_is_throttled_across_usernames(self, users, settings):
        settings.LOGIN_FAILURES_PER_ADDRESS = 5
        for n in range(5):
            assert log_in(f"nobody{n}", "wrong", REMOTE_ADDR="203.0.113.7").status_code == 400
        refused = log_in("officer", REMOTE_ADDR="203.0.113.7")
        assert refused.status_code == 429 and 59 * 60 < int(refused["Retry-After"]) <= 3600
        assert log_in("officer", REMOTE_ADDR="203.0.113.8").status_code == 200

    def test_the_default_address_limit_is_a_hundred_an_hour(self, users):
        LoginFailure.objects.bulk_create([LoginFailure(username=f"u{n}", address="203.0.113.9") for n in range(99)])
        assert log_in("officer", "wrong", REMOTE_ADDR="203.0.113.9").status_code == 400
        assert log_in("officer", REMOTE_ADDR="203.0.113.9").status_code == 429

    @pytest.mark.parametrize("url", ["/admin/login/", "/api-auth/login/"])
    def test_browser_login_pages_are_throttled_the_same_way(self, users, url):
        client = APIClient()
        for _ in range(10):
            page = client.post(url, {"username": "admin", "password": "wrong"})
            assert page.status_code == 200  # the form again, with its error
        refused = client.post(url, {"username": "admin", "password": PASSWORD})
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert log_in("admin").status_code == 429  # one count for every door

    def test_a_browser_login_that_succeeds_does_not_count(self, users):
        client = APIClient()
        response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
        assert response.status_code == 302
        assert not LoginFailure.objects.exists()

    def test_signed_in_users_trying_other_passwords_count(self, users):
        client = APIClient()
        client.force_login(users["admin"])
        client.post("/admin/login/", {"username": "admin48", "password": "wrong"})
        assert LoginFailure.objects.filter(username="admin48").count() == 1
