"""Bulk import of a commune's register and review from the CSV or XLSX files commune workers
keep. Every row is checked first; one bad row and nothing is written. The same file imported
twice changes nothing the second time.

Through the API a file is refused before it is parsed when it holds more rows than
IMPORT_MAX_ROWS or, for an XLSX, declares more than IMPORT_MAX_UNCOMPRESSED_BYTES unpacked; the
management commands take any size."""

import csv
import io
import itertools
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from households import services, tallies
from households.models import (
    Area,
    FormerUnit,
    Household,
    Member,
    PovertyCause,
    PovertyStandard,
    Review,
    SupportNeed,
)
from households.validators import household_code_validator, national_id_validator
from povertycase.access import actor
from povertycase.bulk import insert_with_history

BATCH = 2000
# Excel's last row. openpyxl makes up the empty rows before a row's number, so a file that
# numbers a row 10**12 is read no further than a spreadsheet could be.
EXCEL_ROWS = 1_048_576
# An XLSX holds a dozen parts, a few hundred with many pictures. zipfile reads every entry of
# the directory when it opens a zip (a 50 MB zip of 650,000 empty entries: 4 s and 400 MB).
MAX_XLSX_PARTS = 10_000
# openpyxl reads the whole shared-strings table before the first row, 8 µs and 100 bytes a
# string: 15 million one-letter strings fit in 256 MB and cost 2 minutes and 1.5 GB. A row
# needs a few distinct texts at most (code, address, name, ID, a date typed as text).
SHARED_STRINGS_PER_ROW = 10

REVIEW_COLUMNS = ["household_code", "year", "kind", "reviewed_on", "income_per_capita"]
HOUSEHOLD_FIELDS = [
    "area", "former_commune", "address", "residence", "ethnic_minority", "merit_family", "no_working_capacity",
    "poverty_causes", "support_needs",
]
MEMBER_FIELDS = [
    "full_name", "sex", "date_of_birth", "national_id", "relationship", "ethnicity", "has_health_insurance",
    "disability", "education_level", "employment",
]
HOUSEHOLD_COLUMNS = ["household_code", *HOUSEHOLD_FIELDS, *MEMBER_FIELDS]
HOUSEHOLD_REQUIRED = ["household_code", "area", "full_name", "sex", "date_of_birth", "relationship"]


@dataclass
class RowError:
    row: int
    column: str
    message: str


class ImportRejected(Exception):
    """`errors` are the first errors by row, `count` all that were found; `complete` is False
    when checking stopped early, so that there may be more."""

    def __init__(self, errors: list[RowError], *, count: int | None = None, complete: bool = True):
        self.errors = errors
        self.count = len(errors) if count is None else count
        self.complete = complete
        super().__init__(f"{self.count} errors")


class RowErrors:
    """An import's errors as they are found: the first IMPORT_MAX_LISTED_ERRORS by row are
    kept, and the rest counted until checking stops."""

    def __init__(self):
        self.listed = settings.IMPORT_MAX_LISTED_ERRORS
        self.count = 0
        self.rows: set[int] = set()
        self.complete = True
        self._kept: list[RowError] = []
        self._last_kept_row: int | None = None

    def append(self, error: RowError) -> None:
        self.count += 1
        self.rows.add(error.row)
        # Rows are mostly checked in order: once the list is full, a later row is dropped at once.
        if self._last_kept_row is not None and error.row > self._last_kept_row:
            return
        self._kept.append(error)
        if len(self._kept) >= 2 * self.listed:
            self._kept = self.first()
            self._last_kept_row = self._kept[-1].row if self._kept else None

    def __iadd__(self, errors: Iterable[RowError]):
        for error in errors:
            self.append(error)
        return self

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def full(self) -> bool:
        return self.count >= max(self.listed, 1)

    def first(self) -> list[RowError]:
        return sorted(self._kept, key=lambda e: (e.row, e.column))[:self.listed]

    def reject(self):
        raise ImportRejected(self.first(), count=self.count, complete=self.complete)

    def stop_if_full(self):
        """Once the listed errors are full the file is refused whatever the rest holds, so its
        checking stops: 200,000 rows with every cell wrong cost 30 s to check to the end."""
        if self.full:
            self.complete = False
            self.reject()


