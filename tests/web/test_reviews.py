"""The review pages in the browser: an officer records and corrects a review, a manager approves
a commune's drafts, files are checked and then imported, in Vietnamese as the users see them."""

import csv
import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from households import services
from households.imports import review_columns
from households.models import Review
from povertycase.access import SYSTEM
from tests.factories import HouseholdFactory, member_data
from tests.web.conftest import Weights

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def vietnamese(settings):
    """The site's language, as in production (the suite's is English): what the server writes in
    it, a review's explanation or a page asked for without a language, reads as users see it."""
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def register(areas):
    return {
        "mine": HouseholdFactory(area=areas["2064101"], members=[member_data(full_name="Hồ Thị Thảo", sex="female")]),
        "second": HouseholdFactory(area=areas["2064101"], members=[member_data(full_name="Lê Văn Tám")]),
        "third": HouseholdFactory(area=areas["20641"], members=[member_data(full_name="Phan Thị Hoa", sex="female")]),
        "elsewhere": HouseholdFactory(area=areas["20662"], members=[member_data(full_name="Trần Văn Bảy")]),
    }


def draft(household, income=1_000_000, deprivations=("water", "latrine", "telecom")):
    return services.review_record(by=SYSTEM, household=household, year=timezone.localdate().year, kind="periodic",
                                  reviewed_on=timezone.localdate(), income_per_capita=income,
                                  deprivations=deprivations)


def test_an_officer_records_a_review_by_the_indicators_names_and_reads_the_class(sign_in, live_server, register):
    page = sign_in("officer")
    today, household = timezone.localdate(), register["mine"]
    page.get_by_role("link", name="Rà soát", exact=True).click()
    page.get_by_role("link", name="Ghi nhận kết quả rà soát").click()
    page.get_by_label("Mã hộ").fill(household.code)
    page.get_by_role("button", name="Tiếp tục").click()

    expect(page.get_by_label("Năm rà soát")).to_have_value(str(today.year))
    page.get_by_label("Định kỳ").check()
    page.get_by_label("Ngày rà soát").fill(today.isoformat())
    page.get_by_label("Thu nhập bình quân đầu người/tháng").fill("1.200.000")
    for name in ["Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh", "Bảo hiểm y tế"]:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Lưu và phân loại").click()

    result = page.get_by_role("region", name="Kết quả")
    expect(result.locator(".class")).to_have_text("hộ nghèo")
    expect(result).to_contain_text("hộ thiếu hụt 3 chỉ số")
    review = Review.objects.get(household=household)
    assert (review.status, review.income_per_capita, review.deprivations) == (
        "draft", 1_200_000, ["health_insurance", "latrine", "water"])

    # A draft is corrected with the version the officer read; a change made meanwhile is explained.
    page.get_by_role("link", name="Sửa bản nháp này").click()
    page.get_by_label("Bảo hiểm y tế").uncheck()
    page.get_by_role("button", name="Lưu và phân loại").click()
    expect(page.get_by_role("region", name="Kết quả").locator(".class")).to_have_text("hộ cận nghèo")
    page.get_by_role("link", name="Sửa bản nháp này").click()
    Review.objects.filter(pk=review.pk).update(version=review.version + 5)
    page.get_by_label("Thu nhập bình quân đầu người/tháng").fill("900000")
    page.get_by_role("button", name="Lưu và phân loại").click()
    expect(page.get_by_role("status")).to_contain_text("Có người đã thay đổi thông tin này")
    assert Review.objects.get(pk=review.pk).income_per_capita == 1_200_000

    # The service's refusal sits next to the field it concerns: one periodic review a year.
    page.goto(f"{live_server.url}/reviews/new/{household.pk}/?year={today.year}")
    page.get_by_label("Ngày rà soát").fill(today.isoformat())
    page.get_by_label("Thu nhập bình quân đầu người/tháng").fill("3000000")
    page.get_by_role("button", name="Lưu và phân loại").click()
    kind = page.get_by_role("group", name="Loại rà soát")
    expect(kind.locator(".error")).to_contain_text("đã có kết quả rà soát định kỳ")
    assert Review.objects.filter(household=household).count() == 1


