"""A new standard is a new baseline: with the clock in 2027, households first judged by Decree
351/2025's standard neither escape nor relapse, and the reports say so."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programmes.services import enrollment_create, programme_create
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve

IN_2027 = datetime(2027, 12, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
OLD_POOR = {"income": 1_400_000, "deprivations": ("water", "latrine", "telecom")}
OLD_NEAR_POOR = {"income": 1_400_000, "deprivations": ("water",)}
# Under VN-2027-2030 (2,200,000 rural): the same households' 2027 figures.
NEW_NEAR_POOR = {"income": 2_000_000, "deprivations": ("water", "latrine")}
NEW_POOR = {"income": 2_100_000, "deprivations": ("water", "latrine", "waste_treatment")}
NEW_NON_POOR = {"income": 2_300_000, "deprivations": ()}


def household(area, history):
    h = HouseholdFactory(area=area, members=[member_data()])
    for year, review in history.items():
        approve(h, year=year, **review)
    return h


@pytest.fixture
def in_2027():
    with time_machine.travel(IN_2027, tick=True):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("in_2027")
class TestNewStandard:
    @pytest.fixture
    def register(self, areas):
        return {
            # poor in 2026; under the new lines near-poor: not an escape.
            "lines_moved_down": household(areas["20641"], {2026: OLD_POOR, 2027: NEW_NEAR_POOR}),
            # escaped in 2026; poor under the new lines: not a relapse.
            "lines_moved_up": household(areas["20641"], {2025: OLD_POOR, 2026: OLD_NEAR_POOR, 2027: NEW_POOR}),
            # a real escape under the old standard, then a new baseline of not poor.
            "escaped": household(areas["20641"], {2025: OLD_POOR, 2026: OLD_NEAR_POOR, 2027: NEW_NON_POOR}),
            # first ever reviewed in 2027: a first review, not a new baseline.
            "newcomer": household(areas["20641"], {2027: NEW_POOR}),
        }

    def test_the_first_review_under_the_new_standard_is_a_new_baseline(self, register, users, client_for):
        client = client_for(users["officer"])
        for name, expected in [("lines_moved_down", ["first_review", "new_standard"]),
                               ("lines_moved_up", ["first_review", "escaped_to_near_poor", "new_standard"]),
                               ("newcomer", ["first_review"])]:
            reviews = client.get("/api/v1/reviews/", {"household": register[name].pk}).data["results"]
            assert [r["transition"] for r in sorted(reviews, key=lambda r: r["year"])] == expected, name
            assert {r["standard"] for r in reviews if r["year"] == 2027} == {"VN-2027-2030"}
        new = client.get("/api/v1/reviews/", {"household": register["lines_moved_down"].pk, "year": 2027})
        assert new.data["results"][0]["poverty_class"] == "near_poor"

    def test_later_reviews_compare_with_the_new_baseline(self, areas, users, client_for):
        with time_machine.travel(datetime(2028, 12, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True):
            h = household(areas["20641"], {2026: OLD_POOR, 2027: NEW_POOR, 2028: NEW_NEAR_POOR})
            reviews = client_for(users["officer"]).get("/api/v1/reviews/", {"household": h.pk}).data["results"]
            assert [r["transition"] for r in sorted(reviews, key=lambda r: r["year"])] == [
                "first_review", "new_standard", "escaped_to_near_poor"]

    def test_the_poverty_report_counts_the_new_baseline_apart(self, register, users, client_for):
        report = client_for(users["manager"]).get("/api/v1/reports/poverty/", {"area": "20641", "year": 2027}).data
        transitions = report["transitions"]
        assert transitions["new_standard"] == 3 and transitions["first_review"] == 1
        assert sum(transitions[t] for t in ("escaped_to_near_poor", "escaped_above_near_poor", "relapsed_poor",
                                            "newly_poor", "remained_poor", "relapsed_near_poor",
                                            "newly_near_poor", "escaped_near_poverty")) == 0
        assert report["new_standard"] == {"poor": 1, "near_poor": 1, "average_living": 0, "non_poor": 1}
        assert report["classes"]["poor"] == 2  # the newcomer too
        assert set(report["deprivations"]) >= {"waste_treatment", "digital_services"}
        assert "info_devices" not in report["deprivations"]

    def test_the_sustainability_report_stops_observing_at_the_new_standard(self, register, users, client_for):
        report = client_for(users["manager"]).get("/api/v1/reports/sustainability/",
                                                  {"area": "20641", "exit_year": 2026}).data
        assert report["escaped"] == 2
        assert report["steps"] == [{"years_after": 1, "observed": 0, "still_out": 0, "share": None}]

    def test_programme_outcomes_count_no_exit_across_standards(self, areas, users, client_for):
        manager = users["manager"]
        programme = programme_create(
            by=manager, code="QS-2026", name="Lạc giống", kind="livelihood", area=areas["20641"],
            starts_on=date(2026, 1, 1), budget=100_000_000, funding_source="local", eligible_classes=["poor"],
            status="open")
        enrolled = household(areas["20641"], {2026: OLD_POOR})
        enrollment_create(by=manager, programme=programme, household=enrolled, enrolled_on=date(2027, 1, 15))
        approve(enrolled, year=2027, **NEW_NEAR_POOR)
        household(areas["20641"], {2026: OLD_POOR, 2027: NEW_NON_POOR})  # the comparison group
        body = client_for(manager).get(f"/api/v1/reports/programmes/{programme.pk}/outcomes/").data
        assert (body["escaped"], body["exit_rate"], body["relapsed"]) == (0, 0.0, 0)
        assert body["comparison"] == {"households": 1, "escaped": 0, "exit_rate": 0.0}
