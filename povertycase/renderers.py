"""Table renderers: a view answers with a list of rows (the first the header) and the client
chooses CSV or XLSX with `?format=` or the Accept header."""

import csv
import io

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        for row in data:
            writer.writerow(row)
        # The BOM makes Excel read Vietnamese text as UTF-8.
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in data:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


class TableViewMixin:
    """Views that answer with a table: errors still answer in JSON, whatever format was asked."""

    renderer_classes = [CSVRenderer, XLSXRenderer]

    def initial(self, request, *args, **kwargs):
        # As with list filters, `?area=` is more likely a client's bug than a wish for a default.
        blank = {name: [_("Leave this parameter out, or give it a value.")]
                 for name, value in request.query_params.items() if value == ""}
        if blank:
            raise ValidationError(blank)
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
