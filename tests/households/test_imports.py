import io
import zipfile

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
        csv_template = officer.get(self.URL + "template/", {"year": 2024})
        assert csv_template.status_code == 200
        assert csv_template.content.decode("utf-8-sig").strip() == ",".join(REVIEW_HEADER)
        xlsx = officer.get(self.URL + "template/xlsx/", {"year": 2028})
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
        return [values.get(c, "") for c in HOUSEHOLD_COLUMNS]

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
    response = officer.get("/api/v1/imports/reviews/template/xlsx/", {"year": "0"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "year" in response.json()


# Limits of an upload (IMPORT_MAX_*), kept small here through the `settings` fixture ----------


def member_rows(count):
    """`count` valid rows of the household file, each a one-member household."""
    head = dict(zip(HOUSEHOLD_COLUMNS, household_rows()[3]))
    return [[{**head, "household_code": f"QS-{n:04d}"}[c] for c in HOUSEHOLD_COLUMNS] for n in range(count)]


def rezipped(upload, replace=None, stored=()):
    """The XLSX `upload` with members replaced by chunks of bytes, streamed into the zip so that
    a bomb is never whole in memory; members named in `stored` are not compressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(upload) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
            with target.open(entry, "w", force_zip64=True) as member:
                for chunk in (replace or {}).get(info.filename, [source.read(info)]):
                    member.write(chunk)
    out.seek(0)
    out.name = "file.xlsx"
    return out


def sheet_xml(rows: bytes, repeat: int = 1):
    """A worksheet with the household header, then `rows` written `repeat` times."""
    header = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in HOUSEHOLD_COLUMNS)
    yield (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b"<row>" + header + b"</row>")
    for _ in range(repeat):
        yield rows
    yield b"</sheetData></worksheet>"


def refusal(response) -> str:
    """The message of a file refused as a whole (row 0): nothing else listed, nothing written."""
    assert not Household.objects.exists()
    assert response.status_code == 400, response.data
    assert response.data["error_count"] == 1 and response.data["stopped_early"] is False
    [error] = response.data["errors"]
    assert (error["row"], error["column"]) == (0, "file")
    return error["message"]


@pytest.mark.django_db
class TestLimits:
    URL = "/api/v1/imports/households/"

    def test_csv_over_the_row_limit_is_refused_and_names_it(self, officer, areas, settings):
        settings.IMPORT_MAX_ROWS = 50
        refused = post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *member_rows(51)]))

        message = refusal(refused)
        assert message == ("The file has more than 50 rows below its header, the most an upload may hold. An "
                           "administrator imports larger files with `manage.py import_households` or "
                           "`manage.py import_reviews`.")
        at_limit = post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *member_rows(50)]))
        assert at_limit.status_code == 200, at_limit.data
        assert at_limit.data["created"] == {"households": 50, "members": 50}

    def test_line_breaks_inside_cells_are_not_rows(self, officer, areas, settings):
        settings.IMPORT_MAX_ROWS = 5
        rows = member_rows(5)
        for row in rows:
            row[HOUSEHOLD_COLUMNS.index("address")] = '"Tổ 1\nthôn 2\r\nxã 3\rhuyện 4"'
        over = [*rows, member_rows(6)[5]]
        assert post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *rows]), dry_run=True).status_code == 200
        assert "more than 5 rows" in refusal(post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *over])))

    def test_xlsx_over_the_row_limit_is_refused(self, officer, areas, settings):
        settings.IMPORT_MAX_ROWS = 50
        response = post(officer, self.URL, xlsx_file([HOUSEHOLD_COLUMNS, *member_rows(51)]))
        assert "more than 50 rows" in refusal(response)

    def test_xlsx_row_numbers_count_as_rows(self, officer, areas, settings):
        """A sheet may number its second row 100 (or 10**12): the rows up to it are read as
        blank ones, so they count against the limit."""
        settings.IMPORT_MAX_ROWS = 50
        book = Workbook()
        book.active.append(HOUSEHOLD_COLUMNS)
        for column, value in enumerate(member_rows(1)[0], start=1):
            book.active.cell(row=100, column=column, value=value)
        upload = io.BytesIO()
        book.save(upload)
        upload.seek(0)
        upload.name = "file.xlsx"
        assert "more than 50 rows" in refusal(post(officer, self.URL, upload))

    def test_zip_bomb_is_refused_by_its_declared_size(self, officer, areas, settings):
        """A real bomb: a few hundred KB that unpack to 85 MB, over a limit of 80 MB (the default,
        256 MB, takes a legitimate 200,000-row file; a bigger bomb is refused the same way)."""
        settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 80 * 2**20
        rows = b'<row><c t="inlineStr"><is><t>' + b"=HYPERLINK()" * 80 + b"</t></is></c></row>"
        bomb = rezipped(xlsx_file([HOUSEHOLD_COLUMNS]),
                        {"xl/worksheets/sheet1.xml": sheet_xml(rows * 100, repeat=85 * 2**20 // (len(rows) * 100))})
        assert len(bomb.getvalue()) < 500_000

        message = refusal(post(officer, self.URL, bomb))
        assert message == "The XLSX file unpacks to more than 80 MB, the most an upload may hold."

    def test_the_probes_bomb_is_refused_at_the_default_limits(self, officer, areas):
        """The file of the security probe: about 300 KB that unpack to a 100 MB sheet of 1.6
        million rows. Under the default size limit, it is refused for its rows, before parsing."""
        row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>yy</t></is></c></row>'
        bomb = rezipped(xlsx_file([HOUSEHOLD_COLUMNS]),
                        {"xl/worksheets/sheet1.xml": sheet_xml(row * 1000, repeat=100 * 2**20 // (len(row) * 1000))})
        assert len(bomb.getvalue()) < 400_000

        assert "more than 200,000 rows" in refusal(post(officer, self.URL, bomb))

    def test_damaged_xlsx_is_refused_cleanly(self, officer, areas):
        """The sheet's last row is changed, so its checksum fails only once it is read to the end."""
        upload = rezipped(xlsx_file([HOUSEHOLD_COLUMNS, *member_rows(2000)]), stored={"xl/worksheets/sheet1.xml"})
        damaged = io.BytesIO(upload.getvalue().replace(b"QS-1999", b"QS-199X"))
        damaged.name = "file.xlsx"
        not_a_zip = io.BytesIO(b"PK\x03\x04" + b"\x00" * 100)
        not_a_zip.name = "file.xlsx"

        assert refusal(post(officer, self.URL, damaged)) == "The XLSX file could not be read."
        assert refusal(post(officer, self.URL, not_a_zip)) == "The XLSX file could not be read."

    def test_xlsx_of_too_many_shared_strings_is_refused(self, officer, areas, settings):
        """openpyxl reads a file's shared strings whole before its first row. They are counted
        in every part, so the part here need not be the workbook's own table."""
        settings.IMPORT_MAX_ROWS = 50
        table = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>A</t></si>" * 501
        upload = rezipped(xlsx_file([HOUSEHOLD_COLUMNS, *member_rows(1)]))
        with zipfile.ZipFile(upload, "a") as archive:
            archive.writestr("xl/sharedStrings.xml", table + b"</sst>")
        upload.seek(0)

        message = refusal(post(officer, self.URL, upload))
        assert message == "The XLSX file holds more than 500 distinct texts, 10 for each row an upload may hold."

    def test_zip_of_many_parts_is_refused_unopened(self, officer, areas):
        upload = io.BytesIO()
        with zipfile.ZipFile(upload, "w") as parts:
            for n in range(10_001):
                parts.writestr(f"xl/media/{n}.png", b"")
        upload.seek(0)
        upload.name = "file.xlsx"
        message = refusal(post(officer, self.URL, upload))
        assert message == "The XLSX file could not be read: it holds more than 10,000 parts."

    def test_csv_cell_past_the_csv_modules_limit_is_refused_cleanly(self, officer, areas):
        rows = member_rows(3)
        rows[1][HOUSEHOLD_COLUMNS.index("address")] = "x" * 200_000  # csv reads cells of 128 KiB at most
        response = post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *rows]))

        assert response.status_code == 400
        assert response.data["errors"] == [
            {"row": 3, "column": "file", "message": "The CSV file could not be read from this line on."}]

    def test_checking_stops_once_the_listed_errors_are_full(self, officer, areas, settings):
        settings.IMPORT_MAX_LISTED_ERRORS = 5
        rows = member_rows(20)
        for row in rows:
            row[HOUSEHOLD_COLUMNS.index("sex")] = "?"
        response = post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *rows]))

        assert response.status_code == 400
        assert [(e["row"], e["column"]) for e in response.data["errors"]] == [(n, "sex") for n in range(2, 7)]
        assert (response.data["error_count"], response.data["stopped_early"]) == (5, True)

    def test_errors_past_the_listed_ones_are_counted(self, officer, areas, settings):
        """Unknown households are found in one pass after the rows are read: every one counts."""
        settings.IMPORT_MAX_LISTED_ERRORS = 5
        rows = [REVIEW_HEADER, *(review_row(f"NOPE-{n}") for n in range(20))]
        response = post(officer, TestReviewImport.URL, csv_file(rows))

        assert response.status_code == 400
        assert [(e["row"], e["column"]) for e in response.data["errors"]] == [
            (n, "household_code") for n in range(2, 7)]
        assert (response.data["error_count"], response.data["stopped_early"]) == (20, False)

    def test_register_checks_stop_past_the_listed_errors(self, officer, areas, settings):
        """Two heads is a rule the service checks, with queries, a household at a time: past the
        listed errors the file is refused without asking it for every household."""
        settings.IMPORT_MAX_LISTED_ERRORS = 3
        rows = []
        name = HOUSEHOLD_COLUMNS.index("full_name")
        for head in member_rows(8):
            rows += [head, [*head[:name], "Lê Văn Hai", *head[name + 1:]]]
        response = post(officer, self.URL, csv_file([HOUSEHOLD_COLUMNS, *rows]))

        assert response.status_code == 400
        assert [e["row"] for e in response.data["errors"]] == [2, 4, 6]
        assert (response.data["error_count"], response.data["stopped_early"]) == (3, True)
        assert not Household.objects.exists()

    def test_the_command_takes_any_size(self, officer, areas, settings, tmp_path):
        settings.IMPORT_MAX_ROWS = 2
        rows = [HOUSEHOLD_COLUMNS, *member_rows(3)]
        path = tmp_path / "households.csv"
        path.write_bytes(csv_file(rows).getvalue())

        assert "more than 2 rows" in refusal(post(officer, self.URL, csv_file(rows)))
        out = io.StringIO()
        call_command("import_households", str(path), "--user", "officer", stdout=out, stderr=io.StringIO())
        assert "created {'households': 3, 'members': 3}" in out.getvalue()
