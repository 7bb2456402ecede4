"""A Python client generated from the schema by openapi-python-client, unedited, does what
other systems do with povertycase: log in, register a household, page through the register,
change a record under its ETag, download a report and a template. A schema change that breaks
generated clients fails here."""

import importlib
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from povertycase.wsgi import application
from tests.factories import PASSWORD

PACKAGE = "povertycase_client"


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    schema = folder / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "openapi-python-client"), "generate", "--path", str(schema), "--meta", "none",
                    "--output-path", str(folder / PACKAGE)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    sys.path.insert(0, str(folder))
    yield lambda module: importlib.import_module(f"{PACKAGE}.{module}")
    sys.path.remove(str(folder))


def transport():
    # The app in this process, so the requests see the test's database.
    return {"transport": httpx.WSGITransport(app=application)}


@pytest.mark.django_db
def test_a_generated_client_does_a_day_of_work(generated, users, areas, keep_test_connection):
    client_module, models = generated("client"), generated("models")
    api = lambda name: generated(f"api.{name}")  # noqa: E731
    anonymous = client_module.Client(base_url="http://testserver", httpx_args=transport())

    # Log in: the default Authorization of a generated client is Bearer.
    login = api("auth.v1_auth_token_create").sync(
        client=anonymous, body=models.TokenRequestRequest(username="officer", password=PASSWORD))
    assert isinstance(login, models.Token), login
    client = client_module.AuthenticatedClient(base_url="http://testserver", token=login.token,
                                               httpx_args=transport())
    assert api("auth.v1_auth_me_retrieve").sync(client=client).username == "officer"

    # Register two households, one with its members.
    create = api("households.v1_households_create")
    created = create.sync_detailed(client=client, body=models.HouseholdRequest(
        area="2064101", members=[models.HouseholdMemberRequest(
            full_name="Nguyễn Văn Đặng", sex=models.SexEnum.MALE, date_of_birth=date(1979, 3, 2),
            relationship=models.RelationshipEnum.HEAD, national_id="048079000111")]))
    assert created.status_code == 201, created.content
    household = created.parsed
    assert household.code == "20641-000001" and household.members[0].full_name == "Nguyễn Văn Đặng"
    assert create.sync(client=client, body=models.HouseholdRequest(area="20641")).code == "20641-000002"

    # Page through the register one household at a time, following `next`.
    listing, codes, cursor = api("households.v1_households_list"), [], generated("types").UNSET
    while True:
        page = listing.sync(client=client, page_size=1, cursor=cursor)
        codes += [h.code for h in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert codes == ["20641-000001", "20641-000002"]

    # Change a record under its ETag; a stale one is refused with 412.
    read = api("households.v1_households_retrieve").sync_detailed(client=client, id=household.id)
    etag = read.headers["ETag"]
    change = api("households.v1_households_partial_update")
    changed = change.sync_detailed(client=client, id=household.id, if_match=etag,
                                   body=models.PatchedHouseholdUpdateRequest(address="Tổ 4, Thôn 1"))
    assert changed.status_code == 200 and changed.parsed.address == "Tổ 4, Thôn 1"
    stale = change.sync_detailed(client=client, id=household.id, if_match=etag,
                                 body=models.PatchedHouseholdUpdateRequest(address="Tổ 5"))
    assert stale.status_code == 412 and isinstance(stale.parsed, models.Error)
    unchanged = api("households.v1_households_retrieve").sync_detailed(
        client=client, id=household.id, if_none_match=changed.headers["ETag"])
    assert unchanged.status_code == 304

    # Download a report and an import template: text for CSV, bytes for XLSX.
    report = api("reports.v1_reports_poverty_retrieve").sync(client=client, area="20641", year=2024)
    assert report.area == "20641" and report.households == 2
    table = api("reports.v1_reports_poverty_csv_retrieve").sync(client=client, area="20641", year=2024)
    assert isinstance(table, str) and "households,2" in table
    book = api("reports.v1_reports_poverty_xlsx_retrieve").sync_detailed(client=client, area="20641", year=2024)
    assert load_workbook(io.BytesIO(book.content)).active["A1"].value == "field"
    template = api("imports.v1_imports_households_template_retrieve").sync(client=client)
    assert template.lstrip("\ufeff").startswith("household_code,area,former_commune")

    # Log out: the token stops working.
    assert api("auth.v1_auth_logout_create").sync_detailed(client=client).status_code == 204
    assert api("auth.v1_auth_me_retrieve").sync_detailed(client=client).status_code == 401
