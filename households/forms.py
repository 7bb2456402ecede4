"""The report forms a commune sends up after the annual review, as XLSX workbooks: the list of
poor and near-poor households, the result of the review, the households by deprivation and by
cause and policy group (after the report forms annexed to Circular 07/2021/TT-BLĐTBXH, as
amended by Circular 02/2022/TT-BLĐTBXH). Always in Vietnamese, whatever the request's
language: they are official paper. Set up to print on A4 landscape, fitted to the page width,
with the header rows repeated on every page and the signature block at the bottom.

The figures are the reports' (`households.reports`, `households.tallies`): a household's class
at the end of a year is that of its latest approved review of that year or before, and
households archived before the end of the year are left out of it."""

import math
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Subquery, Sum
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from households.models import (
    Area,
    AreaTally,
    FormerUnit,
    HouseholdYear,
    Indicator,
    Member,
    PovertyCause,
    PovertyClass,
    PovertyStandard,
    Transition,
)
from households.reports import area_counts
from households.tallies import FACT_FIELDS, facts_in, prefix, tally, years_kept
from povertycase.figures import percent
from povertycase.renderers import text_cell

POOR, NEAR_POOR = PovertyClass.POOR, PovertyClass.NEAR_POOR
CLASS_NAMES = {POOR: "Hộ nghèo", NEAR_POOR: "Hộ cận nghèo"}

# The six dimensions of Decree 07/2021/NĐ-CP Art. 3 (and of Decree 351/2025/NĐ-CP), by the
# codes the standards' indicators carry.
DIMENSIONS = {
    "employment": "Việc làm",
    "health": "Y tế",
    "education": "Giáo dục",
    "housing": "Nhà ở",
    "water_sanitation": "Nước sinh hoạt và vệ sinh",
    "information": "Thông tin",
}
CAUSES = {
    PovertyCause.LACK_OF_LAND: "Thiếu đất sản xuất",
    PovertyCause.LACK_OF_CAPITAL: "Thiếu vốn sản xuất",
    PovertyCause.LACK_OF_LABOUR: "Thiếu lao động",
    PovertyCause.LACK_OF_TOOLS: "Thiếu công cụ, phương tiện sản xuất",
    PovertyCause.LACK_OF_KNOWLEDGE: "Thiếu kiến thức sản xuất",
    PovertyCause.LACK_OF_SKILLS: "Thiếu kỹ năng lao động",
    PovertyCause.ILLNESS_OR_ACCIDENT: "Ốm đau, tai nạn",
    PovertyCause.OTHER: "Nguyên nhân khác",
}
MERIT = "Hộ có người có công với cách mạng"
NO_CAPACITY = "Hộ không có khả năng lao động"
ETHNIC = "Hộ dân tộc thiểu số"
NOT_IN_A_VILLAGE = "Hộ chưa xếp vào thôn, tổ dân phố"
BEFORE_JULY_2025 = " (đơn vị hành chính trước ngày 01/7/2025)"


