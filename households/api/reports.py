from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from households import reports
from households.api.serializers import AreaCodeField, FormerUnitCodeField
from households.models import UNCLASSIFIED, PovertyClass, Transition
from households.tallies import years_kept
from povertycase.access import is_country_admin
from povertycase.filters import QuerySerializer
from povertycase.reporting import ReportView
from povertycase.schema import OPTIONAL_IN_RESPONSE

RATE = _("Percentage 0–100 with 2 decimals; null when the denominator is 0.")


def _counts_serializer(name, codes_and_labels, help_text):
    fields = {code: serializers.IntegerField(help_text=str(help_text) % {"label": label})
              for code, label in codes_and_labels}
    return type(name, (serializers.Serializer,), fields)


ClassCountsSerializer = _counts_serializer(
    "ClassCounts", [*PovertyClass.choices, (UNCLASSIFIED, _("no approved review yet"))],
    _("Households whose class at the end of the year is %(label)s: the class of their latest approved review "
      "of that year or before."))
TransitionCountsSerializer = _counts_serializer(
    "TransitionCounts", Transition.choices,
    _("Approved reviews of the year whose transition is: %(label)s (from the household's previous approved review). "
      "A review judged by a different standard from the household's previous one is `new_standard`, a new "
      "baseline: it is never counted as an escape, a relapse or newly arising."))
NewStandardCountsSerializer = _counts_serializer(
    "NewStandardCounts", PovertyClass.choices,
    _("Households reviewed under a new standard for the first time this year (transition `new_standard`) whose "
      "class at the end of the year is %(label)s: the lines moved, so these are neither escapes nor relapses."))


class HeadlineSerializer(serializers.Serializer):
    households = serializers.IntegerField(help_text=_(
        "Households not archived before the end of the year."))
    classes = ClassCountsSerializer()
    poverty_rate = serializers.FloatField(allow_null=True, help_text=_("Poor households over households. ") + RATE)
    near_poverty_rate = serializers.FloatField(allow_null=True,
                                               help_text=_("Near-poor households over households. ") + RATE)


class ChildHeadlineSerializer(HeadlineSerializer):
    area = serializers.CharField(help_text=_("Code of the unit directly below (a former unit's, by former_area)."))
    name = serializers.CharField()


REPORTED_AREA = _("The unit reported on; null for the whole country, or when the report is by former_area.")
REPORTED_FORMER_AREA = _("The former unit (before July 2025) reported on, or null.")


class PovertyReportSerializer(HeadlineSerializer):
    area = serializers.CharField(allow_null=True, help_text=REPORTED_AREA)
    former_area = serializers.CharField(allow_null=True, help_text=REPORTED_FORMER_AREA)
    name = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    start_of_year = ClassCountsSerializer(help_text=_("The classes at the end of the year before."))
    transitions = TransitionCountsSerializer()
    new_standard = NewStandardCountsSerializer(help_text=_(
        "The households of the year's new baseline, by class (see `transitions.new_standard`)."))
    by_residence = serializers.DictField(child=HeadlineSerializer(), help_text=_(
        "`rural` and `urban`: the headline for the households of each residence (that of the review that "
        "gives the class, or the household's own when unclassified)."))
    by_ethnic_minority = serializers.DictField(child=HeadlineSerializer(), help_text=_(
        "`ethnic_minority` and `other`: the headline for each group of households."))
    deprivations = serializers.DictField(child=serializers.IntegerField(), help_text=_(
        "Indicator code → poor households at the end of the year deprived on it (the indicators of the "
        "standard in force for the year, zero included)."))
    children = ChildHeadlineSerializer(many=True, required=False, style={OPTIONAL_IN_RESPONSE: True}, help_text=_(
        "With group_by=child: one row per unit directly below the area (provinces for the country; the former "
        "units directly below a former_area)."))


