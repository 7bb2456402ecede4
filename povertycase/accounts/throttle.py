"""Failed logins are throttled per username and per client address. The failures are rows in
the database, so every worker and process counts the same ones; successful logins count for
nothing. Used by the token endpoint and by every browser login page."""

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from povertycase.accounts.models import LoginFailure


class LoginThrottled(Exception):
    def __init__(self, wait: int):
        super().__init__(f"retry after {wait} s")
        self.wait = wait


@dataclass(frozen=True)
class _Limit:
    field: str
    failures: int
    window: timedelta


def _limits() -> list[_Limit]:
    return [
        _Limit("username", settings.LOGIN_FAILURES_PER_USERNAME, settings.LOGIN_USERNAME_WINDOW),
        _Limit("address", settings.LOGIN_FAILURES_PER_ADDRESS, settings.LOGIN_ADDRESS_WINDOW),
    ]


def client_address(request) -> str:
    # DRF's reading of REMOTE_ADDR and X-Forwarded-For, trusting NUM_PROXIES proxies.
    return (BaseThrottle().get_ident(request) or "unknown")[:64]


def login_check(username: str, address: str) -> None:
    """Raises LoginThrottled with the seconds to wait when either key has had its number of
    failures within its window; the wait ends when the oldest of those leaves the window."""
    now = timezone.now()
    keys = {"username": username.lower()[:150], "address": address}
    waits = []
    for limit in _limits():
        recent = (LoginFailure.objects.filter(**{limit.field: keys[limit.field]}, at__gt=now - limit.window)
                  .order_by("-at").values_list("at", flat=True))
        nth = recent[limit.failures - 1:limit.failures].first()
        if nth is not None:
            waits.append((nth + limit.window - now).total_seconds())
    if waits:
        raise LoginThrottled(max(1, int(max(waits)) + 1))


def login_failed(username: str, address: str) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], address=address)


def throttled_login(view):
    """Wraps a Django login page (the admin's, the browsable API's): a POST is refused with
    429 and Retry-After while the throttle holds, and a POST that does not sign in counts
    as a failure."""

    @wraps(view)
    def login(request, *args, **kwargs):
        username = request.POST.get("username", "") if request.method == "POST" else ""
        if not (username and request.POST.get("password")):
            return view(request, *args, **kwargs)
        address = client_address(request)
        try:
            login_check(username, address)
        except LoginThrottled as throttled:
            message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {
                "minutes": (throttled.wait + 59) // 60}
            return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8",
                                headers={"Retry-After": str(throttled.wait)})
        response = view(request, *args, **kwargs)
        # Someone already signed in who tries another account's password fails too.
        signed_in = request.user.is_authenticated and request.user.get_username().lower() == username.lower()
        if not signed_in:
            login_failed(username, address)
        return response

    return login