# ---- The layout ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A column of a form's table. `kind`: `label` (text, lettered A, B, … as on the forms),
    `index` (STT, lettered), `mark` ("x", numbered) or `number` (numbered)."""

    label: str
    width: float
    kind: str = "number"


@dataclass(frozen=True)
class Group:
    """Columns under a shared heading."""

    label: str
    columns: tuple


INDEX = Column("STT", 6, "index")
UNIT = Column("Đơn vị", 28, "label")

FONT = "Times New Roman"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", start_color="F2F2F2")
COUNT, RATE = "#,##0", "0.00"


def _leaves(columns) -> list[Column]:
    return [leaf for node in columns
            for leaf in ([node] if isinstance(node, Column) else _leaves(node.columns))]


def _depth(node) -> int:
    return 1 if isinstance(node, Column) else 1 + max(_depth(child) for child in node.columns)


class _Sheet:
    """One form on one sheet, written from the top down. Every string goes through the
    exports' rule (`povertycase.renderers`): text that starts like a formula stays text."""

    def __init__(self, columns: tuple):
        self.book = Workbook()
        self.ws = self.book.active
        self.ws.title = "Biểu"
        self.columns = columns
        self.leaves = _leaves(columns)
        self.width = len(self.leaves)
        self.rows = 0
        self.header_rows: tuple[int, int] | None = None
        for number, leaf in enumerate(self.leaves, 1):
            self.ws.column_dimensions[get_column_letter(number)].width = leaf.width
        # The signature block: its left part under the first third, its right under the last half.
        self.left = (1, max(2, math.ceil(self.width / 3)))
        self.right = (self.width - max(3, math.ceil(self.width / 2)) + 1, self.width)

    def _append(self, values=()) -> int:
        self.ws.append([text_cell(self.ws, v) if isinstance(v, str) else v for v in values])
        self.rows += 1
        return self.rows

    def _style(self, row: int, first: int, last: int, *, bold=False, italic=False, size=11,
               horizontal="center", wrap=True) -> None:
        if last > first:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = self.ws.cell(row=row, column=first)
        cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)

    def _height(self, row: int, text: str, width: float) -> None:
        lines = max(1, math.ceil(len(text) / max(width - 2, 1)))
        if lines > 1:
            self.ws.row_dimensions[row].height = 15 * lines

    def _span_width(self, first: int, last: int) -> float:
        return sum(leaf.width for leaf in self.leaves[first - 1:last])

    def _pair(self, left: str, right: str, *, left_style: dict, right_style: dict) -> None:
        values = [None] * self.width
        values[self.left[0] - 1], values[self.right[0] - 1] = left, right
        row = self._append(values)
        self._style(row, *self.left, **left_style)
        self._style(row, *self.right, **right_style)

    def banner(self, signer: str | None) -> None:
        """The heading of an administrative document: the issuing body, the national motto."""
        self._pair("ỦY BAN NHÂN DÂN" if signer else "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                   left_style={"bold": True}, right_style={"bold": True})
        self._pair(signer.upper() if signer else "", "Độc lập - Tự do - Hạnh phúc",
                   left_style={"bold": True}, right_style={"bold": True})
        self._append()

    def title(self, title: str, *lines: str) -> None:
        row = self._append([title])
        self._style(row, 1, self.width, bold=True, size=14)
        for line in lines:
            row = self._append([line])
            self._style(row, 1, self.width, italic=True)
            self._height(row, line, self._span_width(1, self.width))

    def unit_of_count(self, text: str = "Đơn vị tính: hộ") -> None:
        values = [None] * self.width
        values[-1] = text
        row = self._append(values)
        self._style(row, self.width, self.width, italic=True, horizontal="right", wrap=False)

    def header(self) -> None:
        """The column headings, merged as on the forms, then the row that numbers the columns."""
        depth = max(_depth(node) for node in self.columns)
        grid = [[None] * self.width for _ in range(depth)]
        merges: list[tuple[int, int, int, int]] = []

        def place(node, level: int, column: int) -> int:
            grid[level][column] = node.label
            if isinstance(node, Column):
                end = column + 1
                merges.append((level, column, depth - 1, column))
            else:
                end = column
                for child in node.columns:
                    end = place(child, level + 1, end)
                merges.append((level, column, level, end - 1))
            return end

        column = 0
        for node in self.columns:
            column = place(node, 0, column)
        first = self.rows + 1
        for values in grid:
            self._append(values)
        letters = iter("ABCDEFGHIJ")
        numbers = iter(range(1, self.width + 1))
        self._append([next(letters) if leaf.kind in ("label", "index") else str(next(numbers))
                      for leaf in self.leaves])
        last = self.rows
        self.header_rows = (first, last)
        lines = [1] * depth
        for top, left, bottom, right in merges:
            if bottom > top or right > left:
                self.ws.merge_cells(start_row=first + top, start_column=left + 1,
                                    end_row=first + bottom, end_column=right + 1)
            label = grid[top][left]
            needed = math.ceil(len(label) / max(self._span_width(left + 1, right + 1) - 2, 1))
            lines[bottom] = max(lines[bottom], needed - (bottom - top))
        for level, count in enumerate(lines):
            self.ws.row_dimensions[first + level].height = 15 * max(count, 1) + 3
        for row in range(first, last + 1):
            for number in range(1, self.width + 1):
                cell = self.ws.cell(row=row, column=number)
                cell.font = Font(name=FONT, size=10, bold=row < last, italic=row == last)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                cell.border = BOX
                cell.fill = HEADER_FILL

    def body(self, rows: list[tuple[str, list]]) -> None:
        """`rows`: (kind, values). Kinds: `data`, `section` (a sub-heading), `total`, `split`
        (a line of the breakdown below the total, indented), `heading` (the breakdown's title).
        True is written as the forms' mark, "x"; False as nothing."""
        for kind, values in rows:
            row = self._append([("x" if v else None) if isinstance(v, bool) else v for v in values])
            for number, leaf in enumerate(self.leaves, 1):
                cell = self.ws.cell(row=row, column=number)
                value = cell.value
                if isinstance(value, int):
                    cell.number_format = COUNT
                elif isinstance(value, float):
                    cell.number_format = RATE
                horizontal = {"label": "left", "index": "center", "mark": "center"}.get(leaf.kind, "right")
                cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True,
                                           indent=1 if kind == "split" and number == 2 else 0)
                cell.font = Font(name=FONT, size=11, bold=kind in ("section", "total", "heading"),
                                 italic=kind in ("split", "heading"))
                cell.border = BOX

    def merge_label(self, row: int, first: int, last: int) -> None:
        self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    def notes(self, lines: list[str]) -> None:
        if not lines:
            return
        self._append()
        row = self._append(["Ghi chú:"])
        self._style(row, 1, self.width, bold=True, italic=True, horizontal="left")
        for line in lines:
            row = self._append([line])
            self._style(row, 1, self.width, italic=True, horizontal="left")
            self._height(row, line, self._span_width(1, self.width))

    def signature(self) -> None:
        self._append()
        italic, bold = {"italic": True}, {"bold": True}
        self._pair("", "…, ngày … tháng … năm …", left_style={}, right_style=italic)
        self._pair("Người lập biểu", "TM. ỦY BAN NHÂN DÂN", left_style=bold, right_style=bold)
        self._pair("(Ký, ghi rõ họ tên)", "CHỦ TỊCH", left_style=italic, right_style=bold)
        self._pair("", "(Ký tên, đóng dấu)", left_style={}, right_style=italic)

    def finish(self) -> Workbook:
        ws = self.ws
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.oddFooter.center.text = "Trang &P/&N"
        if self.header_rows:
            first, last = self.header_rows
            ws.print_title_rows = f"{first}:{last}"
        return self.book


