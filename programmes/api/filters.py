import django_filters
from django.utils.translation import gettext_lazy as _

from households.api.filters import area_filter
from povertycase.filters import FilterSet, StrictBooleanFilter, id_filter, text_filter
from programmes.models import CaseNote, Delivery, Enrollment, FollowUp, FollowUpDue, Programme

USERNAME = _("Username of the worker who follows the case.")


class ProgrammeFilter(FilterSet):
    area = area_filter(_("Programmes run in this unit or any unit below it."), "area__path")
    kind = django_filters.ChoiceFilter(choices=Programme.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Programme.Status.choices)

    class Meta:
        model = Programme
        fields = ["area", "kind", "status"]


class EnrollmentFilter(FilterSet):
    programme = id_filter(field_name="programme_id")
    household = django_filters.UUIDFilter(field_name="household_id")
    status = django_filters.ChoiceFilter(choices=Enrollment.Status.choices)
    assigned_to = text_filter(field_name="assigned_to__username", max_length=150, help_text=USERNAME)

    class Meta:
        model = Enrollment
        fields = ["programme", "household", "status", "assigned_to"]


class DeliveryFilter(FilterSet):
    enrollment = django_filters.UUIDFilter(field_name="enrollment_id")
    programme = id_filter(field_name="programme_id")
    kind = django_filters.ChoiceFilter(choices=Delivery.Kind.choices)
    funding_source = django_filters.ChoiceFilter(choices=Programme.FundingSource.choices,
                                                 help_text=_("Deliveries paid from this funding source."))
    delivered_from = django_filters.DateFilter(field_name="delivered_on", lookup_expr="gte",
                                               help_text=_("Deliveries on or after this date."))
    delivered_to = django_filters.DateFilter(field_name="delivered_on", lookup_expr="lte",
                                             help_text=_("Deliveries on or before this date."))
    cancelled = StrictBooleanFilter(field_name="cancelled_at", lookup_expr="isnull", exclude=True,
                                    help_text=_("true: only cancelled deliveries; false: only those that count."))

    class Meta:
        model = Delivery
        fields = ["enrollment", "programme", "kind", "funding_source", "delivered_from", "delivered_to", "cancelled"]


class FollowUpFilter(FilterSet):
    enrollment = django_filters.UUIDFilter(field_name="enrollment_id")
    programme = id_filter(field_name="enrollment__programme_id")
    observed_from = django_filters.DateFilter(field_name="observed_on", lookup_expr="gte")
    observed_to = django_filters.DateFilter(field_name="observed_on", lookup_expr="lte")

    class Meta:
        model = FollowUp
        fields = ["enrollment", "programme", "observed_from", "observed_to"]


class FollowUpDueFilter(FilterSet):
    area = area_filter(_("Enrolments of households in this unit and every unit below it."),
                       "enrollment__household__area__path")
    assigned_to = text_filter(field_name="enrollment__assigned_to__username", max_length=150, help_text=USERNAME)
    programme = id_filter(field_name="enrollment__programme_id")
    before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte",
        help_text=_("Follow-ups due on or before this date (default: a week from today, so the list is "
                    "this week's visits and every overdue one)."),
    )

    class Meta:
        model = FollowUpDue
        fields = ["area", "assigned_to", "programme", "before"]


class CaseNoteFilter(FilterSet):
    household = django_filters.UUIDFilter(field_name="household_id")
    enrollment = django_filters.UUIDFilter(field_name="enrollment_id")
    author = text_filter(field_name="author__username", max_length=150, help_text=_("Username of the author."))

    class Meta:
        model = CaseNote
        fields = ["household", "enrollment", "author"]
