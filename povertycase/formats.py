"""Money and dates the way people read them: `1.500.000 đ` and `20/12/2026` in Vietnamese,
`1,500,000 VND` and `2026-12-20` in English. For text meant for people (explanations, reasons,
messages, forms); the API's fields stay whole đồng and ISO dates."""

import functools
from datetime import date

from django.utils.translation import get_language


@functools.cache
def _vietnamese(language: str | None) -> bool:
    return (language or "vi").split("-")[0] == "vi"


def money(amount: int) -> str:
    if _vietnamese(get_language()):
        return f"{amount:,}".replace(",", ".") + " đ"
    return f"{amount:,} VND"


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y") if _vietnamese(get_language()) else value.isoformat()