# ---- What the forms cover -----------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """The households a form covers: those of `area` (None: the whole country) or, with
    `former`, those of `area` registered before July 2025 in that former unit."""

    area: Area | None
    former: FormerUnit | None
    year: int

    @property
    def path(self) -> str:
        return self.area.path if self.area else ""

    def rows(self):
        """The year's HouseholdYear rows of the scope."""
        rows = HouseholdYear.objects.filter(year=self.year, path__startswith=self.path)
        if self.former is not None:
            rows = rows.filter(former_path__startswith=self.former.path)
        return rows

    def place(self) -> str:
        """`Xã Quế Sơn, Thành phố Đà Nẵng`: the unit and those above it."""
        if self.former is not None:
            return _names_up(FormerUnit, self.former) + BEFORE_JULY_2025
        return _names_up(Area, self.area) if self.area else "Toàn quốc"

    def signer(self) -> str | None:
        """The people's committee that signs: the commune of a village, else the unit itself."""
        if self.area is None:
            return None
        return self.area.parent.name if self.area.level == Area.Level.VILLAGE else self.area.name


def _names_up(model, unit) -> str:
    depth = unit.path.count("/")
    paths = [prefix(unit.path, d) for d in range(depth, 0, -1)]
    names = dict(model.objects.filter(path__in=paths).values_list("path", "name"))
    return ", ".join(names[p] for p in paths if p in names)


@dataclass(frozen=True)
class Units:
    """The units directly below the scope: one row each in the tables by unit."""

    rows: list[tuple[str, str]]  # (path, name), by code
    depth: int
    field: str  # the HouseholdYear field their paths are prefixes of
    elsewhere: str  # the row of households below none of them

    def of(self, path: str) -> str:
        return prefix(path, self.depth)


