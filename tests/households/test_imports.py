import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from households.imports import HOUSEHOLD_COLUMNS
from households.models import Household, Member, Review
from tests.factories import HouseholdFactory

INDICATORS = ["employment", "dependants", "nutrition", "health_insurance", "adult_education", "child_schooling",
              "housing_quality", "housing_area", "water", "latrine", "telecom", "info_devices"]
REVIEW_HEADER = ["household_code", "year", "kind", "reviewed_on", "income_per_capita", *INDICATORS]


def csv_file(rows, name="file.csv"):
    text = "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    return upload


def xlsx_file(rows, name="file.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = name
    return upload


def review_row(code, income=1_200_000, deprived=("water", "latrine", "health_insurance"), **extra):
    values = {"household_code": code, "year": 2024, "kind": "periodic", "reviewed_on": "2024-10-15",
              "income_per_capita": income, **{i: int(i in deprived) for i in INDICATORS}, **extra}
    return [values[c] for c in REVIEW_HEADER]


def post(client, url, upload, dry_run=False):
    return client.post(url, {"file": upload, "dry_run": "true" if dry_run else "false"}, format="multipart")


@pytest.fixture
def officer(users, client_for):
    return client_for(users["officer"])


@pytest.fixture
def register(areas):
    return [HouseholdFactory(area=areas["2064101"]) for _ in range(3)]


@pytest.mark.django_db
class TestReviewImport:
    URL = "/api/v1/imports/reviews/"

    def test_imports_drafts_and_twice_changes_nothing(self, officer, register):
        rows = [REVIEW_HEADER] + [review_row(h.code, income=1_000_000 + i * 800_000) for i, h in enumerate(register)]
        first = post(officer, self.URL, csv_file(rows))
        second = post(officer, self.URL, csv_file(rows))

        assert first.status_code == 200, first.data
        assert first.data == {"rows": 3, "dry_run": False, "created": {"reviews": 3}, "updated": {"reviews": 0},
                              "unchanged": 0}
        assert second.data["created"] == {"reviews": 0} and second.data["unchanged"] == 3
        classes = sorted(Review.objects.values_list("poverty_class", flat=True))
        assert classes == ["average_living", "non_poor", "poor"]
        assert Review.history.count() == 3

    def test_xlsx_with_dates_as_cells(self, officer, register):
        from datetime import date

        row = review_row(register[0].code, reviewed_on=date(2024, 10, 15))
        response = post(officer, self.URL, xlsx_file([REVIEW_HEADER, row]))
        assert response.status_code == 200, response.data
        assert Review.objects.get().reviewed_on == date(2024, 10, 15)

    def test_one_bad_row_writes_nothing_and_every_error_is_listed(self, officer, register):
        rows = [REVIEW_HEADER, review_row(register[0].code), review_row("NOPE-1"),
                review_row(register[1].code, income="1.500.000"), review_row(register[2].code, water=2)]
        response = post(officer, self.URL, csv_file(rows))

        assert response.status_code == 400
        assert response.data["error_count"] == 3
        assert [(e["row"], e["column"]) for e in response.data["errors"]] == [
            (3, "household_code"), (4, "income_per_capita"), (5, "water")]
        assert not Review.objects.exists()

    def test_dry_run_writes_nothing(self, officer, register):
        response = post(officer, self.URL, csv_file([REVIEW_HEADER, review_row(register[0].code)]), dry_run=True)
        assert response.status_code == 200 and response.data["created"] == {"reviews": 1}
        assert response.data["dry_run"] is True
        assert not Review.objects.exists()

    def test_changed_draft_is_updated_but_approved_is_not(self, officer, users, client_for, register):
        post(officer, self.URL, csv_file([REVIEW_HEADER, review_row(register[0].code), review_row(register[1].code)]))
        approved = Review.objects.get(household=register[1])
        client_for(users["manager"]).post(f"/api/v1/reviews/{approved.id}/approve/",
                                          {"decision_number": "1", "decision_date": "2024-12-01"}, format="json")
        changed = post(officer, self.URL, csv_file([REVIEW_HEADER, review_row(register[0].code, income=5_000_000)]))
        refused = post(officer, self.URL, csv_file([REVIEW_HEADER, review_row(register[1].code, income=5_000_000)]))

        assert changed.data["updated"] == {"reviews": 1}
        assert Review.objects.get(household=register[0]).poverty_class == "non_poor"
        assert refused.status_code == 400 and "correction" in refused.data["errors"][0]["message"]

    def test_same_review_twice_in_a_file(self, officer, register):
        row = review_row(register[0].code)
        response = post(officer, self.URL, csv_file([REVIEW_HEADER, row, row]))
        assert response.status_code == 400 and response.data["errors"][0]["row"] == 3

    def test_bad_header(self, officer, register):
        header = [c for c in REVIEW_HEADER if c != "year"] + ["colour"]
        response = post(officer, self.URL, csv_file([header]))
        assert {(e["column"], e["message"]) for e in response.data["errors"]} == {
            ("colour", "Unknown column."), ("year", "Missing column.")}

    def test_households_outside_the_area_do_not_exist(self, users, client_for, register):
        response = post(client_for(users["hanoi"]), self.URL, csv_file([REVIEW_HEADER, review_row(register[0].code)]))
        assert response.status_code == 400 and response.data["errors"][0]["column"] == "household_code"

    def test_viewer_cannot_import(self, users, client_for, register):
        response = post(client_for(users["viewer"]), self.URL, csv_file([REVIEW_HEADER]))
        assert response.status_code == 403

    def test_not_a_spreadsheet(self, officer):
        upload = io.BytesIO(b"\xff\xfe\x00garbage")
        upload.name = "x.csv"
        response = post(officer, self.URL, upload)
        assert response.status_code == 400

    def test_missing_file(self, officer):
        response = officer.post(self.URL, {}, format="multipart")
        assert response.status_code == 400 and response.data["errors"][0]["column"] == "file"

    def test_template_has_the_standards_indicators(self, officer):
        csv_template = officer.get(self.URL + "template/", {"year": 2024, "format": "csv"})
        assert csv_template.status_code == 200
        assert csv_template.content.decode("utf-8-sig").strip() == ",".join(REVIEW_HEADER)
        xlsx = officer.get(self.URL + "template/", {"year": 2028, "format": "xlsx"})
        header = [c.value for c in next(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows())]
        assert "waste_treatment" in header and "info_devices" not in header

    def test_command_with_progress(self, users, register, tmp_path):
        path = tmp_path / "reviews.csv"
        path.write_bytes(csv_file([REVIEW_HEADER, review_row(register[0].code)]).getvalue())
        out = io.StringIO()
        call_command("import_reviews", str(path), "--user", "officer", stdout=out, stderr=io.StringIO())
        assert "created {'reviews': 1}" in out.getvalue()
        bad = tmp_path / "bad.csv"
        bad.write_bytes(csv_file([REVIEW_HEADER, review_row("NOPE")]).getvalue())
        with pytest.raises(CommandError, match="row 2, household_code"):
            call_command("import_reviews", str(bad), "--user", "officer", stderr=io.StringIO())


def household_rows():
    def row(code, name, relationship, sex="male", born="1980-01-02", national_id=""):
        values = {"household_code": code, "area": "2064101", "address": "Tổ 1", "residence": "",
                  "ethnic_minority": "0", "merit_family": "0", "no_working_capacity": "0",
                  "poverty_causes": "lack_of_capital;lack_of_land", "support_needs": "credit",
                  "full_name": name, "sex": sex, "date_of_birth": born, "national_id": national_id,
                  "relationship": relationship, "ethnicity": "Kinh", "has_health_insurance": "1",
                  "disability": "0", "education_level": "", "employment": ""}
        return [values[c] for c in HOUSEHOLD_COLUMNS]

    return [
        HOUSEHOLD_COLUMNS,
        row("QS-001", "Nguyễn Văn Đặng", "head", national_id="048080009999"),
        row("QS-001", "Lê Thị Hoa", "spouse", sex="female", born="02/03/1982"),
        row("QS-002", "Trần Văn Sơn", "head"),
    ]


@pytest.mark.django_db
class TestHouseholdImport:
    URL = "/api/v1/imports/households/"

    def test_imports_register_and_twice_changes_nothing(self, officer, areas):
        first = post(officer, self.URL, csv_file(household_rows()))
        second = post(officer, self.URL, csv_file(household_rows()))

        assert first.status_code == 200, first.data
        assert first.data["created"] == {"households": 2, "members": 3}
        assert second.data["created"] == {} and second.data["updated"] == {} and second.data["unchanged"] == 3
        household = Household.objects.get(code="QS-001")
        assert (household.residence, household.poverty_causes) == ("rural", ["lack_of_capital", "lack_of_land"])
        assert household.members.get(relationship="head").national_id == "048080009999"

    def test_changes_are_applied_and_counted(self, officer, areas):
        post(officer, self.URL, csv_file(household_rows()))
        rows = household_rows()
        rows[2][HOUSEHOLD_COLUMNS.index("ethnicity")] = "Tày"
        rows.append(rows[3][:])
        rows[4][HOUSEHOLD_COLUMNS.index("full_name")] = "Trần Thị Mai"
        rows[4][HOUSEHOLD_COLUMNS.index("relationship")] = "child"
        response = post(officer, self.URL, csv_file(rows))
        assert response.data["updated"] == {"members": 1} and response.data["created"] == {"members": 1}
        assert Member.objects.get(full_name="Lê Thị Hoa").ethnicity == "Tày"

    def test_household_rule_errors_point_at_rows(self, officer, areas):
        rows = household_rows()
        rows[2][HOUSEHOLD_COLUMNS.index("relationship")] = "head"  # two heads in QS-001
        rows[3][HOUSEHOLD_COLUMNS.index("area")] = "48"  # a province
        response = post(officer, self.URL, csv_file(rows))
        assert response.status_code == 400, response.data
        located = {(e["row"], e["column"]) for e in response.data["errors"]}
        assert (2, "relationship") in located
        assert any(row == 4 for row, _column in located)
        assert not Household.objects.exists()

    def test_rows_of_one_household_must_agree(self, officer, areas):
        rows = household_rows()
        rows[2][HOUSEHOLD_COLUMNS.index("address")] = "Tổ 9"
        response = post(officer, self.URL, csv_file(rows))
        assert response.status_code == 400
        assert response.data["errors"][0] == {"row": 3, "column": "address",
                                              "message": "Differs from row 2 of the same household."}

    def test_dry_run(self, officer, areas):
        response = post(officer, self.URL, xlsx_file(household_rows()), dry_run=True)
        assert response.status_code == 200 and response.data["created"] == {"households": 2, "members": 3}
        assert not Household.objects.exists()

    def test_template(self, officer):
        response = officer.get(self.URL + "template/")
        assert response.content.decode("utf-8-sig").strip() == ",".join(HOUSEHOLD_COLUMNS)
        assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
def test_template_errors_answer_in_json(officer):
    response = officer.get("/api/v1/imports/reviews/template/", {"year": "0", "format": "xlsx"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "year" in response.json()
