from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from povertycase.access import in_area


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Users whose area lies inside the caller's; only a whole-country admin sees users
        that have no area."""
        return in_area(self, user, "area__path")


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is an admin of the whole country, so the first login needs no extra step.
        extra_fields.setdefault("role", User.Role.ADMIN)
        extra_fields.setdefault("area", None)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("admin")
        MANAGER = "manager", _("programme manager")
        OFFICER = "officer", _("commune officer")
        VIEWER = "viewer", _("viewer")

    REGISTER_WRITERS = (Role.ADMIN, Role.MANAGER, Role.OFFICER)
    MANAGERS = (Role.ADMIN, Role.MANAGER)

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    area = models.ForeignKey(
        "households.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The user sees and changes records in this area only; empty means the whole "
                    "country (admins only)."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="admin") | models.Q(area__isnull=False),
                name="user_area_required_unless_admin",
                violation_error_message=_("Only an admin may have no area (the whole country)."),
            )
        ]


class LoginFailure(models.Model):
    """A failed login, kept for the throttle (`povertycase.accounts.throttle`), which counts
    them per username and per client address, and for an audit of attacks."""

    username = models.CharField(_("username"), max_length=150)  # as typed, lower-cased
    address = models.CharField(_("client address"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_username_idx"),
            models.Index(fields=["address", "at"], name="login_failure_address_idx"),
        ]
