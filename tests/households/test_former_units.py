"""The units before the July 2025 reorganisation: loaded with their successors, read through the
API, carried by households, and reported on."""

import pytest

from households.area_loading import former_unit_rows, former_units_load
from households.models import FormerUnit, Household
from povertycase.access import SYSTEM
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve

URL = "/api/v1/former-units/"
POOR = {"income": 1_000_000, "deprivations": ("water", "latrine", "telecom")}
NEAR_POOR = {"income": 1_300_000, "deprivations": ("water",)}

# Quế Sơn district (509) of old Quảng Nam (49) on 30 June 2025, and where each commune went.
QUE_SON = {
    "20641": ("Thị trấn Đông Phú", "20641"), "20644": ("Xã Quế Xuân 1", "20650"),
    "20647": ("Xã Quế Xuân 2", "20650"), "20650": ("Xã Quế Phú", "20650"),
    "20651": ("Thị trấn Hương An", "20650"), "20656": ("Thị trấn Trung Phước", "20656"),
    "20659": ("Xã Quế Hiệp", "20662"), "20662": ("Xã Quế Thuận", "20662"), "20665": ("Xã Quế Mỹ", "20662"),
    "20668": ("Xã Ninh Phước", "20669"), "20669": ("Xã Phước Ninh", "20669"), "20671": ("Xã Quế Lộc", "20656"),
    "20677": ("Xã Quế Long", "20641"), "20680": ("Xã Quế Châu", "20662"), "20683": ("Xã Quế Phong", "20641"),
    "20686": ("Xã Quế An", "20641"), "20689": ("Xã Quế Minh", "20641"), "20692": ("Xã Quế Lâm", "20669"),
}


@pytest.fixture
def former_units(db):
    return former_units_load(former_unit_rows("48"), by=SYSTEM)


@pytest.mark.django_db
class TestFormerUnits:
    def test_que_son_district_and_where_its_communes_went(self, former_units, users, client_for):
        client = client_for(users["viewer"])
        district = client.get(f"{URL}509/").data
        assert (district["name"], district["level"], district["parent"]) == ("Huyện Quế Sơn", "district", "49")
        communes = client.get(URL, {"parent": "509", "page_size": 50}).data["results"]
        assert {c["code"]: (c["name"], [s["code"] for s in c["successors"]]) for c in communes} == {
            code: (name, [successor]) for code, (name, successor) in QUE_SON.items()}
        assert communes[0]["successors"] == [{"code": "20641", "name": "Xã Quế Sơn"}]

    def test_filters(self, former_units, users, client_for):
        client = client_for(users["viewer"])
        names = [u["name"] for u in client.get(URL, {"search": "que son", "level": "district"}).data["results"]]
        assert names == ["Huyện Quế Sơn"]
        into_que_son = client.get(URL, {"successor": "20641", "page_size": 50}).data["results"]
        assert [u["code"] for u in into_que_son] == ["20641", "20677", "20683", "20686", "20689"]
        assert [u["code"] for u in client.get(URL, {"level": "province"}).data["results"]] == ["48", "49"]
        assert client.get(URL, {"level": "ward"}).status_code == 400
        assert client.get(f"{URL}99999/").status_code == 404

    def test_the_list_costs_a_fixed_number_of_queries(self, former_units, users, client_for,
                                                       django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            assert len(client_for(users["viewer"]).get(URL, {"page_size": 200}).data["results"]) == 200

    def test_loading_again_changes_nothing_and_a_newer_dataset_corrects_without_losing_records(
            self, former_units, areas):
        assert former_units.created == 307
        household = HouseholdFactory(area=areas["20641"], members=[member_data()],
                                     former_commune=FormerUnit.objects.get(code="20677"))
        again = former_units_load(former_unit_rows("48"), by=SYSTEM)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 307)

        newer = former_unit_rows("48")
        for row in newer:
            if row["code"] == "20677":
                row["name"] = "Xã Quế Long (sáp nhập)"
                row["successors"] = [("20641", "Xã Quế Sơn"), ("20662", "Xã Quế Sơn Trung")]
        result = former_units_load(newer, by=SYSTEM)
        assert (result.created, result.updated) == (0, 1)
        unit = FormerUnit.objects.get(code="20677")
        assert unit.name == "Xã Quế Long (sáp nhập)"
        assert sorted(unit.successors.values_list("code", flat=True)) == ["20641", "20662"]
        assert Household.objects.get(pk=household.pk).former_commune == unit
        assert unit.history.count() == 2

    def test_only_signed_in_users_read_them(self, former_units):
        from rest_framework.test import APIClient
        assert APIClient().get(URL).status_code == 401


