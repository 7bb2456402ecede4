from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Household register")

    def ready(self):
        # The register's kinds of background job, for whichever process runs them.
        from households import jobs  # noqa: F401
