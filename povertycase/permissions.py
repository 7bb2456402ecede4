"""Who may call an endpoint, one class per role rule. Which rows a caller sees is decided
separately, by each model's `visible_to(user)`."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from povertycase.access import is_country_admin
from povertycase.accounts.models import User


class _ReadsInAreaWritesByRole(BasePermission):
    """Every signed-in role reads (its area); the roles in `writers` also write."""

    writers: tuple = ()

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.role in self.writers


class RegisterAccess(_ReadsInAreaWritesByRole):
    """Admins, managers and officers write the register."""

    writers = User.REGISTER_WRITERS


class ManagerAccess(_ReadsInAreaWritesByRole):
    """Admins and managers write (approvals, programmes)."""

    writers = User.MANAGERS


class AdminWrites(_ReadsInAreaWritesByRole):
    """Only admins write (administrative units)."""

    writers = (User.Role.ADMIN,)


class CountryAdminWrites(BasePermission):
    """Everyone signed in reads; only an admin of the whole country writes (poverty standards,
    which hold for every commune)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_country_admin(user)


class AdminOnly(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == User.Role.ADMIN)