@pytest.mark.django_db
class TestHouseholdFormerCommune:
    def body(self, **extra):
        return {"area": "2064101", "members": [], **extra}

    def test_a_household_carries_the_former_commune_its_commune_came_from(self, former_units, users, client_for):
        client = client_for(users["officer"])
        created = client.post("/api/v1/households/", self.body(former_commune="20677"), format="json")
        assert created.status_code == 201 and created.data["former_commune"] == "20677"
        changed = client.patch(f"/api/v1/households/{created.data['id']}/", {"former_commune": "20689"},
                               format="json")
        assert changed.status_code == 200 and changed.data["former_commune"] == "20689"

    @pytest.mark.parametrize(("code", "message"), [
        ("20659", "Xã Quế Hiệp went into Xã Quế Sơn Trung (20662), not Xã Quế Sơn."),
        ("509", "Huyện Quế Sơn is a district (before July 2025); give a former commune."),
        ("12345", "No former administrative unit with code 12345 in your area."),
    ])
    def test_one_that_did_not_go_into_its_commune_is_refused(self, former_units, users, client_for, code, message):
        response = client_for(users["officer"]).post("/api/v1/households/", self.body(former_commune=code),
                                                     format="json")
        assert response.status_code == 400 and response.data["former_commune"] == [message]
        assert not Household.objects.exists()


@pytest.mark.django_db
class TestReportsByFormerUnit:
    @pytest.fixture
    def register(self, former_units, areas):
        def household(area, former, history):
            h = HouseholdFactory(area=area, members=[member_data()],
                                 former_commune=FormerUnit.objects.get(code=former))
            for year, review in history.items():
                approve(h, year=year, **review)
            return h

        return [
            household(areas["2064101"], "20641", {2022: POOR, 2023: NEAR_POOR}),   # Đông Phú: escaped
            household(areas["20641"], "20677", {2022: POOR, 2023: POOR}),         # Quế Long: stayed poor
            household(areas["20641"], "20677", {2022: NEAR_POOR, 2023: NEAR_POOR}),
            household(areas["20662"], "20659", {2022: POOR, 2023: POOR}),         # Quế Hiệp, in Quế Sơn Trung
            HouseholdFactory(area=areas["20641"], members=[member_data()]),       # no former commune
        ]

    def test_poverty_in_the_former_district(self, register, users, client_for):
        report = client_for(users["manager"]).get("/api/v1/reports/poverty/", {
            "former_area": "509", "year": 2023, "group_by": "child"}).data
        assert (report["area"], report["former_area"], report["name"]) == (None, "509", "Huyện Quế Sơn")
        assert report["households"] == 4
        assert report["classes"] == {"poor": 2, "near_poor": 2, "average_living": 0, "non_poor": 0,
                                     "unclassified": 0}
        assert report["start_of_year"]["poor"] == 3
        assert report["transitions"]["escaped_to_near_poor"] == 1
        children = {c["area"]: c["households"] for c in report["children"]}
        assert len(children) == 18 and (children["20641"], children["20677"], children["20659"]) == (1, 2, 1)

    def test_one_former_commune_and_the_province(self, register, users, client_for):
        manager = client_for(users["manager"])
        commune = manager.get("/api/v1/reports/poverty/", {"former_area": "20677", "year": 2023}).data
        assert (commune["households"], commune["poverty_rate"]) == (2, 50.0)
        province = manager.get("/api/v1/reports/poverty/", {"former_area": "49", "year": 2022}).data
        assert province["households"] == 4

    def test_scoped_to_the_callers_area(self, register, users, client_for):
        report = client_for(users["officer"]).get("/api/v1/reports/poverty/", {"former_area": "509",
                                                                               "year": 2023}).data
        assert report["households"] == 3  # Quế Hiệp's household lives in Quế Sơn Trung, outside 20641

    def test_sustainability_by_former_unit(self, register, users, client_for):
        report = client_for(users["manager"]).get("/api/v1/reports/sustainability/", {
            "former_area": "509", "exit_year": 2023}).data
        assert (report["former_area"], report["escaped"]) == ("509", 1)

    def test_area_or_former_area_not_both(self, register, users, client_for):
        response = client_for(users["manager"]).get("/api/v1/reports/poverty/", {
            "area": "48", "former_area": "509", "year": 2023})
        assert response.status_code == 400 and "former_area" in response.data
        response = client_for(users["manager"]).get("/api/v1/reports/poverty/", {"former_area": "9", "year": 2023})
        assert response.status_code == 400 and "former_area" in response.data

    def test_programmes_by_former_unit(self, register, users, client_for, areas):
        from datetime import date

        from programmes.services import enrollment_create, programme_create
        programme = programme_create(by=users["manager"], code="QS-1", name="Lúa", kind="livelihood",
                                     area=areas["48"], starts_on=date(2022, 1, 1), budget=1_000_000,
                                     funding_source="local", eligible_classes=["poor"], status="open")
        for h in register[:2] + register[3:4]:
            enrollment_create(by=users["manager"], programme=programme, household=h, enrolled_on=date(2023, 1, 5))
        ranked = client_for(users["manager"]).get("/api/v1/reports/programmes/", {"former_area": "20677"}).data
        assert ranked["former_area"] == "20677"
        assert [(p["code"], p["enrolled"]) for p in ranked["programmes"]] == [("QS-1", 1)]
        whole = client_for(users["manager"]).get("/api/v1/reports/programmes/", {"former_area": "509"}).data
        assert [p["enrolled"] for p in whole["programmes"]] == [3]


