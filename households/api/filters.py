import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from households.models import (
    AccessLogEntry,
    Area,
    FormerUnit,
    Household,
    Member,
    PovertyClass,
    Residence,
    Review,
    Transition,
)
from households.search import search_terms, within_one_name
from povertycase.filters import FilterSet, SinceFilter, StrictBooleanFilter, text_filter

AREA_CODE = "^[0-9A-Za-z_-]{1,16}$"


def visible_areas(request):
    return Area.objects.visible_to(request.user) if request else Area.objects.none()


def area_filter(help_text, path_field: str):
    """`?area=CODE`: a unit in the caller's area, matching rows of that unit and every unit below."""

    def filter_area(queryset, name, area):
        return queryset.filter(**{f"{path_field}__startswith": area.path})

    return extend_schema_field({"type": "string", "pattern": AREA_CODE})(
        django_filters.ModelChoiceFilter(queryset=visible_areas, to_field_name="code", method=filter_area,
                                         help_text=help_text)
    )


class AreaFilter(FilterSet):
    level = django_filters.ChoiceFilter(choices=Area.Level.choices)
    parent = text_filter(
        field_name="parent__code", max_length=16, pattern=AREA_CODE, help_text=_("Code of the unit above.")
    )

    class Meta:
        model = Area
        fields = ["level", "parent"]


class FormerUnitFilter(FilterSet):
    level = django_filters.ChoiceFilter(choices=FormerUnit.Level.choices)
    parent = text_filter(field_name="parent__code", max_length=16, pattern=AREA_CODE,
                         help_text=_("Code of the former unit above."))
    search = text_filter(method="filter_search", max_length=100, help_text=_(
        "Words to find in the name, blind to case and Vietnamese diacritics: `que son` finds `Huyện Quế Sơn`."))
    successor = text_filter(field_name="successors__code", max_length=16, pattern=AREA_CODE, help_text=_(
        "Code of a unit of today: the former units whose territory went (in part) into it."))

    class Meta:
        model = FormerUnit
        fields = ["level", "parent", "search", "successor"]

    def filter_search(self, queryset, name, value):
        for term in search_terms(value):
            queryset = queryset.filter(search_text__contains=term)
        return queryset


class HouseholdFilter(FilterSet):
    area = area_filter(_("Code of an administrative unit in your area: its households and those "
                        "of every unit below it."), "area__path")
    residence = django_filters.ChoiceFilter(choices=Residence.choices)
    ethnic_minority = StrictBooleanFilter()
    status = django_filters.ChoiceFilter(choices=Household.Status.choices)
    poverty_class = django_filters.ChoiceFilter(
        choices=PovertyClass.choices, help_text=_("Class of the latest approved review.")
    )
    updated_since = SinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Only households changed at or after this time (ISO 8601), members included: "
                    "for clients that sync."),
    )
    search = text_filter(
        method="filter_search",
        max_length=200,
        help_text=_("Words to find together in one member's name or in the household code, blind to case "
                    "and Vietnamese diacritics: `nguyen van dang` finds `Nguyễn Văn Đặng`, and `ho thi thao` "
                    "does not find a household of Hồ Văn Hùng and Bùi Ngọc Thảo."),
    )

    class Meta:
        model = Household
        fields = ["area", "residence", "ethnic_minority", "status", "poverty_class", "updated_since", "search"]

    def filter_search(self, queryset, name, value):
        terms = search_terms(value)
        for term in terms:  # the plain LIKEs first: the trigram index narrows the rows on PostgreSQL
            queryset = queryset.filter(search_text__contains=term)
        return queryset.filter(search_text__regex=within_one_name(terms)) if len(terms) > 1 else queryset


class MemberFilter(FilterSet):
    household = django_filters.UUIDFilter(field_name="household_id")
    status = django_filters.ChoiceFilter(choices=Member.Status.choices)
    updated_since = SinceFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Member
        fields = ["household", "status", "updated_since"]


class ReviewFilter(FilterSet):
    household = django_filters.UUIDFilter(field_name="household_id")
    area = area_filter(_("Reviews of households in this unit and every unit below it."), "household__area__path")
    year = extend_schema_field({"type": "integer", "minimum": 2000, "maximum": 2100})(
        django_filters.NumberFilter(min_value=2000, max_value=2100, decimal_places=0)
    )
    status = django_filters.ChoiceFilter(choices=Review.Status.choices)
    poverty_class = django_filters.ChoiceFilter(choices=PovertyClass.choices)
    transition = django_filters.ChoiceFilter(choices=Transition.choices)

    class Meta:
        model = Review
        fields = ["household", "area", "year", "status", "poverty_class", "transition"]



class AccessLogFilter(FilterSet):
    household = django_filters.UUIDFilter(method="filter_household", help_text=_(
        "Entries that showed this household's members' national IDs (a household of your area)."))
    user = text_filter(field_name="user__username", max_length=150, help_text=_("Username of the reader."))
    since = SinceFilter(field_name="at", lookup_expr="gte", help_text=_("Entries at or after this time (ISO 8601)."))

    class Meta:
        model = AccessLogEntry
        fields = ["household", "user", "since"]

    def filter_household(self, queryset, name, value):
        return queryset.filter(households__in=Household.objects.visible_to(self.request.user).filter(pk=value))
