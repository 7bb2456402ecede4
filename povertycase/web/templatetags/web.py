"""Template filters of the workspace: money the way people read it."""

from django import template

from povertycase.formats import money as money_text

register = template.Library()


@register.filter
def money(amount):
    return "" if amount is None else money_text(amount)
