from django.contrib import admin

from povertycase.accounts.models import User
from povertycase.admin_scope import ScopedReadOnlyAdmin


@admin.register(User)
class UserAdmin(ScopedReadOnlyAdmin):
    list_display = ["username", "role", "area", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name"]
    list_select_related = ["area"]
    exclude = ["password"]
    ordering = ["username"]
