"""The report forms communes send up, as XLSX downloads (built by `households.forms`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from households import forms
from households.api.reports import AreaQuerySerializer, reported_year
from households.models import Area, FormerUnit
from povertycase.renderers import TableViewMixin, WorkbookRenderer
from povertycase.routers import ReportReads


class FormQuerySerializer(AreaQuerySerializer):
    year = serializers.IntegerField(help_text=_(
        "The year of the review: the form shows the households' classes at its end."))

    def validate_year(self, year):
        return reported_year(year)


class ListQuerySerializer(FormQuerySerializer):
    def validate(self, data):
        data = super().validate(data)
        former, area = data["former_area"], data["area"]
        # The list names every household: it is a commune's paper, not a province's.
        if former is not None and former.level == FormerUnit.Level.PROVINCE:
            raise serializers.ValidationError({"former_area": _(
                "The list is made for a district or commune: choose one.")})
        if former is None and (area is None or area.level == Area.Level.PROVINCE):
            raise serializers.ValidationError({"area": _(
                "The list is made for a commune, ward or village (or a district before July 2025): choose one.")})
        return data


class _FormView(ReportReads, TableViewMixin, APIView):
    """A form as an XLSX file; the subclass's docstring describes it (in the schema too)."""

    renderer_classes = [WorkbookRenderer]
    download_description = _("The form as an XLSX workbook, in Vietnamese, ready to print and sign.")
    query_class = FormQuerySerializer
    file_name = ""
    build = None

    @extend_schema(parameters=[FormQuerySerializer])
    def get(self, request):
        query = self.query_class(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        area, former, year = data["area"], data["former_area"], data["year"]
        book = type(self).build(area=area, former=former, year=year)
        unit = f"former-{former.code}" if former else area.code if area else "all"
        return Response(book, headers={
            "Content-Disposition": f'attachment; filename="{self.file_name}-{unit}-{year}.xlsx"'})


class PoorHouseholdsFormView(_FormView):
    """The list of poor and near-poor households (danh sách hộ nghèo, hộ cận nghèo) at the end
    of the year, by village, as an XLSX form in Vietnamese: code, head, address, class,
    members, ethnic minority, the indicators each is deprived on, merit family and no working
    capacity, with the village's and the total's counts, ready to print (A4 landscape) and
    sign. For a commune, ward or village, or a district or commune before July 2025
    (`former_area`): a province's list is refused. Scoped to your area."""

    query_class = ListQuerySerializer
    file_name = "poor-households"
    build = staticmethod(forms.poor_households_form)


class ReviewResultFormView(_FormView):
    """The result of the review (kết quả rà soát hộ nghèo, hộ cận nghèo) as an XLSX form in
    Vietnamese: for each unit directly below and in total, the poor and the near-poor
    households at the start and the end of the year, those that escaped, relapsed, newly arose
    or were first judged by a new standard during it, and the rates; then the total for urban
    and rural households and for ethnic-minority households. The figures are the poverty
    report's. Scoped to your area."""

    file_name = "review-result"
    build = staticmethod(forms.review_result_form)


class DeprivationsFormView(_FormView):
    """Poor and near-poor households by deprivation (theo chỉ số thiếu hụt) as an XLSX form in
    Vietnamese: for each unit directly below and in total, how many poor and how many
    near-poor households at the end of the year are deprived on each indicator of the standard
    in force for the year. Scoped to your area."""

    file_name = "deprivations"
    build = staticmethod(forms.deprivations_form)


class CausesFormView(_FormView):
    """Poor and near-poor households by cause and policy group (theo nguyên nhân và nhóm đối
    tượng) as an XLSX form in Vietnamese: for each unit directly below and in total, the
    households with each of the eight causes of poverty, and those of merit families, without
    working capacity and of ethnic minorities. Scoped to your area."""

    file_name = "causes"
    build = staticmethod(forms.causes_form)
