"""What every report view shares: JSON by default, or the same figures as a CSV or XLSX
table with `?format=csv|xlsx`; errors always in JSON."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from povertycase.renderers import XLSX, CSVRenderer, TableViewMixin, XLSXRenderer

REPORT_FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv", "xlsx"],
    description=_("json (default), or csv or xlsx for a table of the same figures: `field,value` rows with "
                  "dotted names, then one table for each list (children, steps, programmes)."),
)


def report_responses(serializer) -> dict:
    table = _("The same figures as a table.")
    return {
        (200, "application/json"): serializer,
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=table),
        (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=table),
    }


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


class ReportView(TableViewMixin, APIView):
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]
    extra_error_codes = {"GET": ["404"]}  # an unknown ?format=
    report_name = "report"

    def answer(self, report):
        renderer = self.request.accepted_renderer
        if renderer.format == "json":
            return Response(report)
        return Response(report_table(report), headers={
            "Content-Disposition": f'attachment; filename="{self.report_name}.{renderer.format}"'})
