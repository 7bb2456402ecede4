"""Who may call an endpoint, one class per role rule. Which rows a caller sees is decided
separately, by each model's `visible_to(user)`."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from povertycase.accounts.models import User


class RegisterAccess(BasePermission):
    """Every role reads in its area; admins, managers and officers also write the register."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.role in User.REGISTER_WRITERS


class ManagerAccess(BasePermission):
    """Every role reads in its area; admins and managers write."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.role in User.MANAGERS


class AdminWrites(BasePermission):
    """Every role reads in its area; only admins write (administrative units)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.role == User.Role.ADMIN


class AdminOnly(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == User.Role.ADMIN)
