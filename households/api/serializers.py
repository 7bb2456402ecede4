from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from households.models import Area, Household, Member, PovertyCause, Residence, SupportNeed
from households.services import HOUSEHOLD_EDITABLE, MEMBER_EDITABLE
from povertycase.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField

national_id_validator = RegexValidator(
    r"^\d{12}$", _("A national ID (CCCD) is exactly 12 digits.")
)
household_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
    _("Use letters, digits and . _ / - only, starting with a letter or digit."),
)


class AreaCodeField(ScopedSlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(Area, slug_field="code", max_length=16, **kwargs)


class AreaSerializer(serializers.ModelSerializer):
    code = serializers.CharField(max_length=16, help_text=_("Official code; a string (leading zeros)."))
    parent = AreaCodeField(required=False, allow_null=True, help_text=_("Code of the unit above."))
    residence = serializers.ChoiceField(
        choices=Residence.choices,
        required=False,
        allow_blank=True,
        help_text=_("rural or urban, for communes (villages take their commune's); empty above."),
    )

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "residence", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class AreaUpdateSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        read_only_fields = ["code", "created_at", "updated_at"]


class UniqueChoicesField(serializers.ListField):
    def __init__(self, choices, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=choices), max_length=len(choices), **kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(set(values)) != len(values):
            raise serializers.ValidationError(_("Each value may appear once."))
        return values


class MemberFieldsMixin(serializers.Serializer):
    full_name = serializers.CharField(max_length=128)
    national_id = serializers.CharField(
        required=False,
        allow_null=True,
        min_length=12,
        max_length=12,
        validators=[national_id_validator],
        help_text=_("Citizen ID (CCCD): 12 digits, unique among members; null when unknown."),
    )
    ethnicity = serializers.CharField(max_length=64, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(help_text=_("Not in the future."))


MEMBER_READ_ONLY = ["status", "archive_reason", "version", "created_at", "updated_at"]
MEMBER_FIELDS = ["id", *MEMBER_EDITABLE, *MEMBER_READ_ONLY]


class HouseholdMemberSerializer(MemberFieldsMixin, serializers.ModelSerializer):
    """A member inside its household (created with it, or read with it)."""

    archive_reason = serializers.ChoiceField(
        choices=Member.ArchiveReason.choices, allow_blank=True, read_only=True,
        help_text=_("Why the member was archived; empty while active."),
    )

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        read_only_fields = ["id", *MEMBER_READ_ONLY]
        validators = []


class MemberSerializer(MemberFieldsMixin, serializers.ModelSerializer):
    archive_reason = HouseholdMemberSerializer._declared_fields["archive_reason"]
    household = ScopedPrimaryKeyRelatedField(Household, help_text=_("The household's id."))

    class Meta:
        model = Member
        fields = MEMBER_FIELDS[:1] + ["household"] + MEMBER_FIELDS[1:]
        read_only_fields = ["id", *MEMBER_READ_ONLY]
        validators = []
        extra_kwargs = {"version": {"help_text": _("Changes with every write; the ETag is this number in quotes.")}}


class MemberArchiveSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Member.ArchiveReason.choices)


HOUSEHOLD_READ_ONLY = ["status", "archive_reason", "archive_note", "version", "created_at", "updated_at"]


class HouseholdSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(
        required=False,
        help_text=_("Optional on create: a client may choose the id so that a retried create "
                    "returns the stored household (200) instead of making a second one."),
    )
    code = serializers.CharField(
        required=False,
        max_length=32,
        validators=[household_code_validator],
        help_text=_("Unique register code; generated as `<commune code>-NNNNNN` when not given."),
    )
    area = AreaCodeField(help_text=_("Code of the commune or village the household lives in."))
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    residence = serializers.ChoiceField(
        choices=Residence.choices,
        required=False,
        help_text=_("rural or urban; defaults to the area's. Decides the poverty line."),
    )
    poverty_causes = UniqueChoicesField(PovertyCause.choices, required=False)
    support_needs = UniqueChoicesField(SupportNeed.choices, required=False)
    members = HouseholdMemberSerializer(many=True, required=False, max_length=100)
    archive_reason = serializers.ChoiceField(
        choices=Household.ArchiveReason.choices, allow_blank=True, read_only=True,
        help_text=_("Why the household was archived; empty while active."),
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            *HOUSEHOLD_EDITABLE,
            *HOUSEHOLD_READ_ONLY,
            "members",
        ]
        read_only_fields = HOUSEHOLD_READ_ONLY
        validators = []


class HouseholdUpdateSerializer(HouseholdSerializer):
    class Meta(HouseholdSerializer.Meta):
        fields = [f for f in HouseholdSerializer.Meta.fields if f not in ("id", "code", "members")]


class HouseholdArchiveSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Household.ArchiveReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ChangeHeadSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(Member, help_text=_("The member who becomes head."))
    former_head_relationship = serializers.ChoiceField(
        choices=[c for c in Member.Relationship.choices if c[0] != Member.Relationship.HEAD],
        help_text=_("The former head's relationship to the new head."),
    )


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True, help_text=_("Username of who made the change."))
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    object = serializers.ChoiceField(choices=["household", "member"])
    object_id = serializers.UUIDField()
    label = serializers.CharField(help_text=_("The household code or the member's name."))
    reason = serializers.CharField(allow_null=True)
    changes = FieldChangeSerializer(many=True)
