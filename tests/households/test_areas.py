import io

import pytest
from django.core.management import CommandError, call_command

from households.models import Area
from tests.factories import HouseholdFactory

URL = "/api/v1/areas/"


@pytest.mark.django_db
class TestAreasApi:
    def test_list_is_scoped_and_filtered(self, users, client_for):
        officer = client_for(users["officer"])
        assert [a["code"] for a in officer.get(URL).data["results"]] == ["20641", "2064101"]
        admin = client_for(users["admin"])
        assert [a["code"] for a in admin.get(URL, {"level": "province"}).data["results"]] == ["01", "48"]
        assert [a["code"] for a in admin.get(URL, {"parent": "48"}).data["results"]] == ["20194", "20641", "20662"]
        assert officer.get(f"{URL}00004/").status_code == 404
        assert officer.get(f"{URL}20641/").data == {
            **officer.get(f"{URL}20641/").data, "parent": "48", "level": "commune", "residence": "rural",
        }

    def test_bad_level_filter(self, users, client_for):
        response = client_for(users["admin"]).get(URL, {"level": "hamlet"})
        assert response.status_code == 400 and "level" in response.data

    def test_admin_creates_a_village_that_takes_its_commune_residence(self, users, client_for):
        response = client_for(users["admin48"]).post(
            URL, {"code": "2066201", "name": "Thôn Phước Hội", "level": "village", "parent": "20662"}, format="json"
        )
        assert response.status_code == 201, response.data
        assert response.data["residence"] == "rural"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"code": "4", "name": "x", "level": "province"}, "code"),
            ({"code": "2064", "name": "x", "level": "commune", "parent": "48", "residence": "rural"}, "code"),
            ({"code": "20699", "name": "x", "level": "commune", "parent": "48"}, "residence"),
            ({"code": "20699", "name": "x", "level": "commune", "residence": "rural"}, "parent"),
            ({"code": "2064102", "name": "x", "level": "village", "parent": "48"}, "parent"),
            ({"code": "20641", "name": "x", "level": "commune", "parent": "48", "residence": "rural"}, "code"),
            ({"code": "20699", "name": "x", "level": "town", "parent": "48"}, "level"),
            ({"code": "77", "name": "x", "level": "province", "residence": "urban"}, "residence"),
        ],
    )
    def test_invalid_units_are_refused(self, users, client_for, body, field):
        response = client_for(users["admin"]).post(URL, body, format="json")
        assert response.status_code == 400
        assert field in response.data, response.data

    def test_provincial_admin_cannot_add_outside_the_province(self, users, client_for):
        client = client_for(users["admin48"])
        province = client.post(URL, {"code": "77", "name": "x", "level": "province"}, format="json")
        elsewhere = client.post(URL, {"code": "00099", "name": "x", "level": "commune", "parent": "01",
                                      "residence": "urban"}, format="json")
        assert province.status_code == 400 and "parent" in province.data
        assert elsewhere.status_code == 400 and "parent" in elsewhere.data

    def test_only_admins_write(self, users, client_for):
        response = client_for(users["manager"]).post(URL, {"code": "20698", "name": "x", "level": "commune",
                                                           "parent": "48", "residence": "rural"}, format="json")
        assert response.status_code == 403

    def test_moving_a_commune_moves_its_villages_and_households(self, users, client_for, areas):
        household = HouseholdFactory(area=areas["2064101"])
        client = client_for(users["admin"])
        response = client.patch(f"{URL}20641/", {"parent": "01"}, format="json")
        assert response.status_code == 200, response.data
        assert Area.objects.get(code="2064101").path == "01/20641/2064101/"
        codes = {h["code"] for h in client.get("/api/v1/households/", {"area": "01"}).data["results"]}
        assert household.code in codes

    def test_unit_cannot_move_under_itself(self, users, client_for):
        response = client_for(users["admin"]).patch(f"{URL}48/", {"parent": "20641"}, format="json")
        assert response.status_code == 400 and "parent" in response.data

    def test_commune_residence_change_carries_its_villages(self, users, client_for):
        client_for(users["admin"]).patch(f"{URL}20641/", {"residence": "urban"}, format="json")
        assert Area.objects.get(code="2064101").residence == "urban"


@pytest.mark.django_db
class TestLoaders:
    def test_load_areas_csv_creates_then_changes_nothing(self, tmp_path):
        csv_file = tmp_path / "areas.csv"
        csv_file.write_text(
            "code,name,level,parent,residence\n"
            "2064101,Thôn 1,village,20641,\n"
            "48,Thành phố Đà Nẵng,province,,\n"
            "20641,Xã Quế Sơn,commune,48,rural\n",
            encoding="utf-8",
        )
        out = io.StringIO()
        call_command("load_areas", str(csv_file), stdout=out)
        call_command("load_areas", str(csv_file), stdout=out)
        assert out.getvalue().splitlines() == [
            "created 3, updated 0, unchanged 0",
            "created 0, updated 0, unchanged 3",
        ]
        assert Area.objects.get(code="2064101").residence == "rural"

    def test_load_areas_with_a_bad_row_writes_nothing(self, tmp_path):
        csv_file = tmp_path / "areas.csv"
        csv_file.write_text(
            "code,name,level,parent,residence\n48,Đà Nẵng,province,,\n123,Bad,commune,48,rural\n",
            encoding="utf-8",
        )
        with pytest.raises(CommandError, match="Row 3: code"):
            call_command("load_areas", str(csv_file))
        assert not Area.objects.exists()

    def test_load_areas_names_missing_columns(self, tmp_path):
        csv_file = tmp_path / "areas.csv"
        csv_file.write_text("code,name\n48,Đà Nẵng\n", encoding="utf-8")
        with pytest.raises(CommandError, match="Missing columns: level, parent, residence"):
            call_command("load_areas", str(csv_file))

    def test_official_units_in_force_since_july_2025(self):
        call_command("load_official_areas", stdout=io.StringIO())
        assert Area.objects.filter(level="province").count() == 34
        assert Area.objects.filter(level="commune").count() == 3321
        assert Area.objects.get(code="48").name == "Thành phố Đà Nẵng"
        que_son = Area.objects.get(code="20641")
        assert (que_son.name, que_son.parent.code, que_son.residence) == ("Xã Quế Sơn", "48", "rural")
        assert Area.objects.get(code="00004").residence == "urban"  # Phường Ba Đình
        assert Area.objects.filter(level="commune", name__startswith="Đặc khu", residence="rural").count() == 13
