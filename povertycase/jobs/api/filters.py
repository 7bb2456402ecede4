import django_filters
from django.utils.translation import gettext_lazy as _

from povertycase.filters import FilterSet, SinceFilter
from povertycase.jobs.models import Job


class JobFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Job.Kind.choices, help_text=_("Jobs of this kind."))
    state = django_filters.ChoiceFilter(choices=Job.State.choices, help_text=_("Jobs in this state."))
    since = SinceFilter(field_name="created_at", lookup_expr="gte",
                        help_text=_("Jobs started at or after this time (ISO 8601)."))

    class Meta:
        model = Job
        fields = ["kind", "state", "since"]
