"""The Django admin applies the same area scope as the API, and writes nothing: every rule of
the register lives in the services behind the API, so the admin is for looking and auditing
(each record's history is one click away). An object outside the caller's area is a 404 on
every page that names it, its history and each history entry included."""

from django.contrib.admin.utils import unquote
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from povertycase.access import ADMIN

HIDDEN = "••••"


class _HiddenFieldsHelper(HistoricalRecordContextHelper):
    def __init__(self, model, record, hidden):
        super().__init__(model, record)
        self.hidden = hidden

    def prepare_delta_change_value(self, change, value):
        if change.field in self.hidden and value not in (None, ""):
            return HIDDEN
        return super().prepare_delta_change_value(change, value)


class ScopedReadOnlyAdmin(SimpleHistoryAdmin):
    # Fields the admin never shows, in its pages or in the history's changes (national ID
    # numbers: read them through the API, where each read is logged).
    hidden_fields: tuple = ()

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self.hidden_fields]

    def _is_admin(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and user.role == ADMIN

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

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist — perhaps it was deleted?"; an
        # object of another area does not exist for the caller, as in the API.
        raise Http404

    def _visible_or_404(self, request, object_id):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)  # then 403: nothing is deleted here
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # django-simple-history falls back to the object's last historical record when the
        # scoped queryset does not hold it: that would show another area's record.
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        if request.method != "GET":
            # The page would save a posted form (a revert) around the services' rules.
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return _HiddenFieldsHelper(self.model, historical_record, set(self.hidden_fields))
