from django.contrib import admin

from povertycase.admin_scope import ScopedReadOnlyAdmin
from programmes.models import Programme


@admin.register(Programme)
class ProgrammeAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "name", "kind", "area", "status", "starts_on", "ends_on", "budget"]
    list_filter = ["kind", "status", "funding_source"]
    search_fields = ["code", "name", "partner"]
    list_select_related = ["area"]
    ordering = ["code"]