def _units(scope: Scope) -> Units:
    if scope.former is not None:
        units = scope.former.children.order_by("code")
        depth, field = scope.former.path.count("/") + 1, "former_path"
        elsewhere = f"Hộ trực thuộc {scope.former.name}"
    else:
        units = (Area.objects.filter(parent=scope.area) if scope.area else
                 Area.objects.filter(parent__isnull=True)).order_by("code")
        depth, field = scope.path.count("/") + 1, "path"
        elsewhere = NOT_IN_A_VILLAGE if scope.area and scope.area.level == Area.Level.COMMUNE else (
            f"Hộ trực thuộc {scope.area.name}" if scope.area else "")
    return Units(list(units.values_list("path", "name")), depth, field, elsewhere)


def _unit_counts(scope: Scope, units: Units, years) -> dict[str, Counter]:
    """Unit path → (year, residence, ethnic_minority, measure, code) → households, as
    `reports.area_counts` counts them for one area: the kept tallies of provinces and
    communes, the households' yearly rows below them and for former units."""
    found: dict[str, Counter] = {}
    if scope.former is None and units.depth <= 2:
        rows = AreaTally.objects.filter(depth=units.depth, year__in=years, path__startswith=scope.path)
        for path, *key, n in (rows.values_list("path", "year", "residence", "ethnic_minority", "measure", "code")
                              .annotate(n=Sum("households"))):
            found.setdefault(path, Counter())[tuple(key)] += n
        return found
    fields = FACT_FIELDS if units.field in FACT_FIELDS else (*FACT_FIELDS, units.field)
    facts = facts_in(scope.path, former_path=scope.former.path if scope.former else None).values(*fields)
    counts = tally(facts, key=lambda f: units.of(f[units.field]), last_year=years_kept()[-1])
    for (path, year, *rest), n in counts.items():
        if year in years:
            found.setdefault(path, Counter())[(year, *rest)] += n
    return found


def _unit_rows(units: Units, by_unit: dict, cells, total=None) -> list[tuple[str, list]]:
    """A row per unit below the scope, one for the households of none of them (if any), and
    the total (given, or the sum of all)."""
    rows = [("data", [number, name, *cells(by_unit.get(path, Counter()))])
            for number, (path, name) in enumerate(units.rows, 1)]
    known = {path for path, _name in units.rows}
    elsewhere = sum((counts for path, counts in by_unit.items() if path not in known), Counter())
    if units.rows and elsewhere:
        rows.append(("data", ["", units.elsewhere, *cells(elsewhere)]))
    if total is None:
        total = sum(by_unit.values(), Counter())
    rows.append(("total", ["", "Tổng cộng", *cells(total)]))
    return rows


def _form(scope: Scope, title: str, columns: tuple, *lines: str) -> _Sheet:
    sheet = _Sheet(columns)
    sheet.banner(scope.signer())
    sheet.title(f"{title} NĂM {scope.year}", scope.place(), *lines)
    return sheet


def _done(sheet: _Sheet, notes: list[str]) -> Workbook:
    sheet.notes(notes)
    sheet.signature()
    return sheet.finish()


# ---- 1. The list of poor and near-poor households -----------------------------------------

LIST_COLUMNS = (
    INDEX,
    Column("Mã hộ", 17, "label"),
    Column("Họ và tên chủ hộ", 24, "label"),
    Column("Địa chỉ", 26, "label"),
    Group("Phân loại hộ", (Column("Hộ nghèo", 9, "mark"), Column("Hộ cận nghèo", 9, "mark"))),
    Column("Số nhân khẩu", 9),
    Column("Dân tộc thiểu số", 10, "mark"),
    Column("Các chỉ số thiếu hụt", 40, "label"),
    Group("Nhóm đối tượng chính sách", (Column(MERIT, 13, "mark"), Column(NO_CAPACITY, 13, "mark"))),
)


