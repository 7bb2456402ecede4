"""The rules of the multidimensional poverty standard, as pure functions: which class an income
and a count of deprivations make, and how a household moved between two approved reviews."""

import functools
from collections.abc import Sequence

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from households.models import PovertyClass, PovertyStandard, Residence, Transition
from povertycase.formats import money

POOR, NEAR_POOR = PovertyClass.POOR, PovertyClass.NEAR_POOR
ABOVE = (PovertyClass.AVERAGE_LIVING, PovertyClass.NON_POOR)


@functools.cache
def _sentences(language: str | None) -> dict[str, str]:
    """The explanation templates, translated once per language (an import classifies
    100,000 rows)."""
    return {
        "rural": _("rural"),
        "urban": _("urban"),
        POOR: _(
            "Income of %(income)s per person per month is at or below the %(setting)s poverty "
            "line of %(line)s, and the household is deprived on %(count)d indicators "
            "(%(minimum)d or more make it poor): poor under %(standard)s."
        ),
        NEAR_POOR: _(
            "Income of %(income)s per person per month is at or below the %(setting)s poverty line "
            "of %(line)s, and the household is deprived on %(count)d indicators (fewer than "
            "%(minimum)d): near-poor under %(standard)s."
        ),
        PovertyClass.AVERAGE_LIVING: _(
            "Income of %(income)s per person per month is above the %(setting)s poverty line of "
            "%(line)s and at or below the average-living ceiling of %(ceiling)s: average living "
            "standard under %(standard)s."
        ),
        PovertyClass.NON_POOR: _(
            "Income of %(income)s per person per month is above the %(setting)s average-living "
            "ceiling of %(ceiling)s: not poor under %(standard)s."
        ),
        "deprived": _("Deprived on: %(names)s."),
        "non_poor_no_ceiling": _(
            "Income of %(income)s per person per month is above the %(setting)s poverty line of "
            "%(line)s (%(standard)s sets no average-living ceiling): not poor."
        ),
    }


def poverty_class_for(
    *, income: int, deprivation_count: int, standard: PovertyStandard, residence: str,
    deprived: Sequence[str] = (),
) -> tuple[str, str]:
    """(class, explanation). Decree 07/2021 Art. 3 and Decree 351/2025 Art. 3: at or below the
    income line a household is poor with `poor_min_deprivations` (3) or more deprivations,
    near-poor with fewer; above the line it is neither, whatever its deprivations. `deprived`:
    the names of the indicators it is deprived on, for the explanation."""
    line = standard.line_for(residence)
    ceiling = standard.ceiling_for(residence)
    if income <= line:
        poverty_class = POOR if deprivation_count >= standard.poor_min_deprivations else NEAR_POOR
        sentence = poverty_class
    elif ceiling is not None:
        poverty_class = PovertyClass.AVERAGE_LIVING if income <= ceiling else PovertyClass.NON_POOR
        sentence = poverty_class
    else:
        poverty_class, sentence = PovertyClass.NON_POOR, "non_poor_no_ceiling"
    language = get_language()
    sentences = _sentences(language)
    facts = {
        "income": money(income),
        "line": money(line),
        "ceiling": money(ceiling) if ceiling is not None else "",
        "setting": sentences[Residence.URBAN if residence == Residence.URBAN else Residence.RURAL],
        "count": deprivation_count,
        "minimum": standard.poor_min_deprivations,
        "standard": standard.code,
    }
    explanation = sentences[sentence] % facts
    if deprived:
        explanation += " " + sentences["deprived"] % {"names": "; ".join(deprived)}
    return poverty_class, explanation


def transition_for(earlier: Sequence[str], current: str) -> str:
    """The move into `current` from the classes of the earlier approved reviews, oldest first."""
    if not earlier:
        return Transition.FIRST_REVIEW
    previous = earlier[-1]
    ever_poor = POOR in earlier
    if previous == POOR:
        if current == POOR:
            return Transition.REMAINED_POOR
        if current == NEAR_POOR:
            return Transition.ESCAPED_TO_NEAR_POOR
        return Transition.ESCAPED_ABOVE_NEAR_POOR
    if current == POOR:
        return Transition.RELAPSED_POOR if ever_poor else Transition.NEWLY_POOR
    if previous == NEAR_POOR:
        return Transition.REMAINED_NEAR_POOR if current == NEAR_POOR else Transition.ESCAPED_NEAR_POVERTY
    if current == NEAR_POOR:
        ever_near = ever_poor or NEAR_POOR in earlier
        return Transition.RELAPSED_NEAR_POOR if ever_near else Transition.NEWLY_NEAR_POOR
    return Transition.REMAINED_NON_POOR


def transitions_for(classes: Sequence[str], standards: Sequence | None = None) -> list[str]:
    """The transition of each review in a household's chronological chain of approved reviews.
    `standards`: the standard that judged each review. The first review under a different
    standard from the one before it is a new baseline (`new_standard`), and the reviews after it
    are compared only with the reviews under their own standard."""
    standards = standards if standards is not None else [None] * len(classes)
    found = []
    for i, current in enumerate(classes):
        if i and standards[i] != standards[i - 1]:
            found.append(Transition.NEW_STANDARD)
            continue
        first = i
        while first and standards[first - 1] == standards[i]:
            first -= 1
        found.append(transition_for(classes[first:i], current))
    return found
