"""The Django admin applies the same area scope as the API, and writes nothing: every rule of
the register lives in the services behind the API, so the admin is for looking and auditing
(each record's history is one click away)."""

from simple_history.admin import SimpleHistoryAdmin


class ScopedReadOnlyAdmin(SimpleHistoryAdmin):
    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user)

    def _is_admin(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and user.role == "admin"

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
