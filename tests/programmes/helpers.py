"""Helpers shared by the programme tests."""

from datetime import date

from households.services import review_approve, review_record
from povertycase.access import SYSTEM

URL = "/api/v1/enrollments/"


def approve(household, *, year=2024, income=1_000_000, deprivations=("water", "latrine", "telecom"),
            reviewed_on=None):
    review = review_record(by=SYSTEM, household=household, year=year, kind="periodic",
                           reviewed_on=reviewed_on or date(year, 10, 1), income_per_capita=income,
                           deprivations=deprivations)
    return review_approve(review=review, by=SYSTEM, decision_number="1/QĐ", decision_date=reviewed_on or date(year, 12, 1))


def enrol(client, programme, household, on="2025-03-01", **extra):
    return client.post(URL, {"programme": programme["id"], "household": str(household.id), "enrolled_on": on,
                             **extra}, format="json")
