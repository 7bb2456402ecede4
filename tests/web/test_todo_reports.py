"""The officer's follow-up visits and the manager's reports, in the browser."""

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from povertycase.web.views import todo
from programmes.models import FollowUp
from programmes.services import delivery_record, enrollment_create, enrollment_transition, programme_create
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve
from tests.web.conftest import Weights, log_in

pytestmark = pytest.mark.django_db(transaction=True)

POOR = {"income": 1_000_000, "deprivations": ("water", "latrine", "telecom")}
NEAR_POOR = {"income": 1_300_000, "deprivations": ("water",)}
NON_POOR = {"income": 5_000_000, "deprivations": ()}


def light_and_accessible(page, url):
    weights = Weights(page)
    response = page.goto(url)
    assert response.status == 200, url
    html = len(response.body())
    assert html <= 30_000, f"{url}: {html} bytes of HTML"
    assert weights.total("document") <= 30_000
    serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{url}: {[(v['id'], v['help'], [n['target'] for n in v['nodes']]) for v in serious]}"


def household(area, history, **fields):
    h = HouseholdFactory(area=area, **fields)
    for year, review in history.items():
        approve(h, year=year, **review)
    return h


def completed(programme, h, *, by, assigned_to, on):
    """An enrolment of `h` completed `on`: its follow-ups fall due 6 and 12 months later."""
    enrolment = enrollment_create(by=by, programme=programme, household=h, enrolled_on=on - timedelta(days=60),
                                  assigned_to=assigned_to)
    enrollment_transition(enrollment=enrolment, by=by, status="active", on=on - timedelta(days=59))
    return enrollment_transition(enrollment=enrolment, by=by, status="completed", on=on)


@pytest.fixture
def dues(areas, users):
    """Two follow-ups due this week in Quế Sơn: the officer's, 3 days overdue, and the manager's,
    due in 5 days."""
    today = timezone.localdate()
    baseline = today.year - 1
    programme = programme_create(
        by=users["manager"], code="QS-GAO", name="Lúa giống", kind="livelihood", area=areas["20641"],
        starts_on=date(baseline, 1, 1), budget=500_000_000, funding_source="enterprise", eligible_classes=["poor"],
        status="open")
    thao = household(areas["2064101"], {baseline: POOR}, address="Tổ 3, Thôn 1",
                     members=[member_data(full_name="Hồ Thị Thảo", sex="female")])
    hung = household(areas["20641"], {baseline: POOR}, members=[member_data(full_name="Hồ Văn Hùng")])
    six_months_ago = today - relativedelta(months=6)
    return {
        "officer": completed(programme, thao, by=users["manager"], assigned_to=users["officer"],
                             on=six_months_ago - timedelta(days=3)),
        "manager": completed(programme, hung, by=users["manager"], assigned_to=users["manager"],
                             on=six_months_ago + timedelta(days=5)),
    }


def test_an_officer_plans_a_visit_and_records_the_follow_up(live_server, page, users, dues):
    log_in(page, live_server, "officer")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Việc cần làm").click()
    cards = page.locator("article")
    expect(cards).to_have_count(1)  # not the manager's
    card = cards.first
    expect(card.get_by_role("heading")).to_contain_text("Hồ Thị Thảo")
    expect(card).to_contain_text("Tổ 3, Thôn 1")
    expect(card).to_contain_text("Thôn 1, Xã Quế Sơn")
    expect(card).to_contain_text("Lúa giống")
    due_on = (dues["officer"].status_changed_on + relativedelta(months=6)).strftime("%d/%m/%Y")
    expect(card).to_contain_text(f"Đến hạn ngày {due_on}")
    expect(card.get_by_text("Quá hạn")).to_be_visible()
    light_and_accessible(page, page.url)

    card.get_by_role("link", name=re.compile("Ghi nhận lần theo dõi")).click()
    light_and_accessible(page, page.url)
    expect(page.get_by_label("Đã có chứng chỉ đào tạo")).to_have_count(0)  # a livelihood project
    page.get_by_label("Việc làm").select_option("unemployed")
    page.get_by_label("Thu nhập hằng tháng (đồng)").fill("2500000")
    page.get_by_role("button", name="Lưu").click()
    field = page.locator(".field", has=page.get_by_label("Thu nhập hằng tháng (đồng)"))
    expect(field.locator(".error")).to_contain_text("làm công ăn lương hoặc tự làm")  # the service's rule

    page.get_by_label("Thu nhập bình quân đầu người/tháng (đồng)").fill("1600000")
    page.get_by_label("Việc làm").select_option("self_employed")
    page.get_by_label("Ghi chú").fill("Bán lúa giống cho công ty.")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã ghi nhận lần theo dõi hộ {dues['officer'].household.code}")
    expect(page.locator("article")).to_have_count(0)
    expect(page.get_by_text("Tuần này không có lần theo dõi nào đến hạn.")).to_be_visible()
    follow_up = FollowUp.objects.get(enrollment=dues["officer"])
    assert (follow_up.income_per_capita, follow_up.employment, follow_up.monthly_earnings, follow_up.recorded_by) == (
        1_600_000, "self_employed", 2_500_000, users["officer"])
    assert follow_up.observed_on == timezone.localdate()


