from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from households.api.serializers import AreaCodeField
from povertycase.accounts.models import User
from povertycase.accounts.throttle import client_address, login_check, login_failed
from povertycase.fields import CharField, EmailField, ModelSerializer, RegexField


class UserSerializer(ModelSerializer):
    # ASCII only: the pattern then means the same to every client's regex engine, and a name
    # typed on a phone cannot exist twice in two Unicode normal forms.
    username = RegexField(
        r"^[A-Za-z0-9_.@+-]+$", max_length=150,
        error_messages={"invalid": _("Use only unaccented letters, digits and @ . + - _ (no spaces).")},
        help_text=_("Unaccented letters, digits and @ . + - _ only; at most 150 characters."),
    )
    password = CharField(
        write_only=True, max_length=128, style={"input_type": "password"},
        help_text=_("Write-only. Checked against the password rules."),
    )
    area = AreaCodeField(
        required=False,
        allow_null=True,
        help_text=_("Code of the unit whose records the user sees; null for the whole country "
                    "(admins only)."),
    )
    first_name = CharField(max_length=150, required=False, allow_blank=True)
    last_name = CharField(max_length=150, required=False, allow_blank=True)
    email = EmailField(max_length=254, required=False, allow_blank=True)

    class Meta:
        model = User
        fields = ["id", "username", "password", "first_name", "last_name", "email", "role",
                  "area", "is_active", "date_joined"]
        read_only_fields = ["id", "date_joined"]
        validators = []
        extra_kwargs = {"role": {"required": True}}


class UserUpdateSerializer(UserSerializer):
    password = CharField(write_only=True, max_length=128, required=False,
                                     style={"input_type": "password"})


class MeSerializer(ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "role", "area"]


class TokenRequestSerializer(serializers.Serializer):
    username = CharField(max_length=150)
    password = CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        request = self.context["request"]
        address = client_address(request)
        login_check(attrs["username"], address)
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            login_failed(attrs["username"], address)
            raise serializers.ValidationError(
                _("Unable to log in with the username and password given."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = CharField(help_text=_("Send it as `Authorization: Bearer <token>` (or `Token <token>`). It is "
                                  "shown once: the service keeps only its digest."))
    expiry = serializers.DateTimeField(allow_null=True, help_text=_(
        "When the token stops working; log in again for a new one."))