def poor_households_form(*, area: Area | None, former: FormerUnit | None, year: int) -> Workbook:
    """Danh sách hộ nghèo, hộ cận nghèo: every poor and near-poor household at the end of the
    year, by village, with its head, members, deprivations and policy groups."""
    scope = Scope(area, former, year)
    heads = Member.objects.active().filter(household=OuterRef("household_id"), relationship=Member.Relationship.HEAD)
    sizes = (Member.objects.active().filter(household=OuterRef("household_id")).order_by()
             .values("household").annotate(n=Count("pk")).values("n"))
    households = list(
        scope.rows().filter(poverty_class__in=(POOR, NEAR_POOR))
        .annotate(head=Subquery(heads.values("full_name")[:1]), size=Subquery(sizes))
        .order_by("path", "household__code")
        .values("path", "poverty_class", "standard_id", "deprivations", "ethnic_minority", "head", "size",
                code=F("household__code"), address=F("household__address"),
                merit=F("household__merit_family"), no_capacity=F("household__no_working_capacity")))
    indicators = {(s, code): (position, name) for s, code, position, name in
                  Indicator.objects.values_list("standard_id", "code", "position", "name_vi")}
    groups: dict[str, list] = {}
    for household in households:
        groups.setdefault(household["path"], []).append(household)
    labels, levels = _group_labels(scope, groups)

    def deprived(household) -> str:
        found = [indicators.get((household["standard_id"], code), (99, code)) for code in household["deprivations"]]
        return "; ".join(name for _position, name in sorted(found))

    def counts(members: list) -> list:
        return [sum(h["poverty_class"] == POOR for h in members), sum(h["poverty_class"] == NEAR_POOR for h in members),
                sum(h["size"] or 0 for h in members), sum(h["ethnic_minority"] for h in members), "",
                sum(h["merit"] for h in members), sum(h["no_capacity"] for h in members)]

    sheet = _form(scope, "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO", LIST_COLUMNS)
    sheet.header()
    rows = []
    ordered = sorted(groups, key=lambda path: path if levels.get(path) == Area.Level.VILLAGE else path + "\uffff")
    for number, path in enumerate(ordered, 1):
        members = groups[path]
        rows.append(("section", [_roman(number), labels[path], None, None, *counts(members)]))
        rows += [("data", [n, h["code"], h["head"] or "", h["address"], h["poverty_class"] == POOR,
                           h["poverty_class"] == NEAR_POOR, h["size"] or 0, h["ethnic_minority"], deprived(h),
                           h["merit"], h["no_capacity"]])
                 for n, h in enumerate(members, 1)]
    rows.append(("total", ["", "Tổng cộng", None, None, *counts(households)]))
    first = sheet.rows + 1
    sheet.body(rows)
    for offset, (kind, _values) in enumerate(rows):
        if kind != "data":
            sheet.merge_label(first + offset, 2, 4)
    return _done(sheet, [
        f"Phân loại hộ theo kết quả rà soát được phê duyệt gần nhất đến hết năm {year}; không gồm hộ đã ra "
        f"khỏi danh sách quản lý trước ngày 31/12/{year}.",
        "Chủ hộ và số nhân khẩu theo sổ quản lý hộ hiện tại; dòng thôn, tổ dân phố và dòng tổng cộng ghi số hộ "
        "ở các cột đánh dấu (x) và tổng số nhân khẩu.",
        "Các chỉ số thiếu hụt ghi theo tên chỉ số của chuẩn nghèo đã dùng để rà soát hộ.",
    ])


def _group_labels(scope: Scope, groups: dict) -> tuple[dict, dict]:
    """A sub-heading for each unit households live in: its name and those of the units above
    it up to the scope (`Thôn 1, Xã Quế Sơn` in a district's list). And each unit's level."""
    depth = scope.path.count("/")
    chains = {path: [prefix(path, d) for d in range(path.count("/"), depth, -1)] for path in groups}
    units = {path: (name, level) for path, name, level in Area.objects.filter(
        path__in={p for chain in chains.values() for p in chain}).values_list("path", "name", "level")}
    labels = {}
    for path, chain in chains.items():
        names = [units[p][0] for p in chain if p in units]
        if not names:
            labels[path] = scope.area.name if scope.area.level == Area.Level.VILLAGE else NOT_IN_A_VILLAGE
        elif units.get(path, ("", Area.Level.VILLAGE))[1] == Area.Level.VILLAGE:
            labels[path] = ", ".join(names)
        else:
            labels[path] = f"{', '.join(names)} ({NOT_IN_A_VILLAGE.lower()})"
    return labels, {path: level for path, (_name, level) in units.items()}


