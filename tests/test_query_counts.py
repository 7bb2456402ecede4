"""Every list costs the same number of queries whatever the number of rows, and none of them
counts the table."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.services import review_approve, review_record
from povertycase.access import SYSTEM
from tests.factories import AreaFactory, HouseholdFactory, UserFactory, member_data


def grow(areas, start, count):
    commune = areas["20641"]
    for n in range(start, start + count):
        village = AreaFactory(code=f"20641{n:02d}", name=f"Thôn {n}", level="village", parent=commune, residence="")
        household = HouseholdFactory(
            area=village,
            members=[member_data(), member_data(full_name=f"Con {n}", relationship="child")],
        )
        UserFactory(username=f"canbo{n}", area=village)
        review = review_record(by=SYSTEM, household=household, year=2024, kind="periodic",
                               reviewed_on=date(2024, 10, 1), income_per_capita=1_000_000,
                               deprivations=["water"])
        if n % 2:
            review_approve(review=review, by=SYSTEM, decision_number="1/QĐ", decision_date=date(2024, 12, 1))


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return context.captured_queries


LISTS = [
    "/api/v1/areas/",
    "/api/v1/households/",
    "/api/v1/households/?area=20641&search=nguyen&status=active",
    "/api/v1/members/",
    "/api/v1/users/",
    "/api/v1/reviews/",
    "/api/v1/reviews/?area=20641&year=2024&status=approved",
    "/api/v1/poverty-standards/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS)
def test_list_cost_does_not_grow_with_rows(users, client_for, areas, url):
    client = client_for(users["admin48"])
    grow(areas, 10, 2)
    few = queries_for(client, url)
    grow(areas, 20, 8)
    many = queries_for(client, url)

    assert len(many) == len(few), [q["sql"] for q in many]
    assert len(many) <= 4
    assert not any("COUNT(" in q["sql"].upper() for q in many)


@pytest.mark.django_db
def test_history_cost_does_not_grow_with_changes(users, client_for, household):
    client = client_for(users["officer"])
    url = f"/api/v1/households/{household.id}/history/"
    client.patch(f"/api/v1/households/{household.id}/", {"address": "1"}, format="json")
    few = queries_for(client, url)
    for n in range(6):
        client.patch(f"/api/v1/households/{household.id}/", {"address": str(n), "area": "20641"}, format="json")
        client.patch(f"/api/v1/members/{household.members.last().id}/", {"ethnicity": str(n)}, format="json")
    many = queries_for(client, url)
    assert len(many) == len(few)
