from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from povertycase.accounts import services
from povertycase.accounts.api import serializers as s
from povertycase.accounts.models import User
from povertycase.permissions import AdminOnly
from povertycase.viewsets import ListCreatePatchViewSet


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.TokenRequestSerializer, responses=s.TokenSerializer)
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


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