@pytest.mark.django_db
class TestImportByFormerCommune:
    """A register kept before July 2025 names its households' communes by their old codes."""

    URL = "/api/v1/imports/households/"

    def upload(self, client, *rows):
        import csv
        import io

        from households.imports import HOUSEHOLD_COLUMNS
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=HOUSEHOLD_COLUMNS)
        writer.writeheader()
        for n, row in enumerate(rows, start=1):
            writer.writerow({"household_code": f"OLD-{n}", "full_name": f"Lê Văn {n}", "sex": "male",
                             "date_of_birth": "1970-01-01", "relationship": "head", **row})
        upload = io.BytesIO(out.getvalue().encode())
        upload.name = "register.csv"
        return client.post(self.URL, {"file": upload}, format="multipart")

    def test_a_merged_commune_lands_in_the_commune_that_took_it(self, former_units, users, client_for):
        response = self.upload(client_for(users["admin48"]), {"area": "20677"}, {"area": "20296",
                                                                                "former_commune": ""},
                               {"area": "20194", "former_commune": "20296"})
        assert response.status_code == 400  # the split commune in the area column: nothing is written
        assert response.data["errors"] == [{"row": 3, "column": "area", "message": (
            "Xã Hòa Liên (before July 2025) was split between Phường Hải Vân (20194), Phường Liên Chiểu (20197): "
            "give the commune the household lives in as area, and 20296 as former_commune.")}]
        assert not Household.objects.exists()

        response = self.upload(client_for(users["admin48"]), {"area": "20677"},
                               {"area": "20194", "former_commune": "20296"})
        assert response.status_code == 200, response.data
        stored = {h.code: (h.area.code, h.former_commune.code) for h in Household.objects.select_related(
            "area", "former_commune")}
        assert stored == {"OLD-1": ("20641", "20677"), "OLD-2": ("20194", "20296")}

    def test_a_former_commune_that_went_outside_your_area_is_refused(self, former_units, users, client_for):
        response = self.upload(client_for(users["officer"]), {"area": "20659"})  # into Quế Sơn Trung
        assert response.status_code == 400
        assert response.data["errors"][0]["message"] == (
            "Xã Quế Hiệp (before July 2025) went into Xã Quế Sơn Trung (20662), which is not in your area.")

    def test_a_former_commune_that_does_not_fit_the_unit_is_refused(self, former_units, users, client_for):
        response = self.upload(client_for(users["admin48"]), {"area": "20641", "former_commune": "20659"},
                               {"area": "20641", "former_commune": "99999"})
        assert [(e["row"], e["column"]) for e in response.data["errors"]] == [(2, "former_commune"),
                                                                             (3, "former_commune")]
        assert "went into Xã Quế Sơn Trung (20662), not Xã Quế Sơn" in response.data["errors"][0]["message"]
