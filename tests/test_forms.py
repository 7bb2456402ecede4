"""The report forms communes send up, as XLSX: a hand-built commune with two villages, its
figures for 2024 worked out here, read back from the downloaded workbooks."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from households.area_loading import former_unit_rows, former_units_load
from households.models import FormerUnit
from povertycase.access import SYSTEM
from povertycase.renderers import XLSX
from tests.factories import AreaFactory, HouseholdFactory, member_data
from tests.programmes.helpers import approve
from tests.test_reports import AVERAGE, NEAR_POOR, NON_POOR, POOR

FORMS = "/api/v1/reports/forms/"
SIGNATURE = ["…, ngày … tháng … năm …", "Người lập biểu", "TM. ỦY BAN NHÂN DÂN", "(Ký, ghi rõ họ tên)",
             "CHỦ TỊCH", "(Ký tên, đóng dấu)"]
FORMULA = '=HYPERLINK("http://evil.example/","Xem")'


def household(area, history, code, *, members=1, **flags):
    h = HouseholdFactory(area=area, code=code, members=[
        member_data(full_name=f"Chủ hộ {code}"),
        *(member_data(full_name=f"Người {n}", relationship="child") for n in range(1, members))], **flags)
    for year, review in history.items():
        approve(h, year=year, **review)
    return h


@pytest.fixture
def commune(areas):
    """Xã Quế Sơn (20641, rural): Thôn 1 and Thôn 2, one household kept at the commune itself,
    one unreviewed; a poor household next door (20662) that no form of 20641 counts."""
    village_1 = areas["2064101"]
    village_2 = AreaFactory(code="2064102", name="Thôn 2", level="village", parent=areas["20641"], residence="")
    return {
        "escaped": household(village_1, {2023: POOR, 2024: NEAR_POOR}, "QS-01", members=3, merit_family=True,
                             poverty_causes=["lack_of_capital"], address="Thôn 1, Quế Sơn"),
        "stuck": household(village_1, {2023: POOR, 2024: POOR}, "QS-02", members=2, ethnic_minority=True,
                           poverty_causes=["lack_of_land", "illness_or_accident"]),
        "above": household(village_1, {2023: POOR, 2024: NON_POOR}, "QS-03"),
        "unreviewed": household(village_1, {}, "QS-04"),
        "relapsed": household(village_2, {2022: POOR, 2023: NON_POOR, 2024: {
            "income": 900_000, "deprivations": ("health_insurance", "water", "housing_area")}}, "QS-05",
            no_working_capacity=True, poverty_causes=["lack_of_labour"]),
        "newly": household(village_2, {2023: AVERAGE, 2024: POOR}, "QS-06", poverty_causes=["lack_of_skills"]),
        "newly_near": household(village_2, {2023: NON_POOR, 2024: {"income": 1_300_000,
                                                                    "deprivations": ("nutrition",)}}, "QS-07"),
        "first": household(areas["20641"], {2024: NEAR_POOR}, "QS-08", address=FORMULA),
        "next_door": household(areas["20662"], {2024: POOR}, "QT-01"),
    }


def download(client, form, **query):
    response = client.get(f"{FORMS}{form}/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith(f'attachment; filename="{form}-')
    return load_workbook(io.BytesIO(response.content)).active


def values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def row(sheet, label, nth=0) -> list:
    """The figures of the nth row whose second column is `label` (its first two cells left out)."""
    return [r[2:] for r in values(sheet) if r[1] == label][nth]


def header(sheet) -> list[list]:
    first, last = (int(n) for n in sheet.print_title_rows.replace("$", "").split(":"))
    return [list(r) for r in sheet.iter_rows(min_row=first, max_row=last, values_only=True)]


def assert_printable_and_signed(sheet, title, place="Xã Quế Sơn, Thành phố Đà Nẵng"):
    cells = [c for r in values(sheet) for c in r if c is not None]
    assert title in cells and place in cells
    assert ["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"] == [c for c in values(sheet)[0] if c]
    assert (sheet.page_setup.orientation, int(sheet.page_setup.paperSize)) == ("landscape", 9)  # A4
    assert (sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.page_setup.fitToWidth,
            sheet.page_setup.fitToHeight) == (True, 1, 0)
    signature = [c for r in values(sheet)[-4:] for c in r if c]
    assert signature == SIGNATURE
    total = max(i for i, r in enumerate(values(sheet)) if "Tổng cộng" in r)
    assert total < len(values(sheet)) - 4


@pytest.mark.django_db
class TestReviewResult:
    def test_a_commune_by_village(self, commune, users, client_for):
        sheet = download(client_for(users["officer"]), "review-result", area="20641", year=2024)
        assert_printable_and_signed(sheet, "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024")
        assert ["ỦY BAN NHÂN DÂN", "XÃ QUẾ SƠN"] == [values(sheet)[i][0] for i in (0, 1)]
        top, *_middle, numbers = header(sheet)
        assert [c for c in top if c] == ["STT", "Đơn vị", "Tổng số hộ dân cư", "Hộ nghèo", "Hộ cận nghèo"]
        leaves = [c for r in header(sheet) for c in r if c]
        for label in ("Số hộ nghèo đầu năm", "Diễn biến trong năm", "Thoát nghèo", "Lên cận nghèo",
                      "Trên chuẩn cận nghèo", "Tái nghèo", "Phát sinh mới", "Xác định theo chuẩn nghèo mới",
                      "Số hộ nghèo cuối năm", "Tỷ lệ hộ nghèo (%)", "Số hộ cận nghèo đầu năm", "Thoát cận nghèo",
                      "Tái cận nghèo", "Số hộ cận nghèo cuối năm", "Tỷ lệ hộ cận nghèo (%)"):
            assert label in leaves
        assert numbers == ["A", "B", *(str(n) for n in range(1, 17))]
        #                   all  poor: start to-near above relapsed new std end rate   near: start out rel new std end rate
        assert row(sheet, "Thôn 1") == [4, 3, 1, 1, 0, 0, 0, 1, 25.0, 0, 0, 0, 0, 0, 1, 25.0]
        assert row(sheet, "Thôn 2") == [3, 0, 0, 0, 1, 1, 0, 2, 66.67, 0, 0, 0, 1, 0, 1, 33.33]
        assert row(sheet, "Hộ chưa xếp vào thôn, tổ dân phố") == [1, 0, 0, 0, 0, 0, 0, 0, 0.0,
                                                                   0, 0, 0, 0, 0, 1, 100.0]
        assert row(sheet, "Tổng cộng") == [8, 3, 1, 1, 1, 1, 0, 3, 37.5, 0, 0, 0, 1, 0, 3, 37.5]
        assert row(sheet, "Khu vực nông thôn") == row(sheet, "Tổng cộng")
        assert row(sheet, "Khu vực thành thị") == [0] * 8 + [None] + [0] * 6 + [None]
        assert row(sheet, "Hộ dân tộc thiểu số") == [1, 1, 0, 0, 0, 0, 0, 1, 100.0, 0, 0, 0, 0, 0, 0, 0.0]
        [total] = [r for r in sheet.iter_rows() if r[1].value == "Tổng cộng"]
        assert (total[2].number_format, total[10].number_format) == ("#,##0", "0.00")

    def test_the_same_figures_as_the_poverty_report(self, commune, users, client_for):
        manager = client_for(users["manager"])
        report = manager.get("/api/v1/reports/poverty/", {"area": "48", "year": 2024, "group_by": "child"}).data
        sheet = download(manager, "review-result", area="48", year=2024)
        assert row(sheet, "Xã Quế Sơn")[0] == 8 and row(sheet, "Xã Quế Sơn Trung")[:9] == [
            1, 0, 0, 0, 0, 0, 0, 1, 100.0]
        total = row(sheet, "Tổng cộng")
        assert (total[0], total[7], total[8]) == (report["households"], report["classes"]["poor"],
                                                  report["poverty_rate"])

    def test_the_first_reviews_under_a_new_standard_have_their_own_column(self, areas, users, client_for):
        with time_machine.travel(datetime(2027, 12, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True):
            household(areas["20641"], {2026: POOR, 2027: {"income": 2_000_000, "deprivations": ("water",)}}, "NS-1")
            household(areas["20641"], {2026: NEAR_POOR, 2027: {"income": 2_100_000, "deprivations": (
                "water", "latrine", "waste_treatment")}}, "NS-2")
            sheet = download(client_for(users["officer"]), "review-result", year=2027)
        #                                 poor: start .. new std end     near: start .. new std end
        assert row(sheet, "Tổng cộng") == [2, 1, 0, 0, 0, 0, 1, 1, 50.0, 1, 0, 0, 0, 1, 1, 50.0]
        assert any("chuẩn nghèo mới" in str(c) and "không tính là thoát nghèo" in str(c)
                   for r in values(sheet) for c in r)


@pytest.mark.django_db
def test_deprivations(commune, users, client_for):
    sheet = download(client_for(users["officer"]), "deprivations", year=2024)
    assert_printable_and_signed(sheet, "HỘ NGHÈO, HỘ CẬN NGHÈO THEO CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN NĂM 2024")
    top, dimensions, names, numbers = header(sheet)
    assert [c for c in top if c] == ["STT", "Đơn vị", "Tổng số hộ", "Tổng số lượt thiếu hụt",
                                     "Số hộ thiếu hụt theo từng chỉ số"]
    assert [c for c in dimensions if c] == ["Việc làm", "Y tế", "Giáo dục", "Nhà ở", "Nước sinh hoạt và vệ sinh",
                                            "Thông tin"]
    indicators = [c for c in names if c]
    assert len(indicators) == 12 and indicators[:2] == ["Việc làm", "Người phụ thuộc trong hộ gia đình"]
    assert numbers[-1] == "14"

    def deprived(figures):
        return figures[:2], {name: n for name, n in zip(indicators, figures[2:]) if n}

    water, latrine, telecom = "Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh", "Sử dụng dịch vụ viễn thông"
    assert deprived(row(sheet, "Tổng cộng", 0)) == ([3, 9], {
        water: 3, latrine: 2, telecom: 2, "Bảo hiểm y tế": 1, "Diện tích nhà ở bình quân đầu người": 1})
    assert deprived(row(sheet, "Thôn 1", 0)) == ([1, 3], {water: 1, latrine: 1, telecom: 1})
    assert deprived(row(sheet, "Tổng cộng", 1)) == ([3, 3], {water: 2, "Dinh dưỡng": 1})
    assert deprived(row(sheet, "Thôn 2", 1)) == ([1, 1], {"Dinh dưỡng": 1})
    assert deprived(row(sheet, "Hộ chưa xếp vào thôn, tổ dân phố", 0)) == ([1, 1], {water: 1})
    sections = [r[:2] for r in values(sheet) if r[0] in ("I", "II")]
    assert sections == [["I", "HỘ NGHÈO"], ["II", "HỘ CẬN NGHÈO"]]


@pytest.mark.django_db
def test_deprivations_in_the_first_year_of_a_new_standard(areas, users, client_for):
    """A household not yet reviewed under Decree 351/2025 keeps its class, and its
    deprivations, from a review under the earlier standard: they are counted under that
    standard's indicator, named, after the new standard's own."""
    with time_machine.travel(datetime(2027, 12, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True):
        household(areas["20641"], {2026: POOR}, "OLD-1")
        household(areas["20641"], {2026: POOR, 2027: {"income": 2_100_000, "deprivations": (
            "water", "latrine", "waste_treatment")}}, "NEW-1")
        sheet = download(client_for(users["officer"]), "deprivations", year=2027)
    _top, _dimensions, names, _numbers = header(sheet)
    indicators = [c for c in names if c]
    assert "Xử lý rác thải sinh hoạt" in indicators and "Phương tiện phục vụ tiếp cận thông tin" not in indicators
    assert indicators[-1] == "Sử dụng dịch vụ viễn thông"
    total = dict(zip(indicators, row(sheet, "Tổng cộng", 0)[2:]))
    assert (total["Nguồn nước sinh hoạt"], total["Xử lý rác thải sinh hoạt"], total["Sử dụng dịch vụ viễn thông"]) == (
        2, 1, 1)
    assert any(str(c).startswith("Sử dụng dịch vụ viễn thông: chỉ số của chuẩn nghèo trước") for r in values(sheet)
               for c in r)


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["review-result", "deprivations", "causes"])
@pytest.mark.parametrize("query, place, households, poor", [
    ({}, "Toàn quốc", 9, 4),
    ({"area": "01"}, "Thành phố Hà Nội", 0, 0),
    ({"area": "2064101"}, "Thôn 1, Xã Quế Sơn, Thành phố Đà Nẵng", 4, 1),
])
def test_the_country_an_empty_province_and_a_village(commune, users, client_for, form, query, place, households,
                                                     poor):
    sheet = download(client_for(users["admin"]), form, year=2024, **query)
    assert place in [c for r in values(sheet) for c in r]
    # The first column of figures: all households in the review's result, poor ones in the others' first block.
    assert row(sheet, "Tổng cộng")[0] == (households if form == "review-result" else poor)


@pytest.mark.django_db
def test_causes_and_policy_groups(commune, users, client_for):
    sheet = download(client_for(users["officer"]), "causes", area="20641", year=2024)
    assert_printable_and_signed(sheet, "HỘ NGHÈO, HỘ CẬN NGHÈO THEO NGUYÊN NHÂN NGHÈO VÀ NHÓM ĐỐI TƯỢNG NĂM 2024")
    top, columns, numbers = header(sheet)
    assert [c for c in top if c] == ["STT", "Đơn vị", "Tổng số hộ", "Nguyên nhân nghèo", "Nhóm đối tượng"]
    assert [c for c in columns if c] == [
        "Thiếu đất sản xuất", "Thiếu vốn sản xuất", "Thiếu lao động", "Thiếu công cụ, phương tiện sản xuất",
        "Thiếu kiến thức sản xuất", "Thiếu kỹ năng lao động", "Ốm đau, tai nạn", "Nguyên nhân khác",
        "Hộ có người có công với cách mạng", "Hộ không có khả năng lao động", "Hộ dân tộc thiểu số"]
    #                              all land capital labour tools knowledge skills illness other merit no-work ethnic
    assert row(sheet, "Tổng cộng", 0) == [3, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1]
    assert row(sheet, "Thôn 2", 0) == [2, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]
    assert row(sheet, "Tổng cộng", 1) == [3, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]


@pytest.mark.django_db
class TestPoorHouseholdList:
    def test_by_village(self, commune, users, client_for):
        sheet = download(client_for(users["viewer"]), "poor-households", year=2024)
        assert_printable_and_signed(sheet, "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024")
        top, bottom, numbers = header(sheet)
        assert [c for c in top if c] == ["STT", "Mã hộ", "Họ và tên chủ hộ", "Địa chỉ", "Phân loại hộ",
                                         "Số nhân khẩu", "Dân tộc thiểu số", "Các chỉ số thiếu hụt",
                                         "Nhóm đối tượng chính sách"]
        assert [c for c in bottom if c] == ["Hộ nghèo", "Hộ cận nghèo", "Hộ có người có công với cách mạng",
                                            "Hộ không có khả năng lao động"]
        assert numbers == ["A", "B", "C", "D", "1", "2", "3", "4", "E", "5", "6"]
        body = values(sheet)[values(sheet).index(numbers) + 1:]
        assert [r[:2] for r in body if r[0] in ("I", "II", "III", "IV")] == [
            ["I", "Thôn 1"], ["II", "Thôn 2"], ["III", "Hộ chưa xếp vào thôn, tổ dân phố"]]
        by_code = {r[1]: r for r in body if r[1] and r[1].startswith("QS-")}
        assert list(by_code) == ["QS-01", "QS-02", "QS-05", "QS-06", "QS-07", "QS-08"]
        assert by_code["QS-01"] == [1, "QS-01", "Chủ hộ QS-01", "Thôn 1, Quế Sơn", None, "x", 3, None,
                                    "Nguồn nước sinh hoạt", "x", None]
        assert by_code["QS-02"][4:] == ["x", None, 2, "x",
                                        "Nguồn nước sinh hoạt; Nhà tiêu hợp vệ sinh; Sử dụng dịch vụ viễn thông",
                                        None, None]
        assert by_code["QS-05"][8:] == ["Bảo hiểm y tế; Diện tích nhà ở bình quân đầu người; Nguồn nước sinh hoạt",
                                        None, "x"]
        assert row(sheet, "Thôn 2")[2:] == [2, 1, 3, 0, None, 0, 1]
        assert row(sheet, "Tổng cộng")[2:] == [3, 3, 9, 1, None, 1, 1]
        [members] = [r[6] for r in sheet.iter_rows() if r[1].value == "QS-01"]
        assert members.number_format == "#,##0"

    def test_text_that_starts_like_a_formula_stays_text(self, commune, users, client_for):
        sheet = download(client_for(users["officer"]), "poor-households", area="20641", year=2024)
        [address] = [r[3] for r in sheet.iter_rows() if r[1].value == "QS-08"]
        assert (address.value, address.data_type, address.quotePrefix) == (FORMULA, "s", True)

    def test_one_query_for_the_heads_and_members_however_many_households(self, commune, areas, users, client_for):
        officer = client_for(users["officer"])

        def queries():
            with CaptureQueriesContext(connection) as context:
                download(officer, "poor-households", year=2024)
            return len(context.captured_queries)

        few = queries()
        for n in range(5):
            household(areas["2064101"], {2024: POOR}, f"QS-1{n}", members=4)
        assert queries() == few

    def test_a_province_is_too_large_for_a_list(self, commune, users, client_for):
        response = client_for(users["manager"]).get(f"{FORMS}poor-households/", {"year": 2024})
        assert response.status_code == 400 and "commune" in str(response.data["area"])
        assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["poor-households", "review-result", "deprivations", "causes"])
def test_scope_and_bad_input(commune, users, client_for, form):
    officer = client_for(users["officer"])
    outside = officer.get(f"{FORMS}{form}/", {"area": "20662", "year": 2024})
    assert outside.status_code == 400 and "in your area" in str(outside.data["area"])
    assert client_for(users["hanoi"]).get(f"{FORMS}{form}/", {"area": "20641", "year": 2024}).status_code == 400
    assert "Reports cover 2022" in str(officer.get(f"{FORMS}{form}/", {"year": 2019}).data["year"])
    assert "year" in officer.get(f"{FORMS}{form}/").data
    bad = officer.get(f"{FORMS}{form}/", {"year": "x"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert officer.get(f"{FORMS}{form}/", {"year": 2024, "area": ""}).status_code == 400


@pytest.mark.django_db
def test_by_former_unit(areas, users, client_for):
    former_units_load(former_unit_rows("48"), by=SYSTEM)
    for code, former, history in [("DP-1", "20641", {2023: POOR, 2024: NEAR_POOR}),   # Đông Phú
                                  ("QL-1", "20677", {2023: POOR, 2024: POOR}),        # Quế Long
                                  ("QL-2", "20677", {2024: NEAR_POOR})]:
        household(areas["2064101"], history, code, former_commune=FormerUnit.objects.get(code=former))
    household(areas["2064101"], {2024: POOR}, "XX-1")  # no former commune: not in the former district
    manager = client_for(users["manager"])
    sheet = download(manager, "review-result", former_area="509", year=2024)
    place = "Huyện Quế Sơn, Tỉnh Quảng Nam (đơn vị hành chính trước ngày 01/7/2025)"
    assert_printable_and_signed(sheet, "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024", place)
    units = [r[1] for r in values(sheet) if isinstance(r[0], int)]
    assert len(units) == 18
    assert row(sheet, "Thị trấn Đông Phú")[:9] == [1, 1, 1, 0, 0, 0, 0, 0, 0.0]
    assert row(sheet, "Tổng cộng") == [3, 2, 1, 0, 0, 0, 0, 1, 33.33, 0, 0, 0, 0, 0, 2, 66.67]
    listed = download(manager, "poor-households", former_area="509", year=2024)
    assert [r[1] for r in values(listed) if r[1] and r[1][:3] in ("DP-", "QL-", "XX-")] == ["DP-1", "QL-1", "QL-2"]
    assert row(listed, "Thôn 1, Xã Quế Sơn")[2:4] == [1, 2]
    assert manager.get(f"{FORMS}poor-households/", {"former_area": "49", "year": 2024}).status_code == 400
