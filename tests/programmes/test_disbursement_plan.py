"""A programme's disbursement plan, deliveries by funding source, and the report of one against
the other: through the HTTP API."""

import io
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from programmes.models import DisbursementPlanLine, Period, Programme
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve, enrol

URL = "/api/v1/programmes/"
DELIVERIES = "/api/v1/deliveries/"

PLAN = [
    {"period": "2025-01", "funding_source": "central", "amount": 1_000_000},
    {"period": "2025-02", "funding_source": "local", "amount": 1_000_000},
    {"period": "2025-03", "funding_source": "central", "amount": 2_000_000},
]


def body(**overrides):
    found = {"code": "QS-LUA", "name": "Lúa giống thương phẩm", "kind": "livelihood", "area": "20641",
             "starts_on": "2025-01-01", "ends_on": "2025-06-30", "budget": 10_000_000, "funding_source": "central",
             "eligible_classes": ["poor"], "status": "open", "plan": PLAN}
    found.update(overrides)
    return found


def create(client, **overrides):
    response = client.post(URL, body(**overrides), format="json")
    assert response.status_code == 201, response.data
    return response.data


def deliver(client, enrolment, value, on, **extra):
    response = client.post(DELIVERIES, {"enrollment": enrolment["id"], "kind": "cash", "description": "Tiền giống",
                                        "value": value, "delivered_on": on, **extra}, format="json")
    assert response.status_code == 201, response.data
    return response.data


def enrolled(client, programme, area, on="2025-01-05"):
    household = HouseholdFactory(area=area, members=[member_data()])
    approve(household)
    response = enrol(client, programme, household, on=on)
    assert response.status_code == 201, response.data
    return response.data


def figures(rows, *fields):
    return [tuple(row[f] for f in fields) for row in rows]


ROW = ("period", "planned", "spent", "cumulative_planned", "cumulative", "gap", "behind")


