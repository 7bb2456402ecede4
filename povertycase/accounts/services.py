from collections.abc import Mapping

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from povertycase.accounts.models import User


def _user_errors(*, by, role: str, area) -> dict:
    if area is None and role != User.Role.ADMIN:
        return {"area": _("Every user but an admin has an area.")}
    if area is None and by is not None and by.area_id is not None:
        return {"area": _("Only an admin of the whole country may create users without an area.")}
    return {}


def _password_errors(password: str, user: User) -> dict:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {"password": error.messages}
    return {}


@transaction.atomic
def user_create(*, by, username: str, password: str, role: str, area=None, **extra) -> User:
    user = User(username=username, role=role, area=area, **extra)
    errors = _user_errors(by=by, role=role, area=area)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("A user with this username already exists.")
    errors.update(_password_errors(password, user))
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.is_staff = role == User.Role.ADMIN  # admins may open the (read-only) Django admin
    user._history_user = by
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User, by, changes: Mapping) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    role = changes.get("role", user.role)
    area = changes.get("area", user.area)
    errors = _user_errors(by=by, role=role, area=area) if {"role", "area"} & set(changes) else {}
    if by is not None and user.pk == by.pk and (role != user.role or changes.get("is_active") is False):
        errors["role"] = _("You cannot demote or deactivate yourself.")
    username = changes.get("username", user.username)
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        errors["username"] = _("A user with this username already exists.")
    if "password" in changes:
        errors.update(_password_errors(changes["password"], user))
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        if field == "password":
            user.set_password(value)
        else:
            setattr(user, field, value)
    user.is_staff = user.role == User.Role.ADMIN
    user._history_user = by
    user.save()
    return user
