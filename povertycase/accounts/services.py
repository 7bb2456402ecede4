from collections.abc import Mapping

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from povertycase.access import actor, covers, is_country_admin
from povertycase.accounts.models import User
from povertycase.accounts.tokens import tokens_revoke


def _user_errors(*, by, role: str, area) -> dict:
    if area is None and role != User.Role.ADMIN:
        return {"area": _("Every user but an admin has an area.")}
    if area is None and not is_country_admin(by):
        return {"area": _("Only an admin of the whole country may create users without an area.")}
    if area is not None and not covers(by, area.path):
        return {"area": _("No administrative unit with code %(code)s in your area.") % {"code": area.code}}
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
    user._history_user = actor(by)
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User, by, changes: Mapping) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    role = changes.get("role", user.role)
    area = changes.get("area", user.area)
    errors = _user_errors(by=by, role=role, area=area) if {"role", "area"} & set(changes) else {}
    if user.pk == by.pk:
        # An admin who narrowed their own area could not widen it again.
        for field in ("role", "area", "is_active"):
            if field in changes and changes[field] != getattr(user, field):
                errors[field] = _("You cannot change your own role, area or status; ask another admin.")
    username = changes.get("username", user.username)
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        errors["username"] = _("A user with this username already exists.")
    if "password" in changes:
        errors.update(_password_errors(changes["password"], user))
    if errors:
        raise ValidationError(errors)
    revoke = "password" in changes or any(
        field in changes and changes[field] != getattr(user, field) for field in ("role", "area", "is_active"))
    for field, value in changes.items():
        if field == "password":
            user.set_password(value)
        else:
            setattr(user, field, value)
    user.is_staff = user.role == User.Role.ADMIN
    user._history_user = actor(by)
    user.save()
    if revoke:
        tokens_revoke(user)
    return user
