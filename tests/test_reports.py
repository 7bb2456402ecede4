"""Outcome reports on small hand-built registers, with the answers worked out here."""

import csv
import io
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from openpyxl import load_workbook

from households import tallies
from households.models import AreaTally, Household, HouseholdYear
from programmes.services import enrollment_create, enrollment_transition, follow_up_record, programme_create
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve

POVERTY = "/api/v1/reports/poverty/"
SUSTAINABILITY = "/api/v1/reports/sustainability/"

POOR = {"income": 1_000_000, "deprivations": ("water", "latrine", "telecom")}
NEAR_POOR = {"income": 1_300_000, "deprivations": ("water",)}
AVERAGE = {"income": 1_900_000, "deprivations": ()}
NON_POOR = {"income": 5_000_000, "deprivations": ()}


def household(area, history, **flags):
    h = HouseholdFactory(area=area, members=[member_data()], **flags)
    for year, review in history.items():
        approve(h, year=year, **review)
    return h


def archive(client, h, on):
    """Archive through the API; the register then dates it `on` (the tests cannot wait a year)."""
    assert client.post(f"/api/v1/households/{h.id}/archive/", {"reason": "moved"}, format="json").status_code == 200
    Household.objects.filter(pk=h.pk).update(archived_on=on)
    tallies.refresh_households([h.pk])


@pytest.fixture
def register(areas, users, client_for):
    """Quế Sơn (20641, rural, with village 2064101), Quế Sơn Trung (20662), Hải Châu (20194, urban)."""
    officer = client_for(users["admin48"])
    built = {
        "escaped": household(areas["2064101"], {2023: POOR, 2024: NEAR_POOR}),
        "stuck": household(areas["20641"], {2023: POOR, 2024: POOR}, ethnic_minority=True),
        "comfortable": household(areas["20641"], {2024: NON_POOR}),
        "unreviewed": household(areas["20641"], {}),
        "leaving": household(areas["20641"], {2024: AVERAGE}),
        "neighbour": household(areas["20662"], {2024: POOR}),
        "town": household(areas["20194"], {2023: NEAR_POOR, 2024: {"income": 1_500_000,
                                                                     "deprivations": ("water", "latrine", "telecom")}}),
    }
    archive(officer, built["leaving"], timezone.localdate())
    return built


