from django.http import JsonResponse
from django.utils.translation import gettext as _


def not_found(request, exception=None):
    """URLs that match no route answer in JSON too: API clients never get an HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


def server_error(request):
    return JsonResponse({"detail": _("Server error. It has been logged.")}, status=500)