def test_a_manager_approves_selected_drafts_then_all_of_a_communes(sign_in, page, register):
    year, today = timezone.localdate().year, timezone.localdate().isoformat()
    first, changed, third = draft(register["mine"]), draft(register["second"]), draft(register["third"], 3_000_000)
    elsewhere = draft(register["elsewhere"])

    sign_in("officer")  # officers see the drafts, not the approval
    page.get_by_role("link", name="Rà soát", exact=True).click()
    page.get_by_role("link", name="Bản nháp chờ phê duyệt").click()
    expect(page.get_by_role("heading", name=f"3 bản nháp rà soát năm {year} của Xã Quế Sơn")).to_be_visible()
    expect(page.get_by_role("cell", name="Lê Văn Tám")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Duyệt"))).to_have_count(0)
    page.get_by_role("button", name="Đăng xuất").click()

    sign_in("manager")
    page.goto(page.url.replace("/households/", "/reviews/approvals/"))
    page.get_by_label("Xã", exact=True).select_option("20641")
    page.get_by_role("button", name="Xem").click()
    page.get_by_label(f"Chọn {register['mine'].code}").check()
    page.get_by_label(f"Chọn {register['second'].code}").check()
    page.get_by_label("Số quyết định công nhận").fill("125/QĐ-UBND")
    page.get_by_label("Ngày quyết định").fill(today)
    Review.objects.filter(pk=changed.pk).update(version=changed.version + 1)  # someone else changed it
    page.get_by_role("button", name="Duyệt các bản nháp đã chọn").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Đã phê duyệt 1 kết quả rà soát theo Quyết định số 125/QĐ-UBND")
    expect(status).to_contain_text(f"{register['second'].code}: có người đã thay đổi kết quả rà soát này")
    assert Review.objects.get(pk=first.pk).decision_number == "125/QĐ-UBND"
    assert Review.objects.get(pk=changed.pk).status == "draft"

    page.get_by_role("button", name="Duyệt các bản nháp đã chọn").click()  # nothing selected, no decision
    expect(page.locator(".field", has=page.get_by_label("Số quyết định công nhận")).locator(".error")).to_be_visible()
    page.get_by_label("Số quyết định công nhận").fill("126/QĐ-UBND")
    page.get_by_label("Ngày quyết định").fill(today)
    page.get_by_role("button", name="Duyệt tất cả 2 bản nháp").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã phê duyệt 2 bản nháp rà soát năm {year} của Xã Quế Sơn")
    assert {r.pk: (r.status, r.decision_number) for r in Review.objects.all()} == {
        first.pk: ("approved", "125/QĐ-UBND"), changed.pk: ("approved", "126/QĐ-UBND"),
        third.pk: ("approved", "126/QĐ-UBND"), elsewhere.pk: ("draft", "")}
    expect(page.get_by_role("heading", name=f"0 bản nháp rà soát năm {year} của Xã Quế Sơn")).to_be_visible()


def review_file(rows) -> bytes:
    year = timezone.localdate().year
    columns = review_columns(year)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="0")
    writer.writeheader()
    for code, income, deprived in rows:
        writer.writerow({"household_code": code, "year": year, "kind": "periodic",
                         "reviewed_on": timezone.localdate().strftime("%d/%m/%Y"), "income_per_capita": income,
                         **dict.fromkeys(deprived, 1)})
    return out.getvalue().encode()


def test_a_file_with_an_error_writes_nothing_and_a_good_one_is_imported_on_confirmation(sign_in, live_server, register):
    page = sign_in("officer")
    page.goto(live_server.url + "/reviews/import/")
    template = page.get_by_role("link", name="CSV")
    assert "household_code" in page.request.get(live_server.url + template.get_attribute("href")).text()

    bad = review_file([(register["mine"].code, "abc", ["water"]), ("20641-999999", "1000000", []),
                       (register["elsewhere"].code, "1000000", [])])
    page.get_by_label("Kết quả rà soát: mỗi dòng một kết quả rà soát").check()
    page.get_by_label("Tệp (CSV hoặc XLSX)").set_input_files({"name": "reviews.csv", "mimeType": "text/csv", "buffer": bad})
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", name="Tệp có 3 lỗi: chưa ghi dữ liệu nào.")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="Không có hộ nào mang mã này trên địa bàn của bạn.")).to_have_count(2)  # another commune's too
    expect(rows.filter(has_text="income_per_capita").locator("td").first).to_have_text("2")
    expect(page.get_by_role("button", name="Nhập ngay")).to_have_count(0)
    assert not Review.objects.exists()

    good = review_file([(register["mine"].code, "1000000", ["water", "latrine", "telecom"]),
                        (register["second"].code, "2000000", [])])
    page.get_by_label("Tệp (CSV hoặc XLSX)").set_input_files({"name": "reviews.csv", "mimeType": "text/csv", "buffer": good})
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", name="reviews.csv: đã kiểm tra 2 dòng, không có lỗi")).to_be_visible()
    assert not Review.objects.exists()
    token = page.locator("input[name=token]").get_attribute("value")
    page.get_by_role("button", name="Nhập ngay").click()
    expect(page.get_by_role("heading", name="reviews.csv: đã nhập 2 dòng")).to_be_visible()
    assert sorted(Review.objects.values_list("poverty_class", flat=True)) == ["average_living", "poor"]

    # The check is used up: sending its confirmation again imports nothing twice.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    again = page.request.post(live_server.url + "/reviews/import/confirm/", form={"token": token},
                              headers={"X-CSRFToken": csrf})
    assert "Kết quả kiểm tra đã hết hiệu lực" in again.text()
    assert Review.objects.count() == 2


