from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema, extend_schema_view
from knox.models import AuthToken
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from povertycase.accounts import services
from povertycase.accounts.api import serializers as s
from povertycase.accounts.models import User
from povertycase.accounts.tokens import token_issue
from povertycase.permissions import AdminOnly
from povertycase.viewsets import ListCreatePatchViewSet


class TokenView(APIView):
    """Exchange a username and password for an API token that lasts a working day. After 10
    failed attempts for one username within 15 minutes, or 100 from one address within an
    hour, further attempts are refused with 429 until the window passes (`Retry-After`)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    extra_error_codes = {"POST": ["429"]}

    @extend_schema(request=s.TokenRequestSerializer, responses=s.TokenSerializer)
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, record = token_issue(serializer.validated_data["user"])
        return Response(s.TokenSerializer({"token": token, "expiry": record.expiry}).data)


class LogoutView(APIView):
    """End this session: the token the request was sent with stops working at once (a
    browser session is closed). Other tokens of the user are left alone."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who you are: your role and your area."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


@extend_schema_view(
    create=extend_schema(request=s.UserSerializer, responses={201: s.UserSerializer}),
    partial_update=extend_schema(request=s.UserUpdateSerializer, responses=s.UserSerializer),
)
class UserViewSet(ListCreatePatchViewSet):
    """Users (admins only, within their area). Users are deactivated, never deleted."""

    permission_classes = [AdminOnly]
    cursor_ordering = "username"

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).select_related("area")

    def get_serializer_class(self):
        return s.UserUpdateSerializer if self.action == "partial_update" else s.UserSerializer

    def perform_create(self, serializer):
        serializer.instance = services.user_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            user=serializer.instance, by=self.request.user, changes=serializer.validated_data
        )
