"""Which open programmes a household could join today, and why."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from povertycase.access import ancestor_paths
from povertycase.formats import day
from programmes.models import Enrollment, Programme
from programmes.services import eligibility_errors, household_standing, member_fit_error


@dataclass
class Recommendation:
    programme: Programme
    targeted: list[str]
    members: list
    reason: str


def recommendations_for(household, *, on: date) -> tuple[list[Recommendation], list[str]]:
    """(the programmes the household is eligible for at `on`, best first; its deprivations then).

    Candidates are the open programmes of the household's unit and the units above it, running
    on `on`, that it holds no unfinished enrolment in. They are ranked by how many of the
    household's current deprivations each targets, then by code. A few queries whatever the
    number of programmes: the standing is read once and places are counted in one query."""
    standing = household_standing(household, on)
    if standing.review is None or household.status != household.Status.ACTIVE:
        return [], []
    deprivations = sorted(standing.review.deprivations)
    containing = ancestor_paths(household.area.path)
    holding = Enrollment.objects.unfinished().filter(household=household)
    candidates = (
        Programme.objects.filter(status=Programme.Status.OPEN, area__path__in=containing, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("area")
        .annotate(taken=Count("enrollments", filter=~Q(enrollments__status=Enrollment.Status.DROPPED_OUT)))
    )
    members = list(household.members.filter(status="active").order_by("full_name"))
    held = {(programme_id, member_id) for programme_id, member_id in holding.values_list("programme_id", "member_id")}
    found = []
    for programme in candidates:
        if programme.kind in Programme.PERSON_KINDS:
            fitting = [m for m in members if (programme.pk, m.pk) not in held
                       and member_fit_error(programme, household, m, on) is None]
            if not fitting:
                continue
            errors = eligibility_errors(programme=programme, household=household, member=fitting[0], on=on,
                                        standing=standing, taken=programme.taken)
        else:
            if (programme.pk, None) in held:
                continue
            fitting = []
            errors = eligibility_errors(programme=programme, household=household, member=None, on=on,
                                        standing=standing, taken=programme.taken)
        if errors:
            continue
        targeted = sorted(set(programme.targets) & set(deprivations))
        found.append(Recommendation(programme, targeted, fitting, _reason(programme, standing, targeted, fitting)))
    found.sort(key=lambda r: (-len(r.targeted), r.programme.code))
    return found, deprivations


def _reason(programme, standing, targeted, members) -> str:
    review = standing.review
    if review.poverty_class in programme.eligible_classes:
        why = _("The household is %(class)s (review of %(year)d), a class the programme takes.") % {
            "class": review.get_poverty_class_display(), "year": review.year}
    else:
        why = _("The household escaped poverty on %(date)s, within the programme's %(years)d years.") % {
            "date": day(standing.last_escape), "years": programme.escaped_within_years}
    if targeted:
        why += " " + _("It targets %(count)d of the household's deprivations: %(codes)s.") % {
            "count": len(targeted), "codes": "; ".join(review.standard.indicator_name(code) for code in targeted)}
    else:
        why += " " + _("It targets none of the household's deprivations.")
    if members:
        why += " " + _("Members who fit the age range: %(names)s.") % {
            "names": ", ".join(m.full_name for m in members)}
    return why