@dataclass
class ImportResult:
    rows: int = 0
    dry_run: bool = False
    created: dict = field(default_factory=lambda: defaultdict(int))
    updated: dict = field(default_factory=lambda: defaultdict(int))
    unchanged: int = 0


# Reading files ------------------------------------------------------------------------------


def _cell(value) -> str:
    """Spreadsheet cells arrive typed; rows are checked as text, like CSV cells."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(
    data: bytes, filename: str = "", *, max_rows: int | None = None, max_unpacked: int | None = None,
) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """(header, rows numbered as the spreadsheet numbers them, the header being row 1). A file
    of more than `max_rows` rows below its header, or an XLSX that declares more than
    `max_unpacked` bytes unpacked, is refused before it is parsed."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        _check_xlsx(data, max_rows=max_rows, max_unpacked=max_unpacked)
        header, rows = _read_xlsx(data)
    else:
        header, rows = _read_csv(data, max_rows=max_rows)
    return header, rows if max_rows is None else _rows_at_most(rows, max_rows)


def _read_csv(data: bytes, *, max_rows: int | None):
    reader = _csv_reader(data)
    try:
        if max_rows is not None and _csv_rows_over(data, max_rows):
            raise ImportRejected([_too_many_rows(max_rows)])
        header = [h.strip() for h in next(reader, [])]
    except (UnicodeDecodeError, csv.Error) as error:
        raise ImportRejected([_unreadable_csv(reader, error)])

    def rows():
        try:
            for number, cells in enumerate(reader, start=2):
                if any(c.strip() for c in cells):
                    yield number, dict(zip(header, (c.strip() for c in cells)))
        except (UnicodeDecodeError, csv.Error) as error:
            raise ImportRejected([_unreadable_csv(reader, error)])

    return header, rows()


def _csv_reader(data: bytes):
    # Decoded as it is read: the whole file as one str would cost two to four times its bytes.
    return csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))


def _unreadable_csv(reader, error: Exception) -> RowError:
    if isinstance(error, UnicodeDecodeError):
        return RowError(0, "file", _("The file is neither XLSX nor UTF-8 CSV."))
    # A cell over csv's field size limit (128 KiB), say.
    return RowError(reader.line_num, "file", _("The CSV file could not be read from this line on."))


def _csv_rows_over(data: bytes, limit: int) -> bool:
    # Every row but the last ends in a line break, so a file with no more breaks than the limit
    # is let through unread. Past that the rows are counted for real, since a quoted cell may
    # hold line breaks; the count stops at the limit.
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if breaks <= limit:
        return False
    return sum(1 for _row in itertools.islice(_csv_reader(data), limit + 2)) > limit + 1


# A worksheet's row or a shared string, with any namespace prefix (`<row r="2">`, `<x:si>`).
_COUNTED_TAG = re.compile(rb"<(?:[^\s<>:/]+:)?(row|si)[\s/>]")


