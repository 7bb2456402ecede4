"""The kept report figures follow every write by differences (a household's old rows out, its
new rows in), never by recounting a commune, and always equal a rebuild from the register."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from households import tallies
from households.models import AreaTally, Household, HouseholdYear, Review
from tests.concurrency import at_once
from tests.factories import HouseholdFactory

URL = "/api/v1/reviews/"
DECISION = {"decision_number": "125/QĐ-UBND", "decision_date": "2024-12-20"}
POOR = {"income_per_capita": 1_000_000, "deprivations": ["water", "latrine", "telecom"]}
NEAR_POOR = {"income_per_capita": 1_300_000, "deprivations": ["water"]}
AVERAGE = {"income_per_capita": 1_900_000, "deprivations": []}
NON_POOR = {"income_per_capita": 5_000_000, "deprivations": []}

TALLY_FIELDS = ("path", "depth", "year", "residence", "ethnic_minority", "measure", "code", "households")
FACT_FIELDS = ("household_id", "year", "path", "former_path", "residence", "ethnic_minority", "poverty_class",
               "standard_id", "deprivations", "transitions", "escaped")


def kept() -> tuple[list, list]:
    return (sorted(AreaTally.objects.values_list(*TALLY_FIELDS)),
            sorted(HouseholdYear.objects.values_list(*FACT_FIELDS)))


def assert_as_rebuilt():
    figures = kept()
    tallies.rebuild()
    assert kept() == figures


@pytest.fixture
def admin(users, client_for):
    return client_for(users["admin"])


@pytest.fixture
def no_recount(monkeypatch):
    """The services may not recount a commune: only differences are applied."""
    def refuse(paths):
        raise AssertionError(f"recounted {paths}")
    monkeypatch.setattr(tallies, "recount_communes", refuse)


def record(client, household, year, figures, **extra):
    body = {"household": str(household.id), "year": year, "kind": "periodic", "reviewed_on": f"{year}-10-15",
            **figures, **extra}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.data
    return response.data["id"]


def approve(client, review_id):
    response = client.post(f"{URL}{review_id}/approve/", DECISION, format="json")
    assert response.status_code == 200, response.data
    return response.data


def move(client, household, area):
    response = client.patch(f"/api/v1/households/{household.id}/", {"area": area}, format="json")
    assert response.status_code == 200, response.data


def approve_area(client, area, year, expected):
    response = client.post(f"{URL}approve/", {"area": area, "year": year, **DECISION}, format="json")
    assert response.status_code == 200 and response.data == {"approved": expected}, response.data


@pytest.mark.django_db
def test_figures_equal_a_rebuild_after_every_kind_of_write(areas, admin, no_recount):
    village = HouseholdFactory(area=areas["2064101"])
    minority = HouseholdFactory(area=areas["20641"], ethnic_minority=True)
    leaving = HouseholdFactory(area=areas["20641"])
    neighbour = HouseholdFactory(area=areas["20662"])
    town = HouseholdFactory(area=areas["20194"])
    assert_as_rebuilt()

    first = {h: approve(admin, record(admin, h, 2023, POOR)) for h in (village, minority, town)}
    assert_as_rebuilt()

    # A commune's list at once: escapes (observed in the later years), a first review, one
    # that stays poor; the draft of the next commune waits.
    record(admin, village, 2024, NEAR_POOR)
    record(admin, minority, 2024, POOR)
    record(admin, leaving, 2024, NON_POOR)
    record(admin, neighbour, 2024, AVERAGE)
    approve_area(admin, "20641", 2024, 3)
    assert_as_rebuilt()
    approve_area(admin, "48", 2024, 1)
    assert_as_rebuilt()

    # An earlier year approved later: the transitions after it change.
    approve(admin, record(admin, minority, 2022, NEAR_POOR))
    assert Review.objects.get(pk=first[minority]["id"]).transition == "newly_poor"
    assert_as_rebuilt()

    # A correction supersedes the review it corrects.
    approve(admin, record(admin, village, 2023, NEAR_POOR, corrects=first[village]["id"]))
    assert_as_rebuilt()

    # Moves: to another commune of the province, and to another province.
    move(admin, leaving, "20662")
    assert_as_rebuilt()
    move(admin, village, "00004")
    assert AreaTally.objects.filter(path="01/", measure="class").exists()
    assert_as_rebuilt()

    assert admin.patch(f"/api/v1/households/{town.id}/", {"ethnic_minority": True},
                       format="json").status_code == 200
    assert_as_rebuilt()
    archived = admin.post(f"/api/v1/households/{neighbour.id}/archive/", {"reason": "moved"}, format="json")
    assert archived.status_code == 200
    assert_as_rebuilt()

    for household, figures in ((village, POOR), (minority, NEAR_POOR), (leaving, POOR), (town, AVERAGE)):
        record(admin, household, 2025, figures)
    approve_area(admin, "48", 2025, 3)
    assert_as_rebuilt()
    approve_area(admin, "01", 2025, 1)
    assert_as_rebuilt()
    # Keys nobody holds any more (the household that left the village) are gone, not kept at 0.
    assert not AreaTally.objects.filter(households=0).exists()


@pytest.mark.django_db
def test_bulk_approval_keeps_who_and_when_for_every_row(areas, users, client_for, admin):
    manager = client_for(users["manager"])
    households = [HouseholdFactory(area=areas["20641"]) for _ in range(3)]
    earlier = approve(admin, record(admin, households[0], 2024, POOR))
    drafts = [record(admin, h, 2025, NEAR_POOR) for h in households]
    later = record(admin, households[1], 2024, POOR)
    approve_area(manager, "20641", 2025, 3)
    approve_area(manager, "20641", 2024, 1)

    for review_id in drafts:
        last = Review.history.filter(id=review_id).latest("history_date", "history_id")
        assert (last.status, last.history_type, last.history_user.username) == ("approved", "~", "manager")
    last = Review.history.filter(id=later).latest("history_date", "history_id")
    assert (last.transition, last.history_user.username) == ("first_review", "manager")
    # The 2025 review of the household approved in 2024 afterwards changed its transition.
    restamped = Review.history.filter(id=drafts[1]).latest("history_date", "history_id")
    assert restamped.transition == "escaped_to_near_poor" == Review.objects.get(pk=drafts[1]).transition
    assert Review.history.filter(id=earlier["id"]).count() == 2  # recorded, approved: unchanged since

    for household in households:
        entries = admin.get(f"/api/v1/households/{household.id}/history/").data
        approval = entries[0]
        assert (approval["user"], approval["action"]) == ("manager", "changed")
        assert {"field": "poverty_class_year", "old": 2024 if household == households[0] else None,
                "new": 2025} in approval["changes"]
    assert Household.objects.get(pk=households[2].pk).poverty_class == "near_poor"


@pytest.mark.django_db
def test_bulk_approval_costs_the_same_queries_for_many(areas, admin, django_assert_max_num_queries):
    few = [HouseholdFactory(area=areas["20662"]) for _ in range(2)]
    many = [HouseholdFactory(area=areas["20641"]) for _ in range(12)]
    for household in [*few, *many]:
        record(admin, household, 2024, POOR)
    with CaptureQueriesContext(connection) as spent:
        approve_area(admin, "20662", 2024, 2)
    with django_assert_max_num_queries(len(spent)):
        approve_area(admin, "20641", 2024, 12)
    assert_as_rebuilt()


@pytest.mark.django_db(transaction=True)
def test_approvals_at_once_in_one_province(areas, users, client_for):
    """Approvals in one commune wait for each other on its row lock, and those of different
    communes on the province's: no figure is lost, and no key is inserted twice."""
    admin = client_for(users["admin"])
    places = ("20641", "20641", "2064101", "20662", "20662", "20194")
    drafts = [record(admin, HouseholdFactory(area=areas[code]), 2024, POOR) for code in places]

    def approve_one(review_id):
        client = APIClient()
        client.force_authenticate(users["admin"])
        return client.post(f"{URL}{review_id}/approve/", DECISION, format="json").status_code

    assert at_once(approve_one, drafts) == [200] * len(drafts)
    assert_as_rebuilt()
