import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from households.api.filters import AREA_CODE, visible_areas
from povertycase.filters import FilterSet, text_filter
from programmes.models import Enrollment, Programme


class ProgrammeFilter(FilterSet):
    area = extend_schema_field({"type": "string", "pattern": AREA_CODE})(
        django_filters.ModelChoiceFilter(
            queryset=visible_areas, to_field_name="code", method="filter_area",
            help_text=_("Programmes run in this unit or any unit below it."),
        )
    )
    kind = django_filters.ChoiceFilter(choices=Programme.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Programme.Status.choices)

    class Meta:
        model = Programme
        fields = ["area", "kind", "status"]

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)


class EnrollmentFilter(FilterSet):
    programme = django_filters.NumberFilter(field_name="programme_id")
    household = django_filters.UUIDFilter(field_name="household_id")
    status = django_filters.ChoiceFilter(choices=Enrollment.Status.choices)
    assigned_to = text_filter(field_name="assigned_to__username", max_length=150,
                              help_text=_("Username of the worker who follows the case."))

    class Meta:
        model = Enrollment
        fields = ["programme", "household", "status", "assigned_to"]