@pytest.mark.django_db
class TestPlan:
    def test_created_with_the_programme_and_read_back(self, manager, officer):
        created = create(manager)
        assert created["plan_period"] == "month"
        assert created["plan"] == PLAN
        read = officer.get(f"{URL}{created['id']}/").data
        assert (read["plan_period"], read["plan"]) == ("month", PLAN)
        assert officer.get(URL).data["results"][0]["plan"] == PLAN

    def test_by_quarter(self, manager):
        plan = [{"period": "2025-Q2", "funding_source": "community", "amount": 5},
                {"period": "2025-Q1", "funding_source": "credit", "amount": 7}]
        created = create(manager, plan_period="quarter", plan=plan)
        assert created["plan"] == [plan[1], plan[0]]

    @pytest.mark.parametrize(("plan", "errors"), [
        ([{"period": "2025-13", "funding_source": "central", "amount": 1}],
         {"0": {"period": ["This value does not match the required pattern."]}}),
        ([PLAN[0], {"period": "2025-Q1", "funding_source": "central", "amount": 1}],
         {"1": {"period": ["2025-Q1 is not a month: this programme's plan is by month (plan_period)."]}}),
        ([PLAN[0], PLAN[1], {"period": "2024-12", "funding_source": "central", "amount": 1}],
         {"2": {"period": ["2024-12 is outside the programme's grant, 2025-01-01 to 2025-06-30."]}}),
        ([{"period": "2025-07", "funding_source": "central", "amount": 1}],
         {"0": {"period": ["2025-07 is outside the programme's grant, 2025-01-01 to 2025-06-30."]}}),
        ([*PLAN, {"period": "2025-03", "funding_source": "central", "amount": 1}],
         {"3": {"funding_source": ["Row 2 already plans central budget for 2025-03."]}}),
        ([{"period": "2025-01", "funding_source": "central", "amount": 0}],
         {"0": {"amount": ["Ensure this value is greater than or equal to 1."]}}),
        ([{"period": "2025-01", "funding_source": "central", "amount": "5"}],
         {"0": {"amount": ["Expected a whole number."]}}),
        ([PLAN[0], {"period": "2025-01", "funding_source": "lottery", "amount": 1}],
         {"1": {"funding_source": ['"lottery" is not a valid choice.']}}),
        ([{"period": "2025-01", "funding_source": "central", "amount": 6_000_000},
          {"period": "2025-02", "funding_source": "central", "amount": 4_000_001}],
         ["The plan totals 10,000,001 VND, more than the budget (10,000,000 VND)."]),
    ])
    def test_each_rule_refused_naming_the_row_and_field(self, manager, plan, errors):
        response = manager.post(URL, body(plan=plan), format="json")
        assert response.status_code == 400
        assert response.json() == {"plan": errors}
        assert not Programme.objects.exists() and not DisbursementPlanLine.objects.exists()

    def test_a_quarter_overlapping_the_grant_is_in_it(self, manager):
        create(manager, starts_on="2025-02-15", plan_period="quarter",
               plan=[{"period": "2025-Q1", "funding_source": "central", "amount": 1}])

    def test_a_row_is_whole_in_a_patch_too(self, manager):
        created = create(manager)
        response = manager.patch(f"{URL}{created['id']}/", {"plan": [{"period": "2025-01", "funding_source": "local"}]},
                                 format="json")
        assert response.status_code == 400
        assert response.json() == {"plan": {"0": {"amount": ["This field is required."]}}}

    def test_replaced_as_a_whole_with_history(self, manager, users):
        created = create(manager)
        url = f"{URL}{created['id']}/"
        january = DisbursementPlanLine.objects.get(period="2025-01")
        new_plan = [{"period": "2025-01", "funding_source": "central", "amount": 1_000_000},
                    {"period": "2025-03", "funding_source": "central", "amount": 3_000_000},
                    {"period": "2025-04", "funding_source": "enterprise", "amount": 500_000}]
        response = manager.patch(url, {"plan": new_plan}, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 200, response.data
        assert (response.data["plan"], response.data["version"]) == (new_plan, 2)
        assert DisbursementPlanLine.objects.get(period="2025-01").pk == january.pk  # unchanged, kept
        history = DisbursementPlanLine.history.order_by("history_id")
        assert [(h.period, h.funding_source, h.amount, h.history_type, h.history_user) for h in history[3:]] == [
            ("2025-02", "local", 1_000_000, "-", users["manager"]),
            ("2025-03", "central", 3_000_000, "~", users["manager"]),
            ("2025-04", "enterprise", 500_000, "+", users["manager"]),
        ]

        assert manager.patch(url, {"name": "Lúa giống"}, format="json").data["plan"] == new_plan
        assert manager.patch(url, {"plan": []}, format="json").data["plan"] == []
        assert not DisbursementPlanLine.objects.exists()
        assert DisbursementPlanLine.history.filter(history_type="-").count() == 4

    def test_budget_cannot_fall_below_the_plan(self, manager):
        created = create(manager)
        url = f"{URL}{created['id']}/"
        response = manager.patch(url, {"budget": 3_999_999}, format="json")
        assert response.status_code == 400
        assert response.json() == {"budget": ["The plan totals 4,000,000 VND; the budget cannot be less."]}
        assert manager.patch(url, {"budget": 4_000_000}, format="json").status_code == 200
        both = manager.patch(url, {"budget": 1_000_000, "plan": [PLAN[0]]}, format="json")
        assert both.status_code == 200, both.data
        over = manager.patch(url, {"budget": 999_999, "plan": [PLAN[0]]}, format="json")
        assert over.json() == {"plan": ["The plan totals 1,000,000 VND, more than the budget (999,999 VND)."]}

    def test_dates_and_plan_period_cannot_leave_the_plan_wrong(self, manager):
        created = create(manager)
        url = f"{URL}{created['id']}/"
        late = manager.patch(url, {"starts_on": "2025-02-01"}, format="json")
        assert late.json() == {"starts_on": ["The plan has amounts for 2025-01, outside 2025-02-01 to 2025-06-30: "
                                             "send the plan with the new dates."]}
        early = manager.patch(url, {"ends_on": "2025-02-28"}, format="json")
        assert early.json() == {"ends_on": ["The plan has amounts for 2025-03, outside 2025-01-01 to 2025-02-28: "
                                            "send the plan with the new dates."]}
        quarters = manager.patch(url, {"plan_period": "quarter"}, format="json")
        assert quarters.json() == {"plan_period": ["The plan is by month: send the plan by quarter with this change."]}
        plan = [{"period": "2025-Q1", "funding_source": "central", "amount": 4_000_000}]
        changed = manager.patch(url, {"plan_period": "quarter", "plan": plan}, format="json")
        assert (changed.status_code, changed.data["plan_period"], changed.data["plan"]) == (200, "quarter", plan)
        assert manager.patch(url, {"plan": [], "plan_period": "month"}, format="json").status_code == 200

    def test_community_is_a_funding_source(self, manager):
        assert create(manager, funding_source="community", plan=[])["funding_source"] == "community"

    def test_only_the_programmes_managers_change_the_plan(self, manager, officer, users, client_for):
        created = create(manager)
        url = f"{URL}{created['id']}/"
        assert officer.patch(url, {"plan": []}, format="json").status_code == 403
        assert client_for(users["hanoi"]).get(url).status_code == 404
        assert DisbursementPlanLine.objects.count() == 3


@pytest.mark.django_db
def test_deliveries_name_their_funding_source(manager, officer, areas):
    programme = create(manager, funding_source="enterprise")
    enrolment = enrolled(officer, programme, areas["20641"])
    assert deliver(officer, enrolment, 1_000, "2025-01-10")["funding_source"] == "enterprise"
    assert deliver(officer, enrolment, 2_000, "2025-01-11", funding_source="credit")["funding_source"] == "credit"
    refused = officer.post(DELIVERIES, {"enrollment": enrolment["id"], "kind": "cash", "description": "x",
                                        "value": 1, "delivered_on": "2025-01-12", "funding_source": "lottery"},
                           format="json")
    assert refused.status_code == 400 and list(refused.data) == ["funding_source"]
    assert [d["value"] for d in officer.get(DELIVERIES, {"funding_source": "credit"}).data["results"]] == [2_000]
    assert officer.get(DELIVERIES, {"funding_source": "bank"}).status_code == 400


@pytest.fixture
def delivered(manager, officer, areas):
    """QS-LUA, January to June 2025, planned by month (central Jan 1M, Mar 2M; local Feb 1M),
    delivered central Jan 1M and Apr 1.5M, local Mar 0.5M."""
    programme = create(manager)
    enrolment = enrolled(officer, programme, areas["20641"])
    deliver(officer, enrolment, 1_000_000, "2025-01-10")
    deliver(officer, enrolment, 500_000, "2025-03-15", funding_source="local")
    deliver(officer, enrolment, 1_500_000, "2025-04-02")
    cancelled = deliver(officer, enrolment, 9_000, "2025-05-02")
    assert officer.post(f"{DELIVERIES}{cancelled['id']}/cancel/", {"reason": "Ghi nhầm"},
                        format="json").status_code == 200
    return programme


@pytest.mark.django_db
class TestReport:
    def test_by_month_with_empty_months_as_zeros(self, manager, delivered):
        report = manager.get(f"{URL}{delivered['id']}/disbursement/").data
        assert (report["period"], report["plan_period"], report["budget"], report["planned"], report["spent"],
                report["remaining"], report["share"], report["behind"], report["whole_programme"]) == (
            "month", "month", 10_000_000, 4_000_000, 3_000_000, 7_000_000, 30.0, True, True)
        assert figures(report["periods"], *ROW) == [
            ("2025-01", 1_000_000, 1_000_000, 1_000_000, 1_000_000, 0, False),
            ("2025-02", 1_000_000, 0, 2_000_000, 1_000_000, -1_000_000, True),
            ("2025-03", 2_000_000, 500_000, 4_000_000, 1_500_000, -2_500_000, True),
            ("2025-04", 0, 1_500_000, 4_000_000, 3_000_000, -1_000_000, True),
            ("2025-05", 0, 0, 4_000_000, 3_000_000, -1_000_000, True),
            ("2025-06", 0, 0, 4_000_000, 3_000_000, -1_000_000, True),
        ]
        assert figures(report["periods"], "starts_on", "ends_on", "share")[1] == ("2025-02-01", "2025-02-28", 10.0)
        central, local = report["by_source"]
        assert (central["funding_source"], central["planned"], central["spent"], central["behind"]) == (
            "central", 3_000_000, 2_500_000, True)
        assert figures(central["periods"], *ROW) == [
            ("2025-01", 1_000_000, 1_000_000, 1_000_000, 1_000_000, 0, False),
            ("2025-02", 0, 0, 1_000_000, 1_000_000, 0, False),
            ("2025-03", 2_000_000, 0, 3_000_000, 1_000_000, -2_000_000, True),
            ("2025-04", 0, 1_500_000, 3_000_000, 2_500_000, -500_000, True),
            ("2025-05", 0, 0, 3_000_000, 2_500_000, -500_000, True),
            ("2025-06", 0, 0, 3_000_000, 2_500_000, -500_000, True),
        ]
        assert (local["funding_source"], local["planned"], local["spent"]) == ("local", 1_000_000, 500_000)
        assert figures(local["periods"], "period", "gap", "behind")[:3] == [
            ("2025-01", 0, False), ("2025-02", -1_000_000, True), ("2025-03", -500_000, True)]
        # No projects: the roll-up is the programme alone.
        rollup = report["rollup"]
        assert rollup["projects"] == [] and rollup["periods"] == report["periods"]
        assert rollup["by_source"] == report["by_source"]

    def test_by_quarter(self, manager, delivered):
        report = manager.get(f"{URL}{delivered['id']}/disbursement/", {"period": "quarter"}).data
        assert figures(report["periods"], *ROW, "starts_on", "ends_on") == [
            ("2025-Q1", 4_000_000, 1_500_000, 4_000_000, 1_500_000, -2_500_000, True, "2025-01-01", "2025-03-31"),
            ("2025-Q2", 0, 1_500_000, 4_000_000, 3_000_000, -1_000_000, True, "2025-04-01", "2025-06-30"),
        ]
        assert [figures(s["periods"], "period", "planned", "spent") for s in report["by_source"]] == [
            [("2025-Q1", 3_000_000, 1_000_000), ("2025-Q2", 0, 1_500_000)],
            [("2025-Q1", 1_000_000, 500_000), ("2025-Q2", 0, 0)],
        ]

    def test_a_quarterly_plan_falls_due_in_the_quarters_last_month(self, manager):
        programme = create(manager, plan_period="quarter", plan=[
            {"period": "2025-Q1", "funding_source": "central", "amount": 3_000_000},
            {"period": "2025-Q2", "funding_source": "central", "amount": 1_000_000}])
        months = manager.get(f"{URL}{programme['id']}/disbursement/").data
        assert figures(months["periods"], "period", "planned", "cumulative_planned", "behind") == [
            ("2025-01", 0, 0, False), ("2025-02", 0, 0, False), ("2025-03", 3_000_000, 3_000_000, True),
            ("2025-04", 0, 3_000_000, True), ("2025-05", 0, 3_000_000, True), ("2025-06", 1_000_000, 4_000_000, True)]
        quarters = manager.get(f"{URL}{programme['id']}/disbursement/", {"period": "quarter"}).data
        assert figures(quarters["periods"], "period", "planned") == [("2025-Q1", 3_000_000), ("2025-Q2", 1_000_000)]

    def test_a_running_programme_reaches_this_month_and_its_plan(self, manager, officer, areas):
        today = timezone.localdate()
        this_month, later = Period.MONTH.start_of(today), Period.MONTH.start_of(today) + relativedelta(months=2)
        start = this_month - relativedelta(months=2)
        programme = create(manager, starts_on=str(start), ends_on=None, plan=[
            {"period": f"{start:%Y-%m}", "funding_source": "local", "amount": 100},
            {"period": f"{later:%Y-%m}", "funding_source": "local", "amount": 50}])
        deliver(officer, enrolled(officer, programme, areas["20641"], on=str(start)), 100, str(start))
        report = manager.get(f"{URL}{programme['id']}/disbursement/").data
        expected = [start + relativedelta(months=n) for n in range(5)]
        assert figures(report["periods"], "period", "planned", "spent", "behind") == [
            (f"{expected[0]:%Y-%m}", 100, 100, False), (f"{expected[1]:%Y-%m}", 0, 0, False),
            (f"{expected[2]:%Y-%m}", 0, 0, None), (f"{expected[3]:%Y-%m}", 0, 0, None),
            (f"{expected[4]:%Y-%m}", 50, 0, None)]
        assert (report["planned"], report["behind"]) == (150, False)

    def test_a_programme_without_plan_or_deliveries_is_all_zeros(self, manager):
        programme = create(manager, plan=[])
        report = manager.get(f"{URL}{programme['id']}/disbursement/", {"period": "quarter"}).data
        assert figures(report["periods"], *ROW) == [("2025-Q1", 0, 0, 0, 0, 0, False),
                                                    ("2025-Q2", 0, 0, 0, 0, 0, False)]
        assert (report["by_source"], report["behind"], report["share"]) == ([], False, 0.0)

    def test_rolled_up_over_projects_and_scoped(self, manager, officer, areas, users, client_for):
        parent = create(manager, code="DN-NTP", area="48", budget=100_000_000, plan=[
            {"period": "2025-01", "funding_source": "central", "amount": 10_000_000}])
        project = create(manager, code="QS-P1", parent="DN-NTP", budget=20_000_000, plan=[
            {"period": "2025-02", "funding_source": "local", "amount": 2_000_000}])
        village = create(manager, code="QS-P1-T1", parent="QS-P1", area="2064101", budget=5_000_000, plan=[
            {"period": "2025-02", "funding_source": "community", "amount": 1_000_000}])
        elsewhere = create(manager, code="QST-P2", parent="DN-NTP", area="20662", budget=7_000_000, plan=[
            {"period": "2025-03", "funding_source": "local", "amount": 3_000_000}])
        create(manager, code="OTHER", plan=[{"period": "2025-01", "funding_source": "central", "amount": 99}])
        deliver(manager, enrolled(manager, parent, areas["20641"]), 4_000_000, "2025-01-20")
        deliver(manager, enrolled(manager, parent, areas["20662"]), 6_000_000, "2025-01-21")
        deliver(manager, enrolled(manager, project, areas["2064101"]), 2_000_000, "2025-02-10", funding_source="local")
        deliver(manager, enrolled(manager, village, areas["2064101"]), 400_000, "2025-02-11",
                funding_source="community")
        deliver(manager, enrolled(manager, elsewhere, areas["20662"]), 3_000_000, "2025-03-01",
                funding_source="local")
        url = f"{URL}{parent['id']}/disbursement/"

        report = manager.get(url, {"period": "quarter"}).data
        assert (report["budget"], report["planned"], report["spent"]) == (100_000_000, 10_000_000, 10_000_000)
        assert figures(report["periods"], *ROW)[0] == ("2025-Q1", 10_000_000, 10_000_000, 10_000_000, 10_000_000,
                                                        0, False)
        rollup = report["rollup"]
        assert [(p["code"], p["area"]) for p in rollup["projects"]] == [
            ("QS-P1", "20641"), ("QS-P1-T1", "2064101"), ("QST-P2", "20662")]
        assert (rollup["budget"], rollup["planned"], rollup["spent"], rollup["remaining"]) == (
            132_000_000, 16_000_000, 15_400_000, 116_600_000)
        assert figures(rollup["periods"], *ROW)[0] == ("2025-Q1", 16_000_000, 15_400_000, 16_000_000, 15_400_000,
                                                        -600_000, True)
        assert [(s["funding_source"], s["planned"], s["spent"], s["behind"]) for s in rollup["by_source"]] == [
            ("central", 10_000_000, 10_000_000, False), ("local", 5_000_000, 5_000_000, False),
            ("community", 1_000_000, 400_000, True)]

        # The commune's officer: deliveries in Quế Sơn, projects open to it; no verdict on a part.
        part = officer.get(url, {"period": "quarter"}).data
        assert (part["whole_programme"], part["spent"], part["behind"]) == (False, 4_000_000, None)
        assert [p["code"] for p in part["rollup"]["projects"]] == ["QS-P1", "QS-P1-T1"]
        assert (part["rollup"]["spent"], part["rollup"]["planned"]) == (6_400_000, 13_000_000)
        assert {row["behind"] for row in part["rollup"]["periods"]} == {None}
        # A project's own report rolls up what is below it only.
        below = manager.get(f"{URL}{project['id']}/disbursement/").data
        assert [p["code"] for p in below["rollup"]["projects"]] == ["QS-P1-T1"]
        assert (below["spent"], below["rollup"]["spent"]) == (2_000_000, 2_400_000)

        sheet = load_workbook(io.BytesIO(manager.get(f"{url}xlsx/").content)).active
        assert "With its projects: QS-P1, QS-P1-T1, QST-P2" in [row[0].value for row in sheet.iter_rows()]
        assert client_for(users["hanoi"]).get(url).status_code == 404
        assert client_for(users["hanoi"]).get(f"{url}xlsx/").status_code == 404

    def test_bad_parameters(self, manager, delivered):
        url = f"{URL}{delivered['id']}/disbursement/"
        for target in (url, f"{url}xlsx/"):
            week = manager.get(target, {"period": "week"})
            assert week.status_code == 400 and week["Content-Type"] == "application/json"
            assert list(week.json()) == ["period"]
            assert manager.get(f"{target}?period=").status_code == 400

    def test_as_a_workbook(self, manager, delivered):
        response = manager.get(f"{URL}{delivered['id']}/disbursement/xlsx/")
        assert response.status_code == 200, response.content
        assert response["Content-Disposition"] == f'attachment; filename="disbursement-{delivered["id"]}-month.xlsx"'
        rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
        first = [row[0] for row in rows]
        assert rows[0][:3] == ["Disbursement against plan", "QS-LUA", "Lúa giống thương phẩm"]
        assert rows[first.index("Budget (VND)")][:2] == ["Budget (VND)", 10_000_000]
        assert rows[first.index("Behind plan")][:2] == ["Behind plan", "yes"]
        header = rows[first.index("All funding sources") + 1]
        assert header == ["Period", "Starts on", "Ends on", "Planned (VND)", "Delivered (VND)",
                          "Cumulative planned (VND)", "Cumulative delivered (VND)", "Gap (VND)", "Behind plan"]
        total = rows[first.index("All funding sources") + 2:first.index("All funding sources") + 8]
        assert [row[0] for row in total] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
        assert total[2][3:] == [2_000_000, 500_000, 4_000_000, 1_500_000, -2_500_000, "yes"]
        assert total[2][1].date() == date(2025, 3, 1)
        local = rows[first.index("local budget") + 2:first.index("local budget") + 8]
        assert [row[4] for row in local] == [0, 0, 500_000, 0, 0, 0]
        assert "central budget" in first
        assert not any(str(value).startswith("With its projects") for value in first)


@pytest.mark.django_db
def test_report_cost_does_not_grow_with_periods_sources_and_projects(manager, areas, django_assert_max_num_queries):
    small = create(manager, code="S", ends_on="2025-01-31", plan=[PLAN[0]])
    deliver(manager, enrolled(manager, small, areas["20641"]), 1, "2025-01-10")

    def queries(programme, period):
        with CaptureQueriesContext(connection) as context:
            assert manager.get(f"{URL}{programme['id']}/disbursement/", {"period": period}).status_code == 200
        return len(context.captured_queries)

    few = queries(small, "month")
    big = create(manager, code="B", area="48", ends_on="2027-12-31", budget=10**12, plan=[
        {"period": f"{2025 + n // 12}-{n % 12 + 1:02d}", "funding_source": source, "amount": 1_000 + n}
        for n in range(36) for source in Programme.FundingSource.values])
    parent = "B"
    for depth in range(4):
        project = create(manager, code=f"B-{depth}", parent=parent, area="20641", ends_on="2027-12-31",
                         budget=10**9, plan=[{"period": "2026-06", "funding_source": "community", "amount": 5}])
        for source in Programme.FundingSource.values:
            deliver(manager, enrolled(manager, project, areas["20641"]), 7, "2025-06-01", funding_source=source)
        parent = project["code"]
    assert queries(big, "month") == queries(big, "quarter") == few
    with django_assert_max_num_queries(4):
        response = manager.get(f"{URL}{big['id']}/disbursement/xlsx/")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_deliveries_their_programmes_funding_source(manager, officer, areas):
    from django.db.migrations.executor import MigrationExecutor

    from programmes.models import Delivery

    programme = create(manager, funding_source="credit")
    delivery = deliver(officer, enrolled(officer, programme, areas["20641"]), 1_000, "2025-01-10",
                       funding_source="local")
    MigrationExecutor(connection).migrate([("programmes", "0004_disbursement_plan")])
    with connection.cursor() as cursor:  # as deliveries stood before they named a source
        for table in ("programmes_delivery", "programmes_historicaldelivery"):
            cursor.execute(f"UPDATE {table} SET funding_source = NULL")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Delivery.objects.get(pk=delivery["id"]).funding_source == "credit"
    assert set(Delivery.history.values_list("funding_source", flat=True)) == {"credit"}


@pytest.mark.django_db
def test_plan_lines_in_the_admin_are_scoped(manager, users, areas):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    create(manager)
    client = APIClient()
    client.force_login(users["admin48"])
    page = client.get("/admin/programmes/disbursementplanline/")
    assert page.status_code == 200 and "2025-03" in page.content.decode()
    line = DisbursementPlanLine.objects.get(period="2025-03")
    assert client.get(f"/admin/programmes/disbursementplanline/{line.pk}/history/").status_code == 200
    hanoi = APIClient()
    hanoi.force_login(UserFactory(username="admin01", role="admin", area=areas["01"]))
    assert "2025-03" not in hanoi.get("/admin/programmes/disbursementplanline/").content.decode()
    assert hanoi.get(f"/admin/programmes/disbursementplanline/{line.pk}/history/").status_code == 404
