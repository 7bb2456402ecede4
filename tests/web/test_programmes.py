"""Programmes in the browser: an officer enrols a recommended household and follows the
enrolment (deliveries, the budget's refusal, a cancellation, status moves, a case note); a
manager reads a programme's disbursement against plan. In Vietnamese, as the users see them."""

import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from programmes.models import CaseNote, Delivery, Enrollment
from programmes.services import delivery_record, enrollment_create, programme_create
from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve
from tests.web.conftest import Weights, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(areas, users):
    """A commune's seed-rice project that began three months ago, planned 1,000,000 VND in
    each of its first two months and delivered 1,000,000 in the first and in the third:
    behind plan at the end of the second month only. A Quế Sơn household that may join it,
    and a province's training course."""
    manager = users["manager"]
    start = timezone.localdate().replace(day=1) - relativedelta(months=3)
    seed = programme_create(
        by=manager, code="QS-LUA", name="Lúa giống thương phẩm", kind="livelihood", area=areas["20641"],
        starts_on=start, budget=5_000_000, funding_source="central", eligible_classes=["poor"], status="open",
        targets=["water", "latrine"], partner="Công ty Giống cây trồng Quảng Nam", capacity=30,
        plan=[{"period": f"{start:%Y-%m}", "funding_source": "central", "amount": 1_000_000},
              {"period": f"{start + relativedelta(months=1):%Y-%m}", "funding_source": "local", "amount": 1_000_000}])
    training = programme_create(
        by=manager, code="DN-VT", name="Sửa máy nông nghiệp", kind="vocational_training", area=areas["48"],
        starts_on=start, budget=50_000_000, funding_source="central", eligible_classes=["poor", "near_poor"],
        status="open", min_age=16, max_age=45, occupation="Sửa máy", hours=300)
    household = HouseholdFactory(area=areas["2064101"], members=[
        member_data(full_name="Nguyễn Văn Đặng", date_of_birth=date(1975, 5, 17)),
        member_data(full_name="Hồ Thị Thảo", sex="female", relationship="spouse", date_of_birth=date(1992, 3, 1))])
    approve(household, year=2025)
    earlier = HouseholdFactory(area=areas["20641"], members=[member_data(full_name="Trần Văn Ba")])
    approve(earlier, year=2025)
    enrolled = enrollment_create(by=manager, programme=seed, household=earlier, enrolled_on=start)
    paid = delivery_record(by=manager, enrollment=enrolled, kind="in_kind", description="Lúa giống", value=1_000_000,
                           quantity=50, unit="kg", delivered_on=start + relativedelta(days=4))
    delivery_record(by=manager, enrollment=enrolled, kind="cash", description="Phân bón", value=1_000_000,
                    delivered_on=start + relativedelta(months=2, days=14), funding_source="local")
    return {"seed": seed, "training": training, "household": household, "enrolled": enrolled, "paid": paid}


def test_an_officer_enrols_a_recommended_household_and_follows_it_up(live_server, page, world):
    household, seed = world["household"], world["seed"]
    log_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/households/{household.pk}/programmes/")
    card = page.locator("section.card", has=page.get_by_role("heading", name="Lúa giống thương phẩm"))
    expect(card).to_contain_text("Hộ là hộ nghèo (rà soát năm 2025), thuộc đối tượng của chương trình.")
    expect(card).to_contain_text(
        "Chương trình hướng tới 2 chỉ số thiếu hụt của hộ: Nhà tiêu hợp vệ sinh; Nguồn nước sinh hoạt.")
    course = page.locator("section.card", has=page.get_by_role("heading", name="Sửa máy nông nghiệp"))
    expect(course.get_by_label("Thành viên tham gia").locator("option")).to_have_text(["Hồ Thị Thảo"])  # he is 51

    card.get_by_role("button", name="Đăng ký tham gia").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã đăng ký cho hộ {household.code} tham gia Lúa giống thương phẩm")
    enrollment = Enrollment.objects.get(programme=seed, household=household)
    assert page.url.endswith(f"/enrollments/{enrollment.pk}/")

    page.get_by_role("link", name="Ghi nhận cấp hỗ trợ").click()
    page.get_by_label("Hình thức hỗ trợ").select_option("in_kind")
    page.get_by_label("Nội dung hỗ trợ đã cấp").fill("Lúa giống")
    page.get_by_label("Số lượng").fill("60")
    page.get_by_label("Đơn vị tính").fill("kg")
    page.get_by_label("Giá trị (đồng)").fill("1500000")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi nhận lần cấp hỗ trợ.")
    expect(page.get_by_role("cell", name="1.500.000 đ")).to_be_visible()

    page.get_by_role("link", name="Ghi nhận cấp hỗ trợ").click()
    page.get_by_label("Nội dung hỗ trợ đã cấp").fill("Phân bón")
    page.get_by_label("Giá trị (đồng)").fill("2000000")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "vượt kinh phí: kinh phí 5.000.000 đ, đã chi 3.500.000 đ, còn lại 1.500.000 đ")
    expect(page.get_by_role("alert")).to_contain_text("Chưa ghi nhận gì.")
    assert Delivery.objects.filter(enrollment=enrollment).count() == 1

    page.get_by_role("link", name="Quay lại").click()
    page.get_by_role("link", name=re.compile("^Hủy")).click()
    page.get_by_label("Lý do hủy").fill("Ghi nhầm số lượng")
    page.get_by_role("button", name="Hủy lần cấp hỗ trợ này").click()
    expect(page.get_by_role("status")).to_contain_text("không còn được tính vào kinh phí")
    assert Delivery.objects.get(enrollment=enrollment).cancel_reason == "Ghi nhầm số lượng"

    for status, shown in (("active", "đang hoạt động"), ("completed", "đã hoàn thành")):
        page.get_by_label("Trạng thái mới").select_option(status)
        page.get_by_role("button", name="Đổi trạng thái").click()
        expect(page.get_by_role("status")).to_contain_text(f"Lượt tham gia đã chuyển sang trạng thái {shown}.")
    assert Enrollment.objects.get(pk=enrollment.pk).status == "completed"
    expect(page.get_by_label("Trạng thái mới")).to_have_count(0)  # no move after completion

    page.get_by_role("link", name="Viết ghi chép thăm hộ").click()
    expect(page.get_by_label("Liên quan đến lượt tham gia")).to_have_value(str(enrollment.pk))
    page.get_by_label("Nội dung ghi chép", exact=True).fill("Lúa lên đều, gia đình muốn nhân rộng vụ sau.")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu ghi chép thăm hộ.")
    expect(page.get_by_text("Lúa lên đều")).to_be_visible()
    assert CaseNote.objects.get(household=household).enrollment_id == enrollment.pk


