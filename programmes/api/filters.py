import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from households.api.filters import AREA_CODE, visible_areas
from povertycase.filters import FilterSet
from programmes.models import Programme


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
