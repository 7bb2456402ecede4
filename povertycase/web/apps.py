from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The browser pages for commune officers and programme managers: server-rendered, in
    Vietnamese, on the same services, scope rules and permissions as the API."""

    name = "povertycase.web"
    label = "web"
    verbose_name = _("Web workspace")