def test_a_manager_switches_to_the_whole_area(users, dues, monkeypatch, django_assert_max_num_queries):
    client = Client(headers={"Accept-Language": "vi"})
    client.force_login(users["manager"])
    mine = client.get("/todo/").content.decode()
    assert "Hồ Văn Hùng" in mine and "Hồ Thị Thảo" not in mine
    # Session, user, its area; the dues with their households, units and programmes; the heads.
    with django_assert_max_num_queries(5):
        area = client.get("/todo/?scope=area").content.decode()
    assert area.index("Hồ Thị Thảo") < area.index("Hồ Văn Hùng")  # soonest first
    assert "officer" in area  # whom each is assigned to
    monkeypatch.setattr(todo, "PAGE", 1)
    first = client.get("/todo/?scope=area")
    assert "Hồ Thị Thảo" in first.content.decode() and "Hồ Văn Hùng" not in first.content.decode()
    assert "Trang sau" in first.content.decode()
    following = client.get("/todo/" + first.context["next"]).content.decode()
    assert "Hồ Văn Hùng" in following and "Hồ Thị Thảo" not in following and "Trang sau" not in following
    client.force_login(users["hanoi"])
    assert "Hồ" not in client.get("/todo/?scope=area").content.decode()
    assert client.get(f"/todo/{dues['officer'].follow_ups_due.get(months=6).pk}/").status_code == 404


def test_a_viewer_has_no_to_do(live_server, page, users):
    log_in(page, live_server, "viewer")
    navigation = page.get_by_role("navigation", name="Điều hướng chính")
    expect(navigation.get_by_role("link", name="Báo cáo")).to_be_visible()
    expect(navigation.get_by_role("link", name="Việc cần làm")).to_have_count(0)
    assert page.goto(live_server.url + "/todo/").status == 403


@pytest.fixture
def register(areas, users):
    """Đà Nẵng (48): seven households in three communes, reviewed 2022–2024, and two programmes.

    | household  | unit     | 2022 | 2023      | 2024      |
    | escaped    | 2064101  |      | poor      | near-poor |
    | stuck      | 20641    |      | poor      | poor      |
    | comfortable| 20641    |      |           | not poor  |
    | unreviewed | 20641    |      |           |           |
    | neighbour  | 20662    |      |           | poor      |
    | relapse    | 20662    | poor | near-poor | poor      |
    | town       | 20194    |      | near-poor | poor      |
    """
    manager = users["manager"]
    built = {
        "escaped": household(areas["2064101"], {2023: POOR, 2024: NEAR_POOR}),
        "stuck": household(areas["20641"], {2023: POOR, 2024: POOR}),
        "comfortable": household(areas["20641"], {2024: NON_POOR}),
        "unreviewed": household(areas["20641"], {}),
        "neighbour": household(areas["20662"], {2024: POOR}),
        "relapse": household(areas["20662"], {2022: POOR, 2023: NEAR_POOR, 2024: POOR}),
        "town": household(areas["20194"], {2023: NEAR_POOR, 2024: POOR}),
    }
    rice = programme_create(by=manager, code="QS-LUA", name="Lúa giống", kind="livelihood", area=areas["20641"],
                            starts_on=date(2024, 1, 1), budget=900_000_000, funding_source="enterprise",
                            eligible_classes=["poor"], status="open")
    for name in ("escaped", "stuck"):
        enrollment_create(by=manager, programme=rice, household=built[name], enrolled_on=date(2024, 1, 15))
    cattle = programme_create(by=manager, code="DN-BO", name="Bò giống", kind="production", area=areas["48"],
                              starts_on=date(2023, 1, 1), budget=100_000_000, funding_source="local",
                              eligible_classes=["poor"], status="open")
    cow = enrollment_create(by=manager, programme=cattle, household=built["relapse"], enrolled_on=date(2023, 1, 15))
    delivery_record(by=manager, enrollment=cow, kind="in_kind", description="Bò", value=20_000_000,
                    delivered_on=date(2023, 2, 1))
    return built


