"""What every report view shares: JSON at its URL, and the same figures as a CSV or XLSX table
at `csv/` and `xlsx/` below it (each file its own operation with one media type, so a generated
client gets text or bytes, not JSON it cannot parse); errors always in JSON."""

from django.urls import path
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from povertycase.renderers import CSVRenderer, TableViewMixin, XLSXRenderer
from povertycase.routers import ReportReads

REPORT_FORMATS = {"": JSONRenderer, "csv/": CSVRenderer, "xlsx/": XLSXRenderer}
FILE_FORMATS = {"": CSVRenderer, "xlsx/": XLSXRenderer}


def format_paths(route: str, view, name: str, formats: dict = REPORT_FORMATS) -> list:
    """`route` for the first format, then `route` + `csv/` ... for the others, each the view
    answering in that one format."""
    return [path(f"{route}{suffix}", view.as_view(renderer_classes=[renderer]),
                 name=name if not suffix else f"{name}-{suffix.rstrip('/')}")
            for suffix, renderer in formats.items()]


def _flat(value, name: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(inner, f"{name}.{key}" if name else str(key))
    else:
        yield name, value if value is None or isinstance(value, (int, float, str)) else str(value)


def report_table(report) -> list[list]:
    """Scalars and nested dicts as `field,value` rows; each list of dicts as its own table
    after a blank row, headed by its name and its flattened columns."""
    if isinstance(report, list):
        report = {"rows": report}
    rows, lists = [["field", "value"]], []
    for key, value in report.items():
        if isinstance(value, list):
            lists.append((key, value))
        else:
            rows.extend([field, "" if v is None else v] for field, v in _flat(value, key))
    for key, items in lists:
        flattened = [dict(_flat(item)) for item in items]
        columns = list(flattened[0]) if flattened else []
        rows += [[], [key], columns]
        rows += [["" if item.get(c) is None else item.get(c) for c in columns] for item in flattened]
    return rows


class ReportView(ReportReads, TableViewMixin, APIView):
    renderer_classes = [JSONRenderer]
    report_name = "report"

    def answer(self, report):
        renderer = self.request.accepted_renderer
        if renderer.format == "json":
            return Response(report)
        return Response(report_table(report), headers={
            "Content-Disposition": f'attachment; filename="{self.report_name}.{renderer.format}"'})
