"""Bulk import endpoints: upload a CSV or XLSX file, get every row's errors or the counts."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from households.imports import (
    HOUSEHOLD_COLUMNS,
    ImportRejected,
    ImportResult,
    RowError,
    review_columns,
    size_text,
)
from households.jobs import import_or_start, import_refusal
from povertycase.jobs.api.views import ACCEPTED, accepted
from povertycase.jobs.models import Job
from povertycase.renderers import TableViewMixin


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(
        "A CSV (UTF-8) or XLSX file; the first row names the columns. An upload is refused (400) beyond "
        "IMPORT_MAX_BYTES (default 50 MB), IMPORT_MAX_ROWS rows below the header (default 200,000) or, "
        "for an XLSX, IMPORT_MAX_UNCOMPRESSED_BYTES unpacked; an administrator imports larger files "
        "with `manage.py import_households` or `manage.py import_reviews`."))
    dry_run = serializers.BooleanField(
        default=False, help_text=_("Check every row and report the counts without writing anything.")
    )


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text=_("Rows read, the header excluded."))
    dry_run = serializers.BooleanField()
    created = serializers.DictField(child=serializers.IntegerField(), help_text=_("Records created, by kind."))
    updated = serializers.DictField(child=serializers.IntegerField(), help_text=_("Records changed, by kind."))
    unchanged = serializers.IntegerField(help_text=_("Rows that matched stored records exactly."))


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Row number as the spreadsheet shows it (the header is row 1)."))
    column = serializers.CharField()
    message = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    errors = RowErrorSerializer(many=True, help_text=_(
        "The first errors by row, at most IMPORT_MAX_LISTED_ERRORS (default 1,000); row 0 is the request "
        "or the file as a whole (missing, unreadable, or over a limit, which the message names)."))
    error_count = serializers.IntegerField(help_text=_("Errors found, listed or not."))
    stopped_early = serializers.BooleanField(help_text=_(
        "True when checking stopped once IMPORT_MAX_LISTED_ERRORS errors were found (the file is refused "
        "whatever the rest holds): the rows after were not read, or the households after not checked "
        "against the register's rules, so there may be more errors than `error_count`."))


class _ImportView(APIView):
    parser_classes = [MultiPartParser]
    job_kind = None

    @classmethod
    def run(cls, data, *, by) -> ImportResult | Job:
        """The import, its dry run, or the job that does either for a long file, for the data of a
        request (`file`, `dry_run`): the API and the browser's import page share it. Raises
        ImportRejected; every refusal has one shape, `errors` by row and column (row 0: the request)."""
        form = ImportRequestSerializer(data=data)
        if not form.is_valid():
            raise ImportRejected([RowError(0, field, str(m)) for field, messages in form.errors.items()
                                  for m in messages])
        upload = form.validated_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ImportRejected([RowError(0, "file", _("The file is larger than %(size)s.") % {
                "size": size_text(settings.IMPORT_MAX_BYTES)})])
        return import_or_start(kind=cls.job_kind, by=by, data=upload.read(), filename=upload.name,
                               dry_run=form.validated_data["dry_run"])

    def post(self, request):
        try:
            outcome = self.run(request.data, by=request.user)
        except ImportRejected as rejected:
            return Response(import_refusal(rejected), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(outcome, Job):
            return accepted(request, outcome)
        return Response(ImportResultSerializer(outcome).data)


IMPORT_RESPONSES = {200: ImportResultSerializer, 202: ACCEPTED, 400: ImportErrorsSerializer}


class HouseholdImportView(_ImportView):
    """Import a commune's household register: one member a row; the rows of one household share
    its code (`household_code`) and repeat its columns. `area` is the code of a unit of today or,
    for a register kept before July 2025, of a former commune: the household lands in the commune
    that took it and keeps it as `former_commune`; a former commune that was split is refused,
    naming the communes to choose from (give one as `area` and the old code as
    `former_commune`). Columns: household_code, area, former_commune, address,
    residence (rural/urban; default the area's), ethnic_minority, merit_family,
    no_working_capacity (0/1), poverty_causes and support_needs (codes separated by `;`),
    full_name, sex, date_of_birth (YYYY-MM-DD or DD/MM/YYYY), national_id, relationship,
    ethnicity, has_health_insurance, disability (0/1), education_level, employment. Households
    are matched by code, members by national ID or name and date of birth. Any error: nothing
    is written. A file of more than IMPORT_JOB_ROWS rows (default 5,000) is imported, or checked,
    by a job (202), whose `result` or `errors` are this answer's 200 or 400 body."""

    job_kind = Job.Kind.HOUSEHOLD_IMPORT

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer}, responses=IMPORT_RESPONSES)
    def post(self, request):
        return super().post(request)


class ReviewImportView(_ImportView):
    """Import a commune's review: one review a row. Columns: household_code, year, kind
    (periodic/regular), reviewed_on (YYYY-MM-DD or DD/MM/YYYY), income_per_capita (whole VND per
    person per month, digits only) and one 0/1 column for each indicator code of the standard in
    force for the year (see the template). Rows become draft reviews; a row that matches a stored
    review changes it while it is a draft. Any error: nothing is written. A file of more than
    IMPORT_JOB_ROWS rows (default 5,000) is imported, or checked, by a job (202), whose `result`
    or `errors` are this answer's 200 or 400 body."""

    job_kind = Job.Kind.REVIEW_IMPORT

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer}, responses=IMPORT_RESPONSES)
    def post(self, request):
        return super().post(request)


class HouseholdTemplateView(TableViewMixin, APIView):
    """An empty household import file."""

    def get(self, request):
        return Response([HOUSEHOLD_COLUMNS], headers=_attachment(request, "households"))


class ReviewTemplateView(TableViewMixin, APIView):
    """An empty review import file with the indicator columns of the standard for `year`."""

    @extend_schema(parameters=[OpenApiParameter(
        "year", {"type": "integer", "minimum": 2000, "maximum": 2100},
        description=_("Review year, 2000 to 2100 (default: this year)."))])
    def get(self, request):
        from django.utils import timezone

        raw = request.query_params.get("year", str(timezone.localdate().year))
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            raise serializers.ValidationError({"year": [_("Enter a year from 2000 to 2100.")]})
        return Response([review_columns(int(raw))], headers=_attachment(request, f"reviews-{raw}"))


def _attachment(request, name: str) -> dict:
    extension = request.accepted_renderer.format
    return {"Content-Disposition": f'attachment; filename="{name}-template.{extension}"'}
