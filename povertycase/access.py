"""Who may see what: the only module that knows the area rule. Every `visible_to`, the admin,
the reports and the services ask it.

A user has an area (a unit and everything below it) or, only if an admin, none: the whole
country. A row outside the caller's area does not exist for them. Units are found by their
path, the codes from the province down each followed by "/" (`48/20641/2064101/`), so "in
the area" is one indexed prefix match."""

from django.db.models import Q, QuerySet

ADMIN = "admin"  # povertycase.accounts.models.User.Role.ADMIN (that module imports this one)


class _System:
    """The service acting on its own behalf: migrations, the demo loader, test factories. It
    sees the whole country and is recorded in the history as no user. Services take it
    explicitly (`by=SYSTEM`); none of them treats a missing caller as leave to skip the rule."""

    pk = id = None
    area = area_id = None
    role = ADMIN
    is_active = is_authenticated = True
    username = "system"

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _System()


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_country_admin(user) -> bool:
    """An admin with no area: the only one who changes what holds for the whole country."""
    return _signed_in(user) and user.role == ADMIN and user.area_id is None


def area_path(user) -> str | None:
    """The path every row the caller sees starts with: "" for the whole country, None for
    nobody (signed out, or a non-admin without an area, which the database forbids)."""
    if not _signed_in(user):
        return None
    if user.area_id is None:
        return "" if user.role == ADMIN else None
    return user.area.path


def ancestor_paths(path: str) -> list[str]:
    """The units that contain the unit at `path`, from the province down, itself last:
    `48/20641/2064101/` → `48/`, `48/20641/`, `48/20641/2064101/`."""
    codes = path.strip("/").split("/") if path else []
    return ["".join(f"{code}/" for code in codes[:depth]) for depth in range(1, len(codes) + 1)]


def in_area(queryset: QuerySet, user, path_field: str) -> QuerySet:
    """The rows of `queryset` whose unit (the path in `path_field`) lies in the caller's area."""
    path = area_path(user)
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{path_field}__startswith": path}) if path else queryset


def in_area_or_above(queryset: QuerySet, user, path_field: str) -> QuerySet:
    """Rows in the caller's area, and rows of the units that contain it: a province's
    programme is open to each of its communes."""
    path = area_path(user)
    if path is None:
        return queryset.none()
    if not path:
        return queryset
    return queryset.filter(Q(**{f"{path_field}__startswith": path}) | Q(**{f"{path_field}__in": ancestor_paths(path)}))


def covers(user, path: str) -> bool:
    """Whether the unit at `path` lies in the caller's area."""
    scope = area_path(user)
    return scope is not None and path.startswith(scope)


def actor(by):
    """The user to record as the author of a change: a real user, or None for SYSTEM. Services
    are always told who acts; forgetting is a programming error, not a way round the rule."""
    if by is None:
        raise TypeError("Services need `by`: the user acting, or access.SYSTEM.")
    return None if by is SYSTEM else by