def _check_xlsx(data: bytes, *, max_rows: int | None, max_unpacked: int | None) -> None:
    """Refuses a zip bomb by what its members declare: Python's zipfile stops reading a member
    at its declared size, so the declaration bounds what openpyxl can be made to unpack."""
    # Each directory entry starts with this signature: counting it bounds the entries unopened.
    if data.count(b"PK\x01\x02") > MAX_XLSX_PARTS:
        raise ImportRejected([RowError(0, "file", _(
            "The XLSX file could not be read: it holds more than %(limit)s parts.") % {"limit": f"{MAX_XLSX_PARTS:,}"})])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            too_big = max_unpacked is not None and unpacked > max_unpacked
            counts = []
            if max_rows is not None and not too_big:
                max_strings = max_rows * SHARED_STRINGS_PER_ROW
                counts = [_tags_in(archive, m, stop={b"row": max_rows + 2, b"si": max_strings + 1}) for m in members]
    except Exception:  # zipfile and zlib raise many kinds for a damaged file
        raise ImportRejected([RowError(0, "file", _("The XLSX file could not be read."))])
    if too_big:
        raise ImportRejected([RowError(0, "file", _(
            "The XLSX file unpacks to more than %(size)s, the most an upload may hold.") % {
            "size": size_text(max_unpacked)})])
    # Whichever members are the first sheet and its strings, none holds more than the most.
    if any(c[b"row"] > max_rows + 1 for c in counts):
        raise ImportRejected([_too_many_rows(max_rows)])
    if any(c[b"si"] > max_strings for c in counts):
        raise ImportRejected([RowError(0, "file", _(
            "The XLSX file holds more than %(limit)s distinct texts, %(per_row)d for each row an upload may "
            "hold.") % {"limit": f"{max_strings:,}", "per_row": SHARED_STRINGS_PER_ROW})])


def _tags_in(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, stop: dict[bytes, int]) -> dict[bytes, int]:
    """Rows and shared strings in a member, counted a megabyte at a time until one reaches its
    `stop`: the member is never whole in memory, nor parsed."""
    counts, tail = dict.fromkeys(stop, 0), b""
    with archive.open(member) as stream:
        while all(counts[tag] < stop[tag] for tag in stop) and (chunk := stream.read(2**20)):
            text = tail + chunk
            end = 0
            for match in _COUNTED_TAG.finditer(text):
                counts[match[1]] += 1
                end = match.end()
            tail = text[max(end, len(text) - 64):]  # a tag cut in two by the chunk's end
    return counts


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    unreadable = _("The XLSX file could not be read.")
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        header = [_cell(h) for h in next(sheet.iter_rows(max_row=1, values_only=True), ())]
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportRejected([RowError(0, "file", unreadable)])

    def rows():
        # Cells are read as far as the header goes (one cell in column XFD would otherwise make
        # every row 16,384 values long), and rows to the sheet's end, not to its declared
        # dimension, which may be wrong.
        number = 1
        try:
            cells_by_row = sheet.iter_rows(min_row=2, max_row=EXCEL_ROWS, max_col=len(header), values_only=True)
            for number, cells in enumerate(cells_by_row, start=2):
                if any(c not in (None, "") for c in cells):
                    yield number, dict(zip(header, (_cell(c) for c in cells)))
        except Exception:  # a damaged sheet shows only as it is read
            raise ImportRejected([RowError(number + 1, "file", unreadable)])

    return header, rows()


def _rows_at_most(rows: Iterator[tuple[int, dict]], limit: int) -> Iterator[tuple[int, dict]]:
    # The count before parsing can be fooled (an XLSX row's number is the file's word); this
    # refuses the file at the first row past the limit, whatever it claimed.
    for number, row in rows:
        if number > limit + 1:
            raise ImportRejected([_too_many_rows(limit)])
        yield number, row


def _too_many_rows(limit: int) -> RowError:
    return RowError(0, "file", _(
        "The file has more than %(limit)s rows below its header, the most an upload may hold. An "
        "administrator imports larger files with `manage.py import_households` or `manage.py "
        "import_reviews`.") % {"limit": f"{limit:,}"})


def size_text(size: int) -> str:
    return f"{size / 2**20:.3g} MB"


# Cell parsers: each returns the value or raises ValueError with the message for the user ----


