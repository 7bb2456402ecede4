"""National ID numbers, the register's most sensitive field (Decree 13/2023/NĐ-CP): a viewer
sees only the last four digits, and every response that shows whole numbers is logged once,
with the households whose numbers it showed. Responses of the API are never cached."""

from households.models import AccessLogEntry
from povertycase.accounts.models import User

VISIBLE_DIGITS = 4


def masked(national_id: str) -> str:
    return "*" * (len(national_id) - VISIBLE_DIGITS) + national_id[-VISIBLE_DIGITS:]


def national_id_for(request, national_id: str | None, household_id) -> str | None:
    """The number as `request`'s user may see it; a whole one is noted for the access log."""
    if not national_id:
        return national_id
    if request.user.role not in User.REGISTER_WRITERS:
        return masked(national_id)
    http_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    http_request.__dict__.setdefault("_national_ids_shown", set()).add(household_id)
    return national_id


class PersonalDataMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/") and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        shown = request.__dict__.get("_national_ids_shown")
        if shown and response.status_code < 400:
            entry = AccessLogEntry.objects.create(
                user=request.user if request.user.is_authenticated else None,
                method=request.method, endpoint=request.get_full_path()[:500])
            through = AccessLogEntry.households.through
            through.objects.bulk_create([through(accesslogentry=entry, household_id=pk) for pk in shown])
        return response