def test_a_long_file_is_checked_and_imported_by_background_jobs(sign_in, live_server, register, settings):
    settings.IMPORT_JOB_ROWS = 1  # a long file: with no broker, its job runs before the page answers
    page = sign_in("officer")
    page.goto(live_server.url + "/reviews/import/")
    good = review_file([(register["mine"].code, "1000000", ["water", "latrine", "telecom"]),
                        (register["second"].code, "2000000", [])])
    page.get_by_label("Kết quả rà soát: mỗi dòng một kết quả rà soát").check()
    page.get_by_label("Tệp (CSV hoặc XLSX)").set_input_files({"name": "reviews.csv", "mimeType": "text/csv", "buffer": good})
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_url("**/reviews/import/jobs/*/")
    expect(page.get_by_role("heading", name="reviews.csv: đã kiểm tra 2 dòng, không có lỗi")).to_be_visible()
    assert not Review.objects.exists()
    page.get_by_role("button", name="Nhập ngay").click()
    page.wait_for_url("**/reviews/import/jobs/*/")
    expect(page.get_by_role("heading", name="reviews.csv: đã nhập 2 dòng")).to_be_visible()
    assert Review.objects.count() == 2

    bad = review_file([(register["mine"].code, "abc", ["water"]), ("20641-999999", "1000000", [])])
    page.goto(live_server.url + "/reviews/import/")
    page.get_by_label("Kết quả rà soát: mỗi dòng một kết quả rà soát").check()
    page.get_by_label("Tệp (CSV hoặc XLSX)").set_input_files({"name": "bad.csv", "mimeType": "text/csv", "buffer": bad})
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_url("**/reviews/import/jobs/*/")
    expect(page.get_by_role("heading", name="Tệp có 2 lỗi: chưa ghi dữ liệu nào.")).to_be_visible()
    expect(page.get_by_role("button", name="Nhập ngay")).to_have_count(0)
    # Another commune's officer does not find the job.
    job = page.url
    page.get_by_role("button", name="Đăng xuất").click()
    sign_in("hanoi")
    assert page.goto(job).status == 404


def test_another_communes_household_and_review_are_not_found(sign_in, live_server, register):
    theirs = draft(register["elsewhere"])
    page = sign_in("officer")
    assert page.goto(f"{live_server.url}/reviews/new/{register['elsewhere'].pk}/").status == 404
    assert page.goto(f"{live_server.url}/reviews/{theirs.pk}/").status == 404
    assert page.goto(f"{live_server.url}/reviews/{theirs.pk}/edit/").status == 404
    page.goto(f"{live_server.url}/reviews/new/?household={register['elsewhere'].code}&year={timezone.localdate().year}")
    expect(page.get_by_text("Không có hộ nào mang mã này trên địa bàn của bạn.")).to_be_visible()


def test_the_review_pages_are_light_and_accessible(sign_in, live_server, page, register):
    review = draft(register["mine"])
    for other in ("second", "third"):
        draft(register[other])
    weights = Weights(page)
    pages = {"officer": ["/reviews/", f"/reviews/new/{register['mine'].pk}/", f"/reviews/{review.pk}/",
                         f"/reviews/{review.pk}/edit/", "/reviews/import/"],
             "manager": [f"/reviews/approvals/?commune=20641&year={timezone.localdate().year}"]}
    for username, urls in pages.items():
        if username == "manager":
            page.get_by_role("button", name="Đăng xuất").click()
        sign_in(username)
        for url in urls:
            weights.clear()
            page.goto(live_server.url + url)
            html = weights.total("document")
            assert html <= 30_000, f"{url}: {html} bytes of HTML"
            serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
            assert not serious, f"{url}: {[(v['id'], v['help'], v['nodes'][0]['html']) for v in serious]}"

