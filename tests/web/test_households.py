"""An officer's day with the register, in the browser."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from households.models import Household
from tests.factories import HouseholdFactory, member_data
from tests.web.conftest import Weights

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register(areas):
    return {
        "mine": HouseholdFactory(area=areas["2064101"], address="Tổ 3, Thôn 1", members=[
            member_data(full_name="Hồ Thị Thảo", sex="female", national_id="048080001234"),
            member_data(full_name="Nguyễn Văn Đặng", relationship="spouse")]),
        "neighbour": HouseholdFactory(area=areas["20641"], members=[
            member_data(full_name="Hồ Văn Hùng"), member_data(full_name="Bùi Ngọc Thảo", relationship="spouse",
                                                              sex="female")]),
        "elsewhere": HouseholdFactory(area=areas["20662"], members=[member_data(full_name="Hồ Thị Thảo Vy",
                                                                                sex="female")]),
    }


def test_an_officer_finds_a_household_typed_without_diacritics_and_adds_a_newborn(sign_in, register):
    page = sign_in("officer")
    expect(page.get_by_role("navigation", name=re.compile(".")).get_by_role("link", name="Hộ gia đình")).to_be_visible()
    page.get_by_label("Tìm kiếm").fill("ho thi thao")
    page.get_by_role("button", name="Tìm").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)  # not the neighbour's Hồ Văn Hùng and Bùi Ngọc Thảo, nor another commune's
    rows.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(register["mine"].code)
    expect(page.get_by_role("cell", name="048080001234")).to_be_visible()

    page.get_by_role("link", name="Thêm thành viên").click()
    page.get_by_label("Họ và tên").fill("Nguyễn Hồ An")
    page.get_by_label("Giới tính").select_option("male")
    page.get_by_label("Ngày sinh").fill("2026-10-01")
    page.get_by_label("Quan hệ với chủ hộ").select_option("child")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text("Nguyễn Hồ An")
    expect(page.get_by_role("cell", name="Nguyễn Hồ An", exact=True)).to_be_visible()
    assert register["mine"].members.filter(full_name="Nguyễn Hồ An").exists()
    # The history says who was added in words people read, not the stored codes.
    added = page.get_by_role("region", name="Lịch sử thay đổi").get_by_role("listitem").filter(has_text="Nguyễn Hồ An")
    expect(added).to_contain_text("giới tính: nam")
    expect(added).to_contain_text("01/10/2026")
    expect(added).not_to_contain_text("male")
    # From the household's page, the next jobs: its review, its programmes, a case note.
    page.get_by_role("link", name="Ghi nhận kết quả rà soát").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(register["mine"].code)
    page.go_back()
    expect(page.get_by_role("link", name="Viết ghi chép thăm hộ")).to_be_visible()


def test_the_rules_messages_sit_next_to_their_fields_and_a_stale_edit_is_explained(sign_in, register):
    page = sign_in("officer")
    household = register["mine"]
    page.goto(page.url.replace("/households/", f"/households/{household.pk}/members/new/"))
    page.get_by_label("Họ và tên").fill("Trần Văn Ba")
    page.get_by_label("Giới tính").select_option("male")
    page.get_by_label("Ngày sinh").fill("1990-01-01")
    page.get_by_label("Quan hệ với chủ hộ").select_option("head")
    page.get_by_role("button", name="Lưu").click()
    field = page.locator(".field", has=page.get_by_label("Quan hệ với chủ hộ"))
    expect(field.locator(".error")).to_be_visible()  # one head: use change-head

    page.goto(page.url.split("/households/")[0] + f"/households/{household.pk}/edit/")
    Household.objects.filter(pk=household.pk).update(version=household.version + 5)  # someone else saved
    page.get_by_label("Địa chỉ").fill("Tổ 9")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text("Có người đã thay đổi")
    assert Household.objects.get(pk=household.pk).address == "Tổ 3, Thôn 1"


def test_another_communes_household_is_not_found(sign_in, live_server, register):
    page = sign_in("officer")
    response = page.goto(f"{live_server.url}/households/{register['elsewhere'].pk}/")
    assert response.status == 404


def test_a_viewer_sees_the_national_id_masked_and_cannot_change_anything(sign_in, live_server, areas, users):
    theirs = HouseholdFactory(area=areas["20641"], members=[member_data(national_id="048080009876")])
    page = sign_in("viewer")
    page.goto(f"{live_server.url}/households/{theirs.pk}/")
    expect(page.get_by_role("cell", name="********9876")).to_be_visible()
    expect(page.get_by_text("048080009876")).to_have_count(0)  # nor in the history
    expect(page.get_by_role("link", name="Sửa")).to_have_count(0)
    assert page.goto(f"{live_server.url}/households/{theirs.pk}/edit/").status == 403


def test_pages_are_light_and_accessible(sign_in, live_server, page, register):
    weights = Weights(page)
    page.goto(live_server.url + "/")
    first = weights.total()
    assert first <= 150_000, f"the first visit loads {first} bytes compressed"
    sign_in("officer")
    for url in ["/households/", f"/households/{register['mine'].pk}/", f"/households/{register['mine'].pk}/edit/"]:
        weights.clear()
        page.goto(live_server.url + url)
        html = weights.total("document")
        assert html <= 30_000, f"{url}: {html} bytes of HTML"
        serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{url}: {[(v['id'], v['help']) for v in serious]}"