def test_a_manager_reads_the_disbursement_against_plan(live_server, page, world):
    log_in(page, live_server, "manager")
    page.get_by_role("link", name="Chương trình", exact=True).click()
    page.get_by_label("Loại").select_option("livelihood")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Lúa giống thương phẩm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("QS-LUA")
    expect(page.get_by_text("Công ty Giống cây trồng Quảng Nam")).to_be_visible()

    section = page.locator("section", has=page.get_by_role("heading", name="Giải ngân so với kế hoạch"))
    months = section.locator("table").first.locator("tbody tr")
    expect(months).to_have_count(4)  # three ended months and this one
    behind = months.filter(has_text="chậm so với kế hoạch")
    expect(behind).to_have_count(1)
    second = world["seed"].starts_on + relativedelta(months=1)
    expect(behind.locator("td").first).to_have_text(f"{second:%m/%Y}")
    expect(behind).to_contain_text("-1.000.000 đ")  # the gap
    expect(months.nth(2)).to_contain_text("đúng kế hoạch")  # caught up in the third month
    expect(section.get_by_role("link", name="Tải xuống bảng tính (XLSX)")).to_have_attribute(
        "href", f"/api/v1/programmes/{world['seed'].pk}/disbursement/xlsx/?period=month")
    expect(section.get_by_role("cell", name="ngân sách địa phương")).to_be_visible()  # by funding source

    section.get_by_label("Xem theo").select_option("quarter")
    section.get_by_role("button", name="Xem").click()
    expect(section.locator("table").first.locator("tbody tr").first).to_contain_text(re.compile(r"Quý \d/\d{4}"))

    # The header's language switch: the same page in English, for those who read it.
    page.get_by_role("button", name="English").click()
    english = page.locator("section", has=page.get_by_role("heading", name="Disbursement against plan"))
    expect(english.locator("table").first.locator("tbody tr").first).to_contain_text(re.compile(r"Q\d/\d{4}"))


def test_what_lies_outside_the_area_is_not_found(live_server, page, world, areas, users):
    elsewhere = programme_create(
        by=users["admin"], code="HN-NHA", name="Nhà ở Hà Nội", kind="housing", area=areas["01"],
        starts_on=date(2025, 1, 1), budget=1_000_000, funding_source="local", eligible_classes=["poor"])
    neighbour = HouseholdFactory(area=areas["20662"], members=[member_data(date_of_birth=date(1990, 1, 1))])
    approve(neighbour, year=2025)
    theirs = enrollment_create(by=users["manager"], programme=world["training"], household=neighbour,
                               member=neighbour.members.get(), enrolled_on=timezone.localdate())
    log_in(page, live_server, "officer")
    for url in [f"/programmes/{elsewhere.pk}/", f"/enrollments/{theirs.pk}/",
                f"/households/{neighbour.pk}/programmes/"]:
        assert page.goto(live_server.url + url).status == 404, url
    page.goto(f"{live_server.url}/programmes/")
    expect(page.get_by_role("link", name="Sửa máy nông nghiệp")).to_be_visible()  # the province's, open to it
    expect(page.get_by_text("Nhà ở Hà Nội")).to_have_count(0)


def test_pages_are_light_and_accessible(live_server, page, world):
    weights = Weights(page)
    household, enrolled = world["household"], world["enrolled"]
    log_in(page, live_server, "officer")
    for url in ["/programmes/", f"/programmes/{world['seed'].pk}/", f"/households/{household.pk}/programmes/",
                f"/enrollments/{enrolled.pk}/", f"/enrollments/{enrolled.pk}/deliveries/new/",
                f"/deliveries/{world['paid'].pk}/cancel/", f"/households/{household.pk}/case-notes/new/"]:
        weights.clear()
        assert page.goto(live_server.url + url).status == 200, url
        html = weights.total("document")
        assert html <= 30_000, f"{url}: {html} bytes of HTML"
        serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{url}: {[(v['id'], v['help']) for v in serious]}"
