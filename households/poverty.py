"""The rules of the multidimensional poverty standard, as pure functions: which class an income
and a count of deprivations make, and how a household moved between two approved reviews."""

from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from households.models import PovertyClass, PovertyStandard, Residence, Transition

POOR, NEAR_POOR = PovertyClass.POOR, PovertyClass.NEAR_POOR
ABOVE = (PovertyClass.AVERAGE_LIVING, PovertyClass.NON_POOR)


def _vnd(amount: int) -> str:
    return f"{number_format(amount, force_grouping=True)} ₫"


def poverty_class_for(
    *, income: int, deprivation_count: int, standard: PovertyStandard, residence: str
) -> tuple[str, str]:
    """(class, explanation). Decree 07/2021 Art. 3 and Decree 351/2025 Art. 3: at or below the
    income line a household is poor with `poor_min_deprivations` (3) or more deprivations,
    near-poor with fewer; above the line it is neither, whatever its deprivations."""
    line = standard.line_for(residence)
    ceiling = standard.ceiling_for(residence)
    setting = _("urban") if residence == Residence.URBAN else _("rural")
    facts = {
        "income": _vnd(income),
        "line": _vnd(line),
        "setting": setting,
        "count": deprivation_count,
        "minimum": standard.poor_min_deprivations,
        "standard": standard.code,
    }
    if income <= line:
        if deprivation_count >= standard.poor_min_deprivations:
            return POOR, _(
                "Income of %(income)s per person per month is at or below the %(setting)s poverty "
                "line of %(line)s, and the household is deprived on %(count)d indicators "
                "(%(minimum)d or more make it poor): poor under %(standard)s."
            ) % facts
        return NEAR_POOR, _(
            "Income of %(income)s per person per month is at or below the %(setting)s poverty line "
            "of %(line)s, and the household is deprived on %(count)d indicators (fewer than "
            "%(minimum)d): near-poor under %(standard)s."
        ) % facts
    if ceiling is not None and income <= ceiling:
        return PovertyClass.AVERAGE_LIVING, _(
            "Income of %(income)s per person per month is above the %(setting)s poverty line of "
            "%(line)s and at or below the average-living ceiling of %(ceiling)s: average living "
            "standard under %(standard)s."
        ) % {**facts, "ceiling": _vnd(ceiling)}
    if ceiling is not None:
        return PovertyClass.NON_POOR, _(
            "Income of %(income)s per person per month is above the %(setting)s average-living "
            "ceiling of %(ceiling)s: not poor under %(standard)s."
        ) % {**facts, "ceiling": _vnd(ceiling)}
    return PovertyClass.NON_POOR, _(
        "Income of %(income)s per person per month is above the %(setting)s poverty line of "
        "%(line)s (%(standard)s sets no average-living ceiling): not poor."
    ) % facts


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


def transitions_for(classes: Sequence[str]) -> list[str]:
    """The transition of each review in a household's chronological chain of approved reviews."""
    return [transition_for(classes[:i], current) for i, current in enumerate(classes)]