@pytest.mark.django_db
class TestPovertyReport:
    def test_a_commune(self, register, users, client_for):
        body = client_for(users["officer"]).get(POVERTY, {"area": "20641", "year": 2024}).data
        assert body["households"] == 5
        assert body["classes"] == {"poor": 1, "near_poor": 1, "average_living": 1, "non_poor": 1, "unclassified": 1}
        assert body["start_of_year"] == {"poor": 2, "near_poor": 0, "average_living": 0, "non_poor": 0,
                                         "unclassified": 3}
        assert (body["poverty_rate"], body["near_poverty_rate"]) == (20.0, 20.0)
        transitions = {k: v for k, v in body["transitions"].items() if v}
        assert transitions == {"escaped_to_near_poor": 1, "remained_poor": 1, "first_review": 2}
        assert body["by_ethnic_minority"]["ethnic_minority"]["classes"]["poor"] == 1
        assert body["by_ethnic_minority"]["other"]["households"] == 4
        assert body["by_residence"]["rural"]["households"] == 5 and body["by_residence"]["urban"]["households"] == 0
        assert body["by_residence"]["urban"]["poverty_rate"] is None
        assert {k: v for k, v in body["deprivations"].items() if v} == {"water": 1, "latrine": 1, "telecom": 1}
        assert body["deprivations"]["health_insurance"] == 0

    def test_the_province_with_its_communes_and_this_year(self, register, users, client_for):
        manager = client_for(users["manager"])
        body = manager.get(POVERTY, {"area": "48", "year": 2024, "group_by": "child"}).data
        assert body["households"] == 7
        assert (body["classes"]["poor"], body["poverty_rate"]) == (3, 42.86)
        assert body["by_residence"]["urban"]["classes"] == {"poor": 1, "near_poor": 0, "average_living": 0,
                                                            "non_poor": 0, "unclassified": 0}
        children = {row["area"]: (row["households"], row["poverty_rate"]) for row in body["children"]}
        assert children == {"20641": (5, 20.0), "20662": (1, 100.0), "20194": (1, 100.0)}
        # Archived this year: left out of this year, still in 2024.
        this_year = manager.get(POVERTY, {"area": "48", "year": timezone.localdate().year}).data
        assert this_year["households"] == 6 and this_year["transitions"]["first_review"] == 0

    def test_a_village_and_the_whole_country(self, register, users, client_for):
        village = client_for(users["officer"]).get(POVERTY, {"area": "2064101", "year": 2024,
                                                             "group_by": "child"}).data
        assert (village["households"], village["classes"]["near_poor"], village["children"]) == (1, 1, [])
        commune = client_for(users["officer"]).get(POVERTY, {"area": "20641", "year": 2024,
                                                             "group_by": "child"}).data
        assert [(c["area"], c["households"]) for c in commune["children"]] == [("2064101", 1)]
        country = client_for(users["admin"]).get(POVERTY, {"year": 2024, "group_by": "child"}).data
        assert (country["area"], country["households"]) == (None, 7)
        assert [(c["area"], c["households"]) for c in country["children"]] == [("01", 0), ("48", 7)]

    def test_scope_and_bad_input(self, register, users, client_for):
        officer = client_for(users["officer"])
        assert officer.get(POVERTY, {"year": 2024}).data["area"] == "20641"
        refused = officer.get(POVERTY, {"area": "48", "year": 2024})
        assert refused.status_code == 400 and "in your area" in str(refused.data["area"])
        assert "Reports cover 2022" in str(officer.get(POVERTY, {"year": 2019}).data["year"])
        assert "year" in officer.get(POVERTY).data
        assert officer.get(POVERTY, {"year": 2024, "group_by": "village"}).status_code == 400
        assert officer.get(POVERTY + "pdf/", {"year": 2024}).status_code == 404
        hanoi = client_for(users["hanoi"]).get(POVERTY, {"year": 2024}).data
        assert (hanoi["area"], hanoi["households"]) == ("01", 0)

    def test_csv_and_xlsx(self, register, users, client_for):
        officer = client_for(users["officer"])
        response = officer.get(POVERTY + "csv/", {"area": "20641", "year": 2024, "group_by": "child"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert ["classes.poor", "1"] in rows and ["poverty_rate", "20.0"] in rows
        assert rows[rows.index(["children"]) + 1][:3] == ["area", "name", "households"]
        book = officer.get(POVERTY + "xlsx/", {"area": "20641", "year": 2024})
        sheet = load_workbook(io.BytesIO(book.content)).active
        assert ["households", 5] in [[c.value for c in row] for row in sheet.iter_rows()]
        error = officer.get(POVERTY + "csv/", {"year": "x"})
        assert error.status_code == 400 and error["Content-Type"] == "application/json"

    def test_figures_follow_every_change(self, register, users, client_for, areas):
        """Approvals, moves and archives keep the tallies equal to a rebuild from scratch."""
        officer = client_for(users["admin48"])
        officer.patch(f"/api/v1/households/{register['neighbour'].id}/", {"area": "20641"}, format="json")
        approve(register["unreviewed"], year=2025, **POOR)
        kept = sorted(AreaTally.objects.values_list("path", "year", "residence", "ethnic_minority", "measure",
                                                    "code", "households"))
        facts = HouseholdYear.objects.count()
        tallies.rebuild()
        assert sorted(AreaTally.objects.values_list("path", "year", "residence", "ethnic_minority", "measure",
                                                    "code", "households")) == kept
        assert HouseholdYear.objects.count() == facts
        body = officer.get(POVERTY, {"area": "20641", "year": 2024}).data
        assert (body["households"], body["classes"]["poor"]) == (6, 2)


@pytest.mark.django_db
def test_sustainability(areas, users, client_for):
    admin = client_for(users["admin48"])
    household(areas["20641"], {2022: POOR, 2023: NEAR_POOR, 2024: NEAR_POOR, 2025: POOR})   # out 1 year
    gone = household(areas["20641"], {2022: POOR, 2023: AVERAGE})                            # archived in 2024
    household(areas["20641"], {2022: POOR, 2023: POOR, 2024: POOR})                          # never out
    household(areas["20662"], {2022: POOR, 2023: NON_POOR, 2024: NON_POOR, 2025: NON_POOR})  # elsewhere
    archive(admin, gone, date(2024, 6, 1))

    body = admin.get(SUSTAINABILITY, {"area": "20641", "exit_year": 2023}).data
    assert body["escaped"] == 2
    assert body["steps"] == [{"years_after": 1, "observed": 1, "still_out": 1, "share": 100.0},
                             {"years_after": 2, "observed": 1, "still_out": 0, "share": 0.0}]
    province = admin.get(SUSTAINABILITY, {"area": "48", "exit_year": 2023}).data
    assert province["escaped"] == 3
    assert [(s["observed"], s["still_out"], s["share"]) for s in province["steps"]] == [(2, 2, 100.0), (2, 1, 50.0)]
    assert admin.get(SUSTAINABILITY, {"area": "48", "exit_year": 2025}).data == {
        "area": "48", "former_area": None, "name": "Thành phố Đà Nẵng", "exit_year": 2025, "escaped": 0, "steps": []}
    assert admin.get(SUSTAINABILITY, {"area": "48"}).status_code == 400


@pytest.mark.django_db
class TestProgrammeOutcomes:
    @pytest.fixture
    def scenario(self, areas, users):
        manager = users["manager"]
        livelihood = programme_create(
            by=manager, code="QS-LUA", name="Lúa giống", kind="livelihood", area=areas["20641"],
            starts_on=date(2024, 1, 1), budget=900_000_000, funding_source="enterprise",
            eligible_classes=["poor", "near_poor"], status="open")
        other = programme_create(
            by=manager, code="QS-BO", name="Bò giống", kind="livelihood", area=areas["20641"],
            starts_on=date(2024, 1, 1), budget=1, funding_source="local", eligible_classes=["poor"], status="open")
        enrolled = {
            "kept_out": household(areas["20641"], {2023: POOR, 2024: NEAR_POOR,
                                                   2025: {"income": 1_450_000, "deprivations": ("water",)}}),
            "relapsed": household(areas["20641"], {2023: {**POOR, "income": 1_200_000}, 2024: AVERAGE,
                                                   2025: {**POOR, "income": 1_100_000}}),
            "stuck": household(areas["20641"], {2023: {**POOR, "income": 800_000}, 2024: POOR}),
            "near": household(areas["20641"], {2023: NEAR_POOR, 2024: {"income": 1_350_000,
                                                                      "deprivations": ("water",)}}),
        }
        enrolments = {name: enrollment_create(by=manager, programme=livelihood, household=h,
                                              enrolled_on=date(2024, 1, 15)) for name, h in enrolled.items()}
        follow_up_record(by=manager, enrollment=enrolments["stuck"], observed_on=date(2025, 6, 1),
                         income_per_capita=1_600_000)
        household(areas["20641"], {2023: POOR, 2024: NEAR_POOR})                 # comparison: escaped
        household(areas["20641"], {2023: POOR, 2024: POOR})                      # comparison: stayed
        elsewhere_enrolled = household(areas["20641"], {2023: POOR, 2024: NEAR_POOR})
        enrollment_create(by=manager, programme=other, household=elsewhere_enrolled, enrolled_on=date(2024, 2, 1))
        household(areas["20662"], {2023: POOR, 2024: NEAR_POOR})                 # outside the area
        return livelihood, enrolments

    def test_outcomes(self, scenario, users, client_for):
        from programmes.services import delivery_record

        livelihood, enrolments = scenario
        delivery_record(by=users["manager"], enrollment=enrolments["kept_out"], kind="in_kind",
                        description="Giống", value=30_000_000, delivered_on=date(2024, 2, 1))
        delivery_record(by=users["manager"], enrollment=enrolments["relapsed"], kind="cash",
                        description="Vốn", value=20_000_000, delivered_on=date(2024, 2, 1))
        body = client_for(users["manager"]).get(f"/api/v1/reports/programmes/{livelihood.pk}/outcomes/").data
        assert (body["enrolled"], body["by_status"]["enrolled"]) == (4, 4)
        assert body["baseline"] == {"poor": 3, "near_poor": 1}
        assert (body["escaped"], body["exit_rate"], body["relapsed"]) == (2, 66.67, 1)
        assert body["sustained_exit_rate"] == {"1": 50.0}
        assert body["income"] == {"baseline_median": 1_100_000, "latest_median": 1_400_000, "change_pct": 27.27}
        assert (body["employment_rate_6m"], body["certificate_rate"]) == (None, None)
        assert (body["budget"], body["spent"], body["cost_per_exit"]) == (900_000_000, 50_000_000, 25_000_000)
        assert body["comparison"] == {"households": 2, "escaped": 1, "exit_rate": 50.0}
        assert body["exit_rate_difference"] == 16.67

        ranked = client_for(users["manager"]).get("/api/v1/reports/programmes/", {"area": "20641"}).data
        assert [(p["code"], p["escaped"], p["exit_rate"], p["comparison_exit_rate"]) for p in ranked["programmes"]] == [
            ("QS-BO", 1, 100.0, 50.0), ("QS-LUA", 2, 66.67, 50.0)]
        assert client_for(users["hanoi"]).get(f"/api/v1/reports/programmes/{livelihood.pk}/outcomes/").status_code == 404

    def test_training_work_and_certificates(self, areas, users, client_for):
        manager = users["manager"]
        training = programme_create(
            by=manager, code="QS-HAN", name="Hàn", kind="vocational_training", area=areas["48"],
            starts_on=date(2024, 1, 1), budget=1, funding_source="central", eligible_classes=["poor"],
            status="open", min_age=16, max_age=60)
        completed_on = date(2025, 1, 10)
        trainees = []
        for n in range(3):
            h = household(areas["20641"], {2023: POOR})
            e = enrollment_create(by=manager, programme=training, household=h, member=h.members.get(),
                                  enrolled_on=date(2024, 3, 1))
            enrollment_transition(enrollment=e, by=manager, status="active", on=date(2024, 3, 2))
            trainees.append(enrollment_transition(enrollment=e, by=manager, status="completed", on=completed_on))
        late = completed_on + relativedelta(months=6)
        follow_up_record(by=manager, enrollment=trainees[0], observed_on=late + relativedelta(months=1),
                         employment="wage", monthly_earnings=6_000_000, certificate=True)
        follow_up_record(by=manager, enrollment=trainees[1], observed_on=completed_on + relativedelta(months=2),
                         employment="wage", certificate=True)
        # Ten days before the 6-month point: it meets that point's due, so it counts as the 6-month visit.
        follow_up_record(by=manager, enrollment=trainees[2], observed_on=late - timedelta(days=10),
                         employment="unemployed", certificate=False)
        body = client_for(manager).get(f"/api/v1/reports/programmes/{training.pk}/outcomes/").data
        assert (body["employment_rate_6m"], body["certificate_rate"]) == (50.0, 50.0)
        table = client_for(manager).get(f"/api/v1/reports/programmes/{training.pk}/outcomes/csv/")
        assert ["employment_rate_6m", "50.0"] in list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"year": 2024, "area": ""}, {"year": 2024, "former_area": ""}])
def test_parameters_without_values_are_refused(users, client_for, query):
    response = client_for(users["admin"]).get(POVERTY, query)
    assert response.status_code == 400 and "give it a value" in str(response.data)


@pytest.mark.django_db
def test_ranking_programmes_costs_the_same_queries_for_many(areas, users, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = users["manager"]

    def add(n):
        programme = programme_create(
            by=manager, code=f"P{n}", name=f"P{n}", kind="livelihood" if n % 2 else "vocational_training",
            area=areas["20641"] if n % 3 else areas["48"], starts_on=date(2024, 1, 1), budget=10**9,
            funding_source="local", eligible_classes=["poor"], status="open")
        h = household(areas["20641"], {2023: POOR, 2024: NEAR_POOR})
        enrollment_create(by=manager, programme=programme, household=h, enrolled_on=date(2024, 2, 1),
                          member=h.members.get() if n % 2 == 0 else None)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client_for(manager).get("/api/v1/reports/programmes/", {"area": "48"})
        assert response.status_code == 200
        return len(context.captured_queries), len(response.data["programmes"])

    add(1)
    few = queries()
    for n in range(2, 7):
        add(n)
    many = queries()
    assert (many[0], many[1]) == (few[0], 6)
