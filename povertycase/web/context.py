"""What every page's frame needs: the navigation the caller's role may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from povertycase.web.access import can_manage, can_write

NAVIGATION = [
    # The Vietnamese names are fixed: manuals and tests use them.
    ("households", _("Households"), "web:households", lambda user: True),
    ("reviews", _("Reviews"), "web:reviews", lambda user: True),
    ("programmes", _("Programmes"), "web:programmes", lambda user: True),
    ("todo", _("To do"), "web:todo", can_write),
    ("reports", _("Reports"), "web:reports", lambda user: True),
]


def workspace(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    section = getattr(request.resolver_match, "url_name", "") or ""
    return {
        "navigation": [(key, label, reverse(name), section.startswith(key.rstrip("s")))
                       for key, label, name, allowed in NAVIGATION if allowed(user)],
        "can_write": can_write(user),
        "can_manage": can_manage(user),
    }
