"""API tokens (django-rest-knox): random, stored as a SHA-512 digest, expiring after
REST_KNOX["TOKEN_TTL"], and revoked one by one (logout) or all at once (a user's password,
role, area or status changed)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <token>`, or `Bearer <token>` as generated clients send it."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None  # another scheme, or none: the next authentication class decides
        if len(parts) != 2 or not parts[1].isascii():
            raise exceptions.AuthenticationFailed(_("Invalid token header: send `Authorization: Token <token>`."))
        return self.authenticate_credentials(parts[1])


def token_issue(user) -> tuple[str, AuthToken]:
    """A new token for `user`: (the token, shown once; its stored record with the expiry)."""
    record, token = AuthToken.objects.create(user=user)
    return token, record


def tokens_revoke(user) -> None:
    """Ends every session the user holds through the API: they log in again."""
    AuthToken.objects.filter(user=user).delete()


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_(
                "A token from `POST /api/v1/auth/token/`, sent as `Authorization: Bearer <token>` (or "
                "`Token <token>`). It expires (see `expiry` in the login answer) and ends at logout or "
                "when the user's password, role, area or status changes; then log in again.")),
        }
