"""Domain exceptions that services raise; the API turns them into HTTP statuses
(Django's ValidationError → 400, Conflict → 409, PreconditionFailed → 412)."""

from django.utils.translation import gettext_lazy as _


class Conflict(Exception):
    default_message = _("The request conflicts with the current state of the record.")

    def __init__(self, message=None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class PreconditionFailed(Exception):
    default_message = _(
        "The record has changed since you read it (If-Match does not match its ETag). "
        "Read it again and repeat your change."
    )

    def __init__(self, message=None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


def version_matches(if_match: str | None, version: int) -> bool:
    """True when an If-Match header admits this version. No header, or `*`, admits any."""
    if if_match is None or if_match.strip() == "*":
        return True
    for tag in if_match.split(","):
        tag = tag.strip().removeprefix("W/")
        if tag == f'"{version}"':
            return True
    return False


def etag(version: int) -> str:
    return f'"{version}"'
