"""Who may open which page: the roles of the API's permission classes, for the browser."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from povertycase.accounts.models import User

READERS = tuple(User.Role.values)


class RolePage(LoginRequiredMixin):
    """A page for signed-in users of `roles` (readers by default); `writers` may also POST."""

    roles: tuple = READERS
    writers: tuple = User.REGISTER_WRITERS

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            allowed = self.writers if request.method == "POST" else self.roles
            if user.role not in allowed:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class WritePage(RolePage):
    """A page that changes the register: officers, managers and admins only."""

    roles = User.REGISTER_WRITERS


class ManagePage(RolePage):
    """A page for managers and admins (approvals, programmes)."""

    roles = writers = User.MANAGERS


def can_write(user) -> bool:
    return user.is_authenticated and user.role in User.REGISTER_WRITERS


def can_manage(user) -> bool:
    return user.is_authenticated and user.role in User.MANAGERS
