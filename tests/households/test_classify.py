"""Classify without recording: any standard, one not yet in force included."""

import pytest

from households.models import Review

NEW, OLD = "VN-2027-2030", "VN-2022-2025"
THREE = ["water", "latrine", "waste_treatment"]


def classify(client, code, income, deprivations, residence):
    return client.post(f"/api/v1/poverty-standards/{code}/classify/", {
        "income_per_capita": income, "deprivations": deprivations, "residence": residence}, format="json")


@pytest.mark.django_db
class TestClassify:
    # Decree 351/2025: 2,200,000 rural, 2,800,000 urban; poor needs 3 deprivations; no
    # average-living ceiling yet.
    @pytest.mark.parametrize(("residence", "income", "deprivations", "expected"), [
        ("rural", 2_200_000, THREE, "poor"),
        ("rural", 2_200_000, THREE[:2], "near_poor"),
        ("rural", 0, [], "near_poor"),
        ("rural", 2_200_001, THREE, "non_poor"),
        ("urban", 2_800_000, THREE, "poor"),
        ("urban", 2_800_000, THREE[:2], "near_poor"),
        ("urban", 2_200_001, THREE[:2], "near_poor"),  # above the rural line, under the urban one
        ("urban", 2_800_001, THREE, "non_poor"),
    ])
    def test_under_the_2027_standard(self, users, client_for, residence, income, deprivations, expected):
        response = classify(client_for(users["viewer"]), NEW, income, deprivations, residence)
        assert response.status_code == 200, response.data
        assert response.data["poverty_class"] == expected
        assert response.data["deprivation_count"] == len(deprivations)
        assert response.data["standard"] == NEW
        assert NEW in response.data["explanation"]
        assert not Review.objects.exists()

    def test_the_explanation_is_the_one_a_review_gives(self, users, client_for):
        answer = classify(client_for(users["officer"]), NEW, 2_300_000, [], "rural").data
        assert answer["explanation"] == (
            "Income of 2,300,000 VND per person per month is above the rural poverty line of 2,200,000 VND "
            f"({NEW} sets no average-living ceiling): not poor.")

    @pytest.mark.parametrize(("income", "expected"), [
        (1_500_000, "near_poor"), (2_250_000, "average_living"), (2_250_001, "non_poor")])
    def test_under_the_standard_in_force(self, users, client_for, income, expected):
        assert classify(client_for(users["officer"]), OLD, income, ["telecom"], "rural").data[
            "poverty_class"] == expected

    def test_an_indicator_the_standard_does_not_have_is_refused_by_name(self, users, client_for):
        response = classify(client_for(users["officer"]), NEW, 1_000_000, ["water", "info_devices"], "rural")
        assert response.status_code == 400
        assert "info_devices" in response.data["deprivations"][0] and NEW in response.data["deprivations"][0]
        assert classify(client_for(users["officer"]), OLD, 1_000_000, ["info_devices"], "rural").status_code == 200

    @pytest.mark.parametrize(("body", "field"), [
        ({"income_per_capita": -1, "deprivations": [], "residence": "rural"}, "income_per_capita"),
        ({"income_per_capita": "1000", "deprivations": [], "residence": "rural"}, "income_per_capita"),
        ({"income_per_capita": 1, "deprivations": ["water", "water"], "residence": "rural"}, "deprivations"),
        ({"income_per_capita": 1, "deprivations": [], "residence": "suburban"}, "residence"),
        ({"income_per_capita": 1, "deprivations": []}, "residence"),
    ])
    def test_bad_input_names_the_field(self, users, client_for, body, field):
        response = client_for(users["officer"]).post(f"/api/v1/poverty-standards/{NEW}/classify/", body,
                                                     format="json")
        assert response.status_code == 400 and field in response.data

    def test_an_unknown_standard_is_404_and_signed_out_callers_401(self, users, client_for):
        from rest_framework.test import APIClient
        assert classify(client_for(users["viewer"]), "VN-1999", 1, [], "rural").status_code == 404
        assert classify(APIClient(), NEW, 1, [], "rural").status_code == 401