def rows(table) -> list[list[str]]:
    """The cells of each row of `table`'s body, as the reader sees them."""
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()]
            for row in table.locator("tbody tr").all()]


def test_a_manager_reads_the_reports_and_downloads_a_form(live_server, page, register):
    log_in(page, live_server, "manager")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thành phố Đà Nẵng")
    page.get_by_label("Năm", exact=True).select_option("2024")
    page.get_by_label("Năm thoát nghèo").select_option("2023")
    page.get_by_role("button", name="Xem").click()
    light_and_accessible(page, page.url)

    expect(page.get_by_role("img", name=re.compile("Tỷ lệ hộ nghèo, hộ cận nghèo"))).to_be_visible()
    moves = re.compile("Số hộ thoát nghèo, hộ nghèo phát sinh mới và hộ tái nghèo")
    expect(page.get_by_role("img", name=moves)).to_be_visible()
    # Households at the end of each year (a household counts before its first review, unclassified).
    this_year = timezone.localdate().year
    assert rows(page.locator("#rates-table")) == [
        ["2022", "7", "1", "0", "14,29%", "0,00%"],
        ["2023", "7", "2", "2", "28,57%", "28,57%"],
        *[[str(year), "7", "4", "1", "57,14%", "14,29%"] for year in range(2024, this_year + 1)],
    ]
    assert rows(page.locator("#moves-table"))[:3] == [["2022", "0", "0", "0"], ["2023", "1", "0", "0"],
                                                       ["2024", "1", "1", "1"]]
    transitions = dict(row for row in rows(page.locator("#transitions-table")) if row[1] != "0")
    assert transitions == {"rà soát lần đầu": "2", "hộ nghèo phát sinh mới": "1", "tái nghèo": "1",
                           "vẫn nghèo": "1", "thoát nghèo lên cận nghèo": "1"}
    expect(page.get_by_text("1 hộ đã thoát nghèo trong năm 2023.")).to_be_visible()
    assert rows(page.locator("#sustainability-table")) == [["1", "1", "0", "0,00%"]]
    ranking = rows(page.locator("#programmes-table"))
    assert [row[:5] for row in ranking] == [["DN-BO · Bò giống", "1", "1", "100,00%", "—"],
                                            ["QS-LUA · Lúa giống", "2", "1", "50,00%", "—"]]
    assert (ranking[0][-1], ranking[1][-1]) == ("20.000.000 đ", "0 đ")  # cost per exit: nothing delivered

    # A province's list of poor households is not a paper anyone signs: offered for a commune.
    expect(page.get_by_role("link", name="Danh sách hộ nghèo, hộ cận nghèo")).to_have_count(0)
    page.get_by_label("Địa bàn", exact=True).select_option("20641")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã Quế Sơn")
    assert rows(page.locator("#rates-table"))[2] == ["2024", "4", "1", "1", "25,00%", "25,00%"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Danh sách hộ nghèo, hộ cận nghèo").click()
    assert download.value.suggested_filename == "poor-households-20641-2024.xlsx"
    with open(download.value.path(), "rb") as workbook:
        assert workbook.read(2) == b"PK"  # an XLSX is a zip