def _roman(number: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text, number = text + numeral, number - value
    return text


# ---- 2. The result of the review ----------------------------------------------------------

REVIEW_COLUMNS = (
    INDEX, UNIT,
    Column("Tổng số hộ dân cư", 11),
    Group("Hộ nghèo", (
        Column("Số hộ nghèo đầu năm", 10),
        Group("Diễn biến trong năm", (
            Group("Thoát nghèo", (Column("Lên cận nghèo", 9), Column("Trên chuẩn cận nghèo", 10))),
            Column("Tái nghèo", 9),
            Column("Phát sinh mới", 9),
            Column("Xác định theo chuẩn nghèo mới", 11),
        )),
        Column("Số hộ nghèo cuối năm", 10),
        Column("Tỷ lệ hộ nghèo (%)", 9),
    )),
    Group("Hộ cận nghèo", (
        Column("Số hộ cận nghèo đầu năm", 10),
        Group("Diễn biến trong năm", (
            Column("Thoát cận nghèo", 9),
            Column("Tái cận nghèo", 9),
            Column("Phát sinh mới", 9),
            Column("Xác định theo chuẩn nghèo mới", 11),
        )),
        Column("Số hộ cận nghèo cuối năm", 10),
        Column("Tỷ lệ hộ cận nghèo (%)", 9),
    )),
)
SIDES = (
    (POOR, (Transition.ESCAPED_TO_NEAR_POOR, Transition.ESCAPED_ABOVE_NEAR_POOR, Transition.RELAPSED_POOR,
            Transition.NEWLY_POOR)),
    (NEAR_POOR, (Transition.ESCAPED_NEAR_POVERTY, Transition.RELAPSED_NEAR_POOR, Transition.NEWLY_NEAR_POOR)),
)


def _everyone(residence, ethnic_minority) -> bool:
    return True


def _review_cells(year: int):
    def cells(counts: Counter, keep=_everyone) -> list:
        def n(y, measure, code=None):
            return sum(v for (yy, residence, ethnic, m, c), v in counts.items()
                       if yy == y and m == measure and (code is None or c == code) and keep(residence, ethnic))

        households = n(year, "class")
        values = [households]
        for poverty_class, transitions in SIDES:
            end = n(year, "class", poverty_class)
            values += [n(year - 1, "class", poverty_class), *(n(year, "transition", t) for t in transitions),
                       n(year, "new_standard", poverty_class), end, percent(end, households)]
        return values

    return cells


def review_result_form(*, area: Area | None, former: FormerUnit | None, year: int) -> Workbook:
    """Kết quả rà soát hộ nghèo, hộ cận nghèo: for each unit directly below and in total, the
    poor and near-poor households at the start and end of the year, the year's movements and
    the rates; then the total split by residence and for ethnic-minority households."""
    scope = Scope(area, former, year)
    units = _units(scope)
    years = [year - 1, year]
    total = area_counts(area, years=years, former=former)
    cells = _review_cells(year)
    rows = _unit_rows(units, _unit_counts(scope, units, years), cells, total)
    rows += [("heading", ["", "Trong đó:"]),
             ("split", ["", "Khu vực thành thị", *cells(total, lambda residence, e: residence == "urban")]),
             ("split", ["", "Khu vực nông thôn", *cells(total, lambda residence, e: residence == "rural")]),
             ("split", ["", ETHNIC, *cells(total, lambda r, ethnic_minority: ethnic_minority)])]
    sheet = _form(scope, "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO", REVIEW_COLUMNS)
    sheet.unit_of_count()
    sheet.header()
    sheet.body(rows)
    return _done(sheet, [
        f"Số hộ đầu năm: theo kết quả rà soát đến hết năm {year - 1}; số hộ cuối năm: theo kết quả rà soát được "
        f"phê duyệt gần nhất đến hết năm {year}; tổng số hộ dân cư và tỷ lệ tính trên các hộ còn trong danh sách "
        f"quản lý ngày 31/12/{year}.",
        "Diễn biến trong năm: số lượt rà soát được phê duyệt trong năm, so với kết quả rà soát trước đó của hộ. "
        "Hộ cận nghèo trở thành hộ nghèo được tính ở cột tái nghèo hoặc phát sinh mới của hộ nghèo; hộ nghèo lên "
        "cận nghèo ở cột lên cận nghèo.",
        "Xác định theo chuẩn nghèo mới (cột 7 và 14): hộ được rà soát lần đầu theo chuẩn nghèo mới trong năm, "
        "ghi theo kết quả cuối năm; đây là mốc so sánh mới, không tính là thoát nghèo, tái nghèo hay phát sinh "
        "mới.",
        "Số hộ cuối năm còn thay đổi do hộ được rà soát lần đầu và hộ ra khỏi danh sách quản lý, không ghi ở "
        "các cột diễn biến.",
    ])


# ---- 3. By deprivation --------------------------------------------------------------------

def _indicators(year: int, found: set) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(code, dimension, Vietnamese name) of the indicators of the standard in force for the
    year, in their order, then of any other deprivation found (a class still given by a review
    under an earlier standard), by the name its latest standard gives it; and the names of
    those others."""
    standards = PovertyStandard.objects.for_year(year)
    current = list(Indicator.objects.filter(standard__in=standards).order_by("standard__first_year", "position")
                   .values_list("code", "dimension", "name_vi"))
    codes = {code for code, _dimension, _name in current}
    others = {code: (code, dimension, name) for code, dimension, name in
              Indicator.objects.filter(code__in=found - codes).order_by("standard__first_year")
              .values_list("code", "dimension", "name_vi")}
    extra = [others.get(code, (code, "", code)) for code in sorted(found - codes)]
    return current + extra, [name for _code, _dimension, name in extra]


def _deprivation_columns(indicators: list) -> tuple[tuple, list[str]]:
    """The columns, an indicator's under its dimension's heading, and the indicators' codes in
    the columns' order."""
    by_dimension: dict[str, list] = {}
    for code, dimension, name in indicators:
        by_dimension.setdefault(dimension, []).append((code, Column(name, 11)))
    columns = (
        INDEX, UNIT,
        Column("Tổng số hộ", 10),
        Column("Tổng số lượt thiếu hụt", 10),
        Group("Số hộ thiếu hụt theo từng chỉ số", tuple(
            Group(DIMENSIONS.get(dimension, dimension or "Khác"), tuple(column for _code, column in items))
            for dimension, items in by_dimension.items())),
    )
    return columns, [code for items in by_dimension.values() for code, _column in items]


def deprivations_form(*, area: Area | None, former: FormerUnit | None, year: int) -> Workbook:
    """Hộ nghèo, hộ cận nghèo theo chỉ số thiếu hụt: for each unit directly below and in
    total, the poor and the near-poor households deprived on each indicator of the standard in
    force for the year."""
    scope = Scope(area, former, year)
    units = _units(scope)
    poor = {path: _deprived(counts, year) for path, counts in _unit_counts(scope, units, [year]).items()}
    # Deprivations of near-poor households are not tallied: counted from their yearly rows.
    near: dict[str, Counter] = {}
    for path, deprivations in scope.rows().filter(poverty_class=NEAR_POOR).values_list(units.field, "deprivations"):
        counts = near.setdefault(units.of(path), Counter())
        counts["households"] += 1
        counts.update(deprivations)
    total_poor = _deprived(area_counts(area, years=[year], former=former), year)
    found = {code for counts in (total_poor, *near.values()) for code in counts} - {"households"}
    indicators, earlier = _indicators(year, found)
    columns, codes = _deprivation_columns(indicators)

    def cells(counts: Counter) -> list:
        return [counts["households"], sum(counts[code] for code in codes), *(counts[code] for code in codes)]

    standard = PovertyStandard.objects.for_year(year).first()
    basis = [f"Chuẩn nghèo: {standard.name} ({standard.legal_basis})"] if standard else []
    sheet = _form(scope, "HỘ NGHÈO, HỘ CẬN NGHÈO THEO CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN",
                  columns, *basis)
    sheet.unit_of_count()
    sheet.header()
    sheet.body(_class_blocks(units, {POOR: (poor, total_poor), NEAR_POOR: (near, None)}, cells))
    return _done(sheet, [
        f"Số hộ nghèo, hộ cận nghèo cuối năm {year} thiếu hụt từng chỉ số, theo kết quả rà soát được phê duyệt "
        "gần nhất của hộ; một hộ có thể thiếu hụt nhiều chỉ số.",
        "Tổng số lượt thiếu hụt (cột 2) bằng tổng các cột chỉ số.",
        *([f"{'; '.join(earlier)}: chỉ số của chuẩn nghèo trước, ghi cho các hộ có phân loại cuối năm {year} theo "
           "kết quả rà soát theo chuẩn đó."] if earlier else []),
    ])


def _deprived(counts: Counter, year: int) -> Counter:
    """The poor households and their deprivations in the year, from tallied counts."""
    found = Counter()
    for (y, _residence, _ethnic, measure, code), n in counts.items():
        if y == year and measure == "deprivation":
            found[code] += n
        elif y == year and measure == "class" and code == POOR:
            found["households"] += n
    return found


def _class_blocks(units: Units, blocks: dict, cells) -> list[tuple[str, list]]:
    """A block of rows by unit for the poor, then for the near-poor. `blocks`: class → (unit
    path → counts, the total's counts or None for the sum)."""
    rows = []
    for numeral, (poverty_class, (by_unit, total)) in zip(("I", "II"), blocks.items()):
        rows.append(("section", [numeral, CLASS_NAMES[poverty_class].upper()]))
        rows += _unit_rows(units, by_unit, cells, total)
    return rows


# ---- 4. By cause and policy group ---------------------------------------------------------

CAUSE_COLUMNS = (
    INDEX, UNIT,
    Column("Tổng số hộ", 10),
    Group("Nguyên nhân nghèo", tuple(Column(label, 11) for label in CAUSES.values())),
    Group("Nhóm đối tượng", (Column(MERIT, 12), Column(NO_CAPACITY, 12), Column(ETHNIC, 12))),
)


def causes_form(*, area: Area | None, former: FormerUnit | None, year: int) -> Workbook:
    """Hộ nghèo, hộ cận nghèo theo nguyên nhân và nhóm đối tượng: for each unit directly below
    and in total, the poor and the near-poor households by each of the eight causes of poverty,
    and those of merit families, without working capacity and of ethnic minorities."""
    scope = Scope(area, former, year)
    units = _units(scope)
    blocks = {POOR: ({}, None), NEAR_POOR: ({}, None)}
    rows = scope.rows().filter(poverty_class__in=(POOR, NEAR_POOR)).values_list(
        units.field, "poverty_class", "ethnic_minority", "household__poverty_causes", "household__merit_family",
        "household__no_working_capacity")
    for path, poverty_class, ethnic_minority, causes, merit, no_capacity in rows:
        counts = blocks[poverty_class][0].setdefault(units.of(path), Counter())
        counts.update(["households", *set(causes)])
        counts.update({"merit": merit, "no_capacity": no_capacity, "ethnic_minority": ethnic_minority})
    keys = [*CAUSES, "merit", "no_capacity", "ethnic_minority"]
    sheet = _form(scope, "HỘ NGHÈO, HỘ CẬN NGHÈO THEO NGUYÊN NHÂN NGHÈO VÀ NHÓM ĐỐI TƯỢNG", CAUSE_COLUMNS)
    sheet.unit_of_count()
    sheet.header()
    sheet.body(_class_blocks(units, blocks, lambda counts: [counts["households"], *(counts[k] for k in keys)]))
    return _done(sheet, [
        f"Hộ nghèo, hộ cận nghèo cuối năm {year}; nguyên nhân nghèo và nhóm đối tượng theo thông tin hiện có "
        "trong sổ quản lý hộ. Một hộ có thể có nhiều nguyên nhân và thuộc nhiều nhóm đối tượng.",
    ])
