"""Bad input of any shape gets a 4xx with a message, never a 500, and changes nothing."""

import pytest

from households.models import Household

URL = "/api/v1/households/"


@pytest.fixture
def officer(users, client_for):
    return client_for(users["officer"])


@pytest.mark.django_db
class TestBadInput:
    def test_broken_json(self, officer):
        response = officer.post(URL, '{"area": "20641",', content_type="application/json")
        assert response.status_code == 400
        assert "JSON parse error" in response.data["detail"]

    def test_json_that_is_not_an_object(self, officer):
        response = officer.post(URL, "[1, 2]", content_type="application/json")
        assert response.status_code == 400
        assert "non_field_errors" in response.data

    def test_lone_surrogate(self, officer):
        response = officer.post(URL, '{"area": "20641", "address": "\\ud800"}', content_type="application/json")
        assert response.status_code == 400
        assert "not valid Unicode" in response.data["detail"]

    def test_nul_character(self, officer):
        response = officer.post(URL, {"area": "20641", "address": "a\x00b"}, format="json")
        assert response.status_code == 400
        assert "address" in response.data

    def test_huge_string(self, officer):
        response = officer.post(URL, {"area": "20641", "address": "x" * 100_000}, format="json")
        assert response.status_code == 400
        assert "255" in str(response.data["address"])

    def test_body_over_the_limit(self, officer, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = officer.post(URL, {"area": "20641", "address": "x" * 2000}, format="json")
        assert response.status_code == 400

    @pytest.mark.parametrize("value", [1, True, None, [], {"a": 1}])
    def test_wrong_types(self, officer, value):
        response = officer.post(URL, {"area": "20641", "ethnic_minority": "often", "members": value}, format="json")
        assert response.status_code == 400
        assert "ethnic_minority" in response.data

    def test_malformed_uuid_in_path(self, officer):
        response = officer.get(f"{URL}not-a-uuid/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"

    def test_unsupported_media_type(self, officer):
        response = officer.post(URL, "area=20641", content_type="text/plain")
        assert response.status_code == 415

    def test_nothing_written_on_refusal(self, officer):
        body = {"area": "20641", "members": [
            {"full_name": "A", "sex": "male", "date_of_birth": "1990-01-01", "relationship": "head"},
            {"full_name": "B", "sex": "female", "date_of_birth": "1990-01-01", "relationship": "head"},
        ]}
        assert officer.post(URL, body, format="json").status_code == 400
        assert not Household.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/households/{household}/recommendations/?on=",
                                 "/api/v1/programmes/{programme}/disbursement/?period="])
def test_parameters_read_by_a_serializer_refuse_a_blank_value_too(users, client_for, household, areas, url):
    from programmes.models import Programme
    programme = Programme.objects.create(code="P", name="P", kind="livelihood", area=areas["20641"],
                                         starts_on="2025-01-01", budget=1, funding_source="local",
                                         eligible_classes=["poor"])
    response = client_for(users["manager"]).get(url.format(household=household.pk, programme=programme.pk))
    assert response.status_code == 400
    assert list(response.data.values()) == [["Leave this parameter out, or give it a value."]]


@pytest.mark.django_db
def test_the_api_root_lists_the_resources_and_the_contract(client):
    body = client.get("/api/v1/").json()
    assert body["resources"]["households"].endswith("/api/v1/households/")
    assert body["schema"].endswith("/api/schema/") and body["docs"].endswith("/api/docs/")
