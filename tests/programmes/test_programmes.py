import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from povertycase.accounts.models import User
from programmes.models import Programme
from tests.factories import UserFactory

URL = "/api/v1/programmes/"


def programme(**overrides):
    body = {"code": "QS-SEED-2025", "name": "Lúa giống thương phẩm Quế Sơn", "kind": "livelihood",
            "area": "20641", "starts_on": "2025-01-01", "ends_on": "2025-12-31", "budget": 900_000_000,
            "funding_source": "enterprise", "partner": "Công ty Giống cây trồng Quảng Nam",
            "targets": ["employment", "health_insurance"], "eligible_classes": ["poor", "near_poor"],
            "capacity": 60, "status": "open"}
    body.update(overrides)
    return body


@pytest.mark.django_db
class TestProgrammes:
    def test_manager_creates_and_officer_reads(self, manager, users, client_for):
        response = manager.post(URL, programme(), format="json")
        assert response.status_code == 201, response.data
        assert (response.data["area"], response.data["budget"], response.data["status"]) == ("20641", 900_000_000, "open")
        officer = client_for(users["officer"])
        assert [p["code"] for p in officer.get(URL).data["results"]] == ["QS-SEED-2025"]
        assert officer.post(URL, programme(code="X-1"), format="json").status_code == 403
        assert client_for(users["hanoi"]).get(f"{URL}{response.data['id']}/").status_code == 404

    def test_province_programme_is_open_to_its_communes_but_not_theirs_to_change(self, manager, areas, client_for):
        created = manager.post(URL, programme(code="DN-NTP", area="48"), format="json").data
        commune_manager = client_for(UserFactory(username="qs-manager", role=User.Role.MANAGER, area=areas["20641"]))
        assert commune_manager.get(f"{URL}{created['id']}/").status_code == 200
        response = commune_manager.patch(f"{URL}{created['id']}/", {"name": "x"}, format="json")
        assert response.status_code == 403
        assert Programme.objects.get(code="DN-NTP").name != "x"

    def test_training_programme(self, manager):
        body = programme(code="QS-VT-1", kind="vocational_training", occupation="Sửa chữa máy nông nghiệp",
                         provider="Trung tâm GDNN Quế Sơn", hours=320, min_age=16, max_age=45)
        response = manager.post(URL, body, format="json")
        assert response.status_code == 201, response.data
        assert (response.data["hours"], response.data["min_age"], response.data["max_age"]) == (320, 16, 45)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"area": "00004"}, "area"),
            ({"area": "99999"}, "area"),
            ({"ends_on": "2024-12-31"}, "ends_on"),
            ({"occupation": "Thợ hàn"}, "occupation"),
            ({"kind": "employment", "min_age": 50, "max_age": 18}, "max_age"),
            ({"targets": ["wifi"]}, "targets"),
            ({"eligible_classes": []}, "eligible_classes"),
            ({"eligible_classes": ["rich"]}, "eligible_classes"),
            ({"budget": -1}, "budget"),
            ({"budget": "900000000"}, "budget"),
            ({"kind": "charity"}, "kind"),
            ({"funding_source": "lottery"}, "funding_source"),
        ],
    )
    def test_bad_programmes_are_refused_by_field(self, manager, change, field):
        response = manager.post(URL, programme(**change), format="json")
        assert response.status_code == 400
        assert field in response.data, response.data
        assert not Programme.objects.exists()

    def test_escaped_households_alone_are_a_valid_target_group(self, manager):
        response = manager.post(URL, programme(eligible_classes=[], escaped_within_years=3), format="json")
        assert response.status_code == 201, response.data

    def test_project_runs_inside_its_parent_area(self, manager):
        manager.post(URL, programme(code="NTP-QS", area="20641"), format="json")
        outside = manager.post(URL, programme(code="P-2", area="20662", parent="NTP-QS"), format="json")
        inside = manager.post(URL, programme(code="P-3", area="2064101", parent="NTP-QS"), format="json")
        assert outside.status_code == 400 and "parent" in outside.data
        assert inside.status_code == 201 and inside.data["parent"] == "NTP-QS"

    def test_duplicate_code(self, manager):
        manager.post(URL, programme(), format="json")
        response = manager.post(URL, programme(), format="json")
        assert response.status_code == 400 and "code" in response.data

    def test_stale_if_match(self, manager):
        created = manager.post(URL, programme(), format="json")
        etag = created["ETag"]
        assert manager.patch(f"{URL}{created.data['id']}/", {"status": "closed"}, format="json",
                             HTTP_IF_MATCH=etag).status_code == 200
        stale = manager.patch(f"{URL}{created.data['id']}/", {"status": "open"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert Programme.objects.get().status == "closed"

    def test_filters(self, manager):
        manager.post(URL, programme(), format="json")
        manager.post(URL, programme(code="VT", kind="vocational_training", area="20662", status="planned"), format="json")

        def codes(**params):
            response = manager.get(URL, params)
            assert response.status_code == 200, response.data
            return [p["code"] for p in response.data["results"]]

        assert codes(kind="vocational_training") == ["VT"]
        assert codes(status="open") == ["QS-SEED-2025"]
        assert codes(area="20662") == ["VT"]
        assert manager.get(URL, {"kind": "magic"}).status_code == 400

    def test_list_cost_does_not_grow(self, manager):
        def queries():
            with CaptureQueriesContext(connection) as context:
                assert manager.get(URL).status_code == 200
            return len(context.captured_queries)

        manager.post(URL, programme(code="A-1"), format="json")
        few = queries()
        for n in range(8):
            manager.post(URL, programme(code=f"B-{n}", parent="A-1"), format="json")
        assert queries() == few