def _int(text: str, *, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(_("Enter a whole number from %(low)d to %(high)d (digits only).") % {"low": low, "high": high})
    return int(text)


def _date(text: str) -> date:
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(_("Enter a date as YYYY-MM-DD or DD/MM/YYYY."))


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(_("Enter 0 or 1."))
    return text == "1"


def _optional_flag(text: str) -> bool:
    return _flag(text) if text else False


def _choice(choices) -> Callable[[str], str]:
    values = [c[0] for c in choices]

    def parse(text: str) -> str:
        if text not in values:
            raise ValueError(_("Enter one of: %(values)s.") % {"values": ", ".join(values)})
        return text

    return parse


def _optional_choice(choices) -> Callable[[str], str]:
    parse = _choice(choices)
    return lambda text: parse(text) if text else ""


def _codes(choices) -> Callable[[str], list[str]]:
    parse = _choice(choices)

    def parse_list(text: str) -> list[str]:
        values = [parse(v.strip()) for v in text.split(";") if v.strip()]
        if len(set(values)) != len(values):
            raise ValueError(_("Each value may appear once."))
        return values

    return parse_list


def _text(limit: int, *, required: bool = False) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if required and not text:
            raise ValueError(_("This column is required."))
        if len(text) > limit or "\x00" in text:
            raise ValueError(_("At most %(limit)d characters.") % {"limit": limit})
        return text

    return parse


def _validated(validator) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            validator(text)
        except ValidationError as error:
            raise ValueError(error.messages[0])
        return text

    return parse


def _national_id(text: str) -> str | None:
    return _validated(national_id_validator)(text) if text else None


def _check_header(header: list[str], *, known: set[str], required: list[str]) -> list[RowError]:
    errors = [RowError(1, c, _("Unknown column.")) for c in header if c not in known]
    errors += [RowError(1, c, _("Missing column.")) for c in required if c not in header]
    if len(set(header)) != len(header):
        errors.append(RowError(1, "header", _("A column appears twice.")))
    return errors


def _parse_row(number: int, row: dict, parsers: dict, errors: RowErrors) -> dict:
    values = {}
    for column, parse in parsers.items():
        if column not in row:
            continue
        try:
            values[column] = parse(row[column])
        except ValueError as error:
            errors.append(RowError(number, column, str(error)))
    return values


def _households_by_code(by, codes: Iterable[str], *, light: bool = False) -> dict[str, Household]:
    codes = list(codes)
    found = {}
    for start in range(0, len(codes), BATCH):
        chunk = codes[start:start + BATCH]
        households = Household.objects.visible_to(by).filter(code__in=chunk)
        if light:
            # 100,000 model instances cost seconds; the review import needs four values.
            fields = ("pk", "code", "residence", "status")
            households = (SimpleNamespace(**dict(zip(fields, v))) for v in households.values_list(*fields))
        found.update((h.code, h) for h in households)
    return found


def _reject_if(errors: RowErrors):
    if errors:
        errors.reject()


# Reviews ------------------------------------------------------------------------------------


def review_columns(year: int) -> list[str]:
    standard = PovertyStandard.objects.for_year(year).first()
    codes = list(standard.indicators.values_list("code", flat=True)) if standard else []
    return REVIEW_COLUMNS + codes


def reviews_import(
    header: list[str], rows: Iterable[tuple[int, dict]], *, by, dry_run: bool = False,
    progress: Callable[[int], None] = lambda n: None,
) -> ImportResult:
    """Creates or changes draft reviews, one a row. A row matches a stored review by household,
    year and kind (and date, for regular reviews); an approved review is never changed."""
    standards = list(PovertyStandard.objects.prefetch_related("indicators"))
    indicator_codes = {s.pk: {i.code for i in s.indicators.all()} for s in standards}
    all_codes = set().union(*indicator_codes.values())
    errors = RowErrors()
    errors += _check_header(header, known=set(REVIEW_COLUMNS) | all_codes, required=REVIEW_COLUMNS)
    _reject_if(errors)
    parsers = {
        "household_code": _text(32, required=True),
        "year": lambda t: _int(t, low=2000, high=2100),
        "kind": _choice(Review.Kind.choices),
        "reviewed_on": _date,
        "income_per_capita": lambda t: _int(t, low=0, high=10**12),
    }
    flag_columns = [c for c in header if c in all_codes]
    parsed = []
    for number, row in rows:
        values = _parse_row(number, row, parsers, errors)
        flags = {}
        for column in flag_columns:
            cell = row.get(column, "")
            if cell in ("0", "1"):
                flags[column] = cell == "1"
            else:
                errors.append(RowError(number, column, _("Enter 0 or 1.")))
        parsed.append((number, values, flags))
        progress(1)
        errors.stop_if_full()
    result = ImportResult(rows=len(parsed), dry_run=dry_run)

    households = _households_by_code(by, light=True, codes={values["household_code"] for _row, values, _flags in parsed if "household_code" in values})
    existing = _stored_reviews(households.values())
    seen: dict[tuple, int] = {}
    new, changed = [], []
    for number, values, flags in parsed:
        if len(values) < len(parsers):
            continue
        household = households.get(values["household_code"])
        if household is None:
            errors.append(RowError(number, "household_code", _("No household with this code in your area.")))
            continue
        year = values["year"]
        standard = next((s for s in standards if s.first_year <= year <= s.last_year), None)
        codes = indicator_codes[standard.pk] if standard else set()
        if standard is not None:
            errors += [RowError(number, c, _("Missing column for an indicator of %(standard)s.") % {
                "standard": standard.code}) for c in sorted(codes - set(flag_columns))]
            errors += [RowError(number, c, _("Not an indicator of %(standard)s: leave it 0.") % {
                "standard": standard.code}) for c, on in flags.items() if on and c not in codes]
        deprivations = sorted(c for c, on in flags.items() if on and c in codes)
        row_errors = services._review_errors(
            household=household, year=year, reviewed_on=values["reviewed_on"], deprivations=deprivations,
            standard=standard, indicator_codes=codes,
        )
        errors += [RowError(number, column if column in parsers else "year", message)
                   for column, message in row_errors.items()]
        if row_errors or standard is None:
            continue
        key = _review_key(household.pk, year, values["kind"], values["reviewed_on"])
        if key in seen:
            errors.append(RowError(number, "household_code", _("The same review is on row %(row)d.") % {"row": seen[key]}))
            continue
        seen[key] = number
        stored = existing.get(key)
        if stored is None:
            review = Review(household_id=household.pk, year=year, kind=values["kind"], reviewed_on=values["reviewed_on"],
                            income_per_capita=values["income_per_capita"], deprivations=deprivations,
                            standard=standard, residence=household.residence)
            services._classify(review)
            new.append(review)
        elif (stored.reviewed_on, stored.income_per_capita, stored.deprivations) == (
                values["reviewed_on"], values["income_per_capita"], deprivations):
            result.unchanged += 1
        elif stored.status != Review.Status.DRAFT:
            errors.append(RowError(number, "household_code", _(
                "This review is approved and differs from the row; record a correction instead.")))
        else:
            stored.reviewed_on, stored.income_per_capita = values["reviewed_on"], values["income_per_capita"]
            stored.deprivations = deprivations
            stored.standard = standard
            services._classify(stored)
            stored.version += 1
            changed.append(stored)
    _reject_if(errors)
    result.created["reviews"], result.updated["reviews"] = len(new), len(changed)
    if not dry_run:
        with transaction.atomic():
            insert_with_history(Review, new, by=by, batch_size=BATCH)
            bulk_update_with_history(
                changed, Review,
                ["reviewed_on", "income_per_capita", "deprivations", "standard", "deprivation_count",
                 "poverty_class", "explanation", "version"],
                batch_size=BATCH, default_user=actor(by),
            )
    return result


def _review_key(household_id, year, kind, reviewed_on) -> tuple:
    # One periodic review a household a year; regular reviews are told apart by their date.
    return (household_id, year, kind, None if kind == Review.Kind.PERIODIC else reviewed_on)


def _stored_reviews(households: Iterable[Household]) -> dict[tuple, Review]:
    ids = [h.pk for h in households]
    stored = {}
    for start in range(0, len(ids), BATCH):
        reviews = (
            Review.objects.filter(household_id__in=ids[start:start + BATCH])
            .exclude(status=Review.Status.SUPERSEDED)
            .select_related("standard")
            .order_by("created_at")
        )
        for review in reviews:
            # The latest correction stands for its year: a file row is compared with it.
            stored[_review_key(review.household_id, review.year, review.kind, review.reviewed_on)] = review
    return stored


# Households ---------------------------------------------------------------------------------


def households_import(
    header: list[str], rows: Iterable[tuple[int, dict]], *, by, dry_run: bool = False,
    progress: Callable[[int], None] = lambda n: None,
) -> ImportResult:
    """Creates or changes households and their members, one member a row; the rows of one
    household share its code and repeat its columns. Members are matched by national ID, or
    else by name and date of birth."""
    errors = RowErrors()
    errors += _check_header(header, known=set(HOUSEHOLD_COLUMNS), required=HOUSEHOLD_REQUIRED)
    _reject_if(errors)
    parsers = {
        "household_code": lambda t: _validated(household_code_validator)(_text(32, required=True)(t)),
        "area": _text(16, required=True),
        "former_commune": _text(16),
        "address": _text(255),
        "residence": _optional_choice(Household._meta.get_field("residence").choices),
        "ethnic_minority": _optional_flag,
        "merit_family": _optional_flag,
        "no_working_capacity": _optional_flag,
        "poverty_causes": _codes(PovertyCause.choices),
        "support_needs": _codes(SupportNeed.choices),
        "full_name": _text(128, required=True),
        "sex": _choice(Member.Sex.choices),
        "date_of_birth": _date,
        "national_id": _national_id,
        "relationship": _choice(Member.Relationship.choices),
        "ethnicity": _text(64),
        "has_health_insurance": _optional_flag,
        "disability": _optional_flag,
        "education_level": _optional_choice(Member.EducationLevel.choices),
        "employment": _optional_choice(Member.Employment.choices),
    }
    groups: dict[str, list[tuple[int, dict]]] = {}
    count = 0
    for number, row in rows:
        values = _parse_row(number, row, parsers, errors)
        count += 1
        progress(1)
        errors.stop_if_full()
        code = values.get("household_code")
        if code:
            groups.setdefault(code, []).append((number, values))
    result = ImportResult(rows=count, dry_run=dry_run)
    areas, formers = _areas_and_former_communes(by, [members[0][1] for members in groups.values()])
    stored = _households_by_code(by, groups)
    taken = set(Household.objects.filter(code__in=list(groups)).exclude(
        pk__in=[h.pk for h in stored.values()]).values_list("code", flat=True))
    bad_rows = set(errors.rows)
    with transaction.atomic(), tallies.deferred() as changed:
        for code, members in groups.items():
            first_row, first = members[0]
            for number, values in members[1:]:
                for column in HOUSEHOLD_FIELDS:
                    if column in values and values[column] != first.get(column):
                        errors.append(RowError(number, column, _(
                            "Differs from row %(row)d of the same household.") % {"row": first_row}))
            if code in taken:
                errors.append(RowError(first_row, "household_code", _("This code is used outside your area.")))
                continue
            area, former, unplaced = _place(first, areas, formers)
            errors += [RowError(first_row, column, message) for column, message in unplaced.items()]
            if unplaced or area is None or any(number in bad_rows for number, _values in members):
                continue
            if errors.full:
                # The service's checks cost queries in a savepoint, a household at a time.
                errors.complete = False
                continue
            try:
                with transaction.atomic():
                    _import_household(by, code, area, former, first, members, stored.get(code), result)
            except ValidationError as error:
                errors += _row_errors(error, members)
        if errors or dry_run:
            changed.clear()
            transaction.set_rollback(True)
    _reject_if(errors)
    return result


def _row_errors(error: ValidationError, members: list[tuple[int, dict]]) -> list[RowError]:
    """Map a service's field errors (`members.2.national_id`, `area`) to rows and columns."""
    found = []
    for key, messages in error.message_dict.items():
        parts = key.split(".")
        if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit():
            row, column = members[int(parts[1])][0], parts[2]
        else:
            row, column = members[0][0], "relationship" if parts[0] == "members" else parts[0]
        found += [RowError(row, column, m) for m in messages]
    return found


def _areas_and_former_communes(by, firsts: list[dict]) -> tuple[dict, dict]:
    """The units of today named in the `area` column (in the caller's area), and the former
    communes named in `former_commune` or, in place of a unit of today, in `area`, with the
    units of today they went into."""
    named = {v.get("area") for v in firsts} - {None}
    areas = {a.code: a for a in Area.objects.visible_to(by).filter(code__in=named)}
    wanted = (named - set(areas)) | {v.get("former_commune") for v in firsts} - {None, ""}
    formers = {u.code: u for u in FormerUnit.objects.filter(code__in=wanted, level=FormerUnit.Level.COMMUNE)
               .prefetch_related("successors")}
    successors = {s.code for u in formers.values() for s in u.successors.all()} - set(areas)
    areas.update((a.code, a) for a in Area.objects.visible_to(by).filter(code__in=successors))
    return areas, formers


def _place(first: dict, areas: dict, formers: dict) -> tuple[Area | None, FormerUnit | None, dict]:
    """(the household's unit of today, its former commune, errors by column). The `area`
    column names a unit of today or, for a register kept before July 2025, a former commune:
    the household then lands in the commune that took it, or, if it was split, the row must
    name the commune (`area`) and keep the former one in `former_commune`."""
    code, former_code = first.get("area"), first.get("former_commune")
    former = formers.get(former_code) if former_code else None
    if former_code and former is None:
        return None, None, {"former_commune": _("No commune of before July 2025 has this code.")}
    if code in areas:
        return areas[code], former, {}
    unit = formers.get(code)
    if unit is None:
        return None, None, {"area": _("No administrative unit with this code in your area.")} if code else {}
    went = sorted(unit.successors.all(), key=lambda s: s.code)
    if len(went) > 1:
        return None, None, {"area": _(
            "%(unit)s (before July 2025) was split between %(successors)s: give the commune the household lives "
            "in as area, and %(code)s as former_commune.") % {
            "unit": unit.name, "code": unit.code, "successors": ", ".join(f"{s.name} ({s.code})" for s in went)}}
    if not went or went[0].code not in areas:
        return None, None, {"area": _("%(unit)s (before July 2025) went into %(successor)s, which is not in your "
                                      "area.") % {"unit": unit.name,
                                                  "successor": ", ".join(f"{s.name} ({s.code})" for s in went)}}
    return areas[went[0].code], former or unit, {}


def _import_household(by, code, area, former, first, members, household, result):
    household_values = {f: first[f] for f in HOUSEHOLD_FIELDS if f in first and f not in ("area", "former_commune")}
    if former is not None or "former_commune" in first:
        household_values["former_commune"] = former
    if not household_values.get("residence"):
        household_values.pop("residence", None)
    people = [{f: v[f] for f in MEMBER_FIELDS if f in v} for _row, v in members]
    if household is None:
        services.household_create(by=by, code=code, area=area, members=people, **household_values)
        result.created["households"] += 1
        result.created["members"] += len(people)
        return
    changes = {f: v for f, v in household_values.items() if getattr(household, f) != v}
    if household.area_id != area.pk:
        changes["area"] = area
    if changes:
        services.household_update(household=household, by=by, changes=changes)
        result.updated["households"] += 1
    current = list(household.members.active())
    for index, person in enumerate(people):
        match = next((m for m in current if person.get("national_id") and m.national_id == person["national_id"]), None) \
            or next((m for m in current if (m.full_name, m.date_of_birth) == (person["full_name"], person["date_of_birth"])), None)
        try:
            if match is None:
                services.member_create(by=by, household=household, **person)
                result.created["members"] += 1
                continue
            member_changes = {f: v for f, v in person.items() if getattr(match, f) != v}
            if member_changes:
                services.member_update(member=match, by=by, changes=member_changes)
                result.updated["members"] += 1
            else:
                result.unchanged += 1
        except ValidationError as error:
            raise ValidationError({f"members.{index}.{k}": v for k, v in error.message_dict.items()})
