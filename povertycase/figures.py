"""How reports write their figures."""

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, 0–100 rounded to 2 decimals; None when `whole` is 0."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
