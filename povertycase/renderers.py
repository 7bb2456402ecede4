"""Table renderers: a view answers with a list of rows (the first the header) and the client
chooses CSV or XLSX with `?format=` or the Accept header. Every CSV and XLSX the service writes
goes through them."""

import csv
import io

from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from povertycase.filters import BLANK

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A spreadsheet runs text that starts like a formula: a programme named `=HYPERLINK(...)` would
# become a live link in the user's Excel (OWASP, "CSV Injection"). Such text is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    """Text a spreadsheet could take for a formula; numbers (a negative one too) are numbers."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    # What the schema says of a download in this format: text, for a generated client a str.
    download_schema = {"type": "string"}

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        for row in data:
            # The leading quote is what spreadsheets read as "this cell is text".
            writer.writerow(["'" + v if looks_like_formula(v) else v for v in row])
        # The BOM makes Excel read Vietnamese text as UTF-8.
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"
    download_schema = {"type": "string", "format": "binary"}

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in data:
            sheet.append([text_cell(sheet, v) if isinstance(v, str) else v for v in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


class WorkbookRenderer(XLSXRenderer):
    """A workbook the view built (styled, merged, set up for printing) as an XLSX file."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.BytesIO()
        data.save(out)
        return out.getvalue()


def text_cell(sheet, value: str):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # XML 1.0 cannot hold most control characters: they are shown as "�", not dropped in silence.
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    # openpyxl makes text starting with `=` a formula and `#N/A` an error: every str is a string.
    cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True  # Excel keeps it text when the user edits the cell
    return cell


class TableViewMixin:
    """Views that answer with a table: errors still answer in JSON, whatever format was asked."""

    renderer_classes = [CSVRenderer, XLSXRenderer]

    def initial(self, request, *args, **kwargs):
        # As with list filters, `?area=` is more likely a client's bug than a wish for a default.
        # A method the view does not have still answers 405 (dispatch decides that after this).
        blank = {name: [BLANK] for name, value in request.query_params.items() if value == ""}
        if blank and hasattr(self, request.method.lower()):
            raise ValidationError(blank)
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