class StepSerializer(serializers.Serializer):
    years_after = serializers.IntegerField(help_text=_("k: the step is the end of the exit year + k."))
    observed = serializers.IntegerField(help_text=_(
        "Households of the escape not archived before the end of that year."))
    still_out = serializers.IntegerField(help_text=_("Of those, households not poor at the end of that year."))
    share = serializers.FloatField(allow_null=True, help_text=_("still_out over observed. ") + RATE)


class SustainabilityReportSerializer(serializers.Serializer):
    area = serializers.CharField(allow_null=True, help_text=REPORTED_AREA)
    former_area = serializers.CharField(allow_null=True, help_text=REPORTED_FORMER_AREA)
    name = serializers.CharField(allow_null=True)
    exit_year = serializers.IntegerField()
    escaped = serializers.IntegerField(help_text=_(
        "Households with an approved review dated in the exit year whose transition is an escape out of poverty "
        "(to near-poor or above)."))
    steps = StepSerializer(many=True, help_text=_(
        "One step for each year after the exit year up to the latest year with approved reviews in the area. A "
        "household is observed only while its class is judged by the standard it escaped under: from its first "
        "review under a new standard on, its class says where the lines are, not whether the escape lasted."))


class AreaQuerySerializer(QuerySerializer):
    area = AreaCodeField(required=False, help_text=_(
        "Code of a unit in your area (default: your area; the whole country for a user without one)."))
    former_area = FormerUnitCodeField(required=False, help_text=_(
        "Instead of `area`: code of a province, district or commune as they stood before July 2025 "
        "(`/former-units/`). The figures are those of the households of your area whose former commune lies "
        "in it."))

    def validate(self, data):
        user = self.context["request"].user
        if "area" in data and "former_area" in data:
            raise serializers.ValidationError({"former_area": _("Give area or former_area, not both.")})
        data.setdefault("area", user.area)  # with former_area: the scope, your area
        data.setdefault("former_area", None)
        if data["area"] is None and not is_country_admin(user):
            raise serializers.ValidationError({"area": _("Choose an area: your account has none.")})
        return data


class PovertyQuerySerializer(AreaQuerySerializer):
    year = serializers.IntegerField(help_text=_("The reported year."))
    group_by = serializers.ChoiceField(choices=[("child", _("the units directly below"))], required=False,
                                       help_text=_("`child` adds a row for each unit directly below the area."))

    def validate_year(self, year):
        return reported_year(year)


class SustainabilityQuerySerializer(AreaQuerySerializer):
    exit_year = serializers.IntegerField(help_text=_("The year the households escaped poverty."))

    def validate_exit_year(self, year):
        return reported_year(year)


def reported_year(year):
    years = years_kept()
    if not years[1] <= year <= years[-1]:
        raise serializers.ValidationError(_("Reports cover %(first)d to %(last)d.") % {
            "first": years[1], "last": years[-1]})
    return year


class PovertyReportView(ReportView):
    report_name = "poverty"

    @extend_schema(parameters=[PovertyQuerySerializer], responses=PovertyReportSerializer)
    def get(self, request):
        """The annual poverty summary of a unit (or the whole country): households by class at
        the end of the year and at its start, rates, the year's transitions, the split by
        residence and by ethnic minority, the deprivations of poor households, and with
        group_by=child the units directly below. A household's class at the end of a year is
        the class of its latest approved review of that year or before (`unclassified` if none);
        households archived before the end of the year are left out of it. Scoped to your area."""
        query = PovertyQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return self.answer(reports.poverty_report(area=data["area"], year=data["year"], former=data["former_area"],
                                                  children=data.get("group_by") == "child"))


class SustainabilityReportView(ReportView):
    report_name = "sustainability"

    @extend_schema(parameters=[SustainabilityQuerySerializer], responses=SustainabilityReportSerializer)
    def get(self, request):
        """Did the escapes last? Of the households that escaped poverty during the exit year,
        how many were still out of poverty (not poor) 1, 2, … years later. Scoped to your area."""
        query = SustainabilityQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return self.answer(reports.sustainability_report(area=data["area"], exit_year=data["exit_year"],
                                                         former=data["former_area"]))
