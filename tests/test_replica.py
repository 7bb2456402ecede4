"""Report reads on a read replica (DATABASE_REPLICA_URL): reports, forms and the report page
read the replica; authentication, writes and every other read stay on the primary."""

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from povertycase.routers import REPLICA
from tests.test_reports import POOR, POVERTY, household

pytestmark = pytest.mark.django_db(transaction=True)
FIGURES = ("householdyear", "areatally")


@pytest.fixture
def replica(transactional_db):
    """A replica with no lag: a second connection to the test database. Connected here, once
    the test database is set up: the test case refuses to open connections it was not told of."""
    connections.settings[REPLICA] = {**connections["default"].settings_dict}
    connections[REPLICA].connect()
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def reads_figures(queries) -> bool:
    return any(table in query["sql"].lower() for query in queries for table in FIGURES)


def test_reports_and_forms_read_the_replica(replica, areas, users, client_for):
    household(areas["2064101"], {2024: POOR})
    client = client_for(users["manager"])
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        report = client.get(POVERTY, {"area": "48", "year": 2024})
        form = client.get("/api/v1/reports/forms/review-result/", {"area": "20641", "year": 2024})
    assert report.status_code == 200 and report.data["classes"]["poor"] == 1
    assert form.status_code == 200
    assert reads_figures(on_replica.captured_queries)
    assert not reads_figures(on_primary.captured_queries)


def test_the_report_page_reads_the_replica_after_the_session_on_the_primary(replica, areas, users):
    household(areas["2064101"], {2024: POOR})
    browser = Client()
    browser.force_login(users["manager"])
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        assert browser.get("/reports/").status_code == 200
    assert reads_figures(on_replica.captured_queries)
    assert any("django_session" in query["sql"] for query in on_primary.captured_queries)
    assert not any("django_session" in query["sql"] for query in on_replica.captured_queries)


def test_writes_and_the_register_stay_on_the_primary(replica, areas, users, client_for):
    client = client_for(users["officer"])
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get("/api/v1/households/").status_code == 200
        created = client.post("/api/v1/households/", {"area": "2064101", "members": [{
            "full_name": "Lê Thị Hoa", "sex": "female", "date_of_birth": "1980-01-01", "relationship": "head"}]},
            format="json")
    assert created.status_code == 201, created.data
    assert not on_replica.captured_queries


def test_without_a_replica_reports_read_the_primary(areas, users, client_for):
    household(areas["2064101"], {2024: POOR})
    with CaptureQueriesContext(connections["default"]) as on_primary:
        assert client_for(users["manager"]).get(POVERTY, {"area": "48", "year": 2024}).data["classes"]["poor"] == 1
    assert reads_figures(on_primary.captured_queries)
