from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from households.models import (
    AccessLogEntry,
    Area,
    FormerUnit,
    Household,
    Indicator,
    Member,
    PovertyCause,
    PovertyClass,
    PovertyStandard,
    Residence,
    Review,
    SupportNeed,
    Transition,
)
from households.personal_data import national_id_for
from households.services import HOUSEHOLD_EDITABLE, MEMBER_EDITABLE
from households.validators import household_code_validator, national_id_validator
from povertycase.fields import (
    CharField,
    IntegerField,
    ModelSerializer,
    RegexField,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    UUIDField,
)


@extend_schema_field({"type": "string", "maxLength": 16, "description": "Code of an administrative unit."})
class AreaCodeField(ScopedSlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(Area, slug_field="code", max_length=16, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 16, "pattern": "^[0-9]{2,5}$",
                      "description": "Code of an administrative unit as it stood before July 2025."})
class FormerUnitCodeField(ScopedSlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(FormerUnit, slug_field="code", max_length=16, **kwargs)


class SuccessorSerializer(serializers.Serializer):
    code = CharField(help_text=_("Code of today's unit (since 1 July 2025)."))
    name = CharField()


class FormerUnitSerializer(ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                          help_text=_("Code of the former unit above."))
    successors = SuccessorSerializer(many=True, read_only=True, help_text=_(
        "The units of today its territory went into: one, or several for a commune that was split. For a "
        "province or district, empty (see its communes), but for the island districts that had none."))

    class Meta:
        model = FormerUnit
        fields = ["code", "name", "level", "parent", "successors"]
        read_only_fields = fields


class AreaSerializer(ModelSerializer):
    code = CharField(max_length=16, help_text=_("Official code; a string (leading zeros)."))
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


class UniqueListField(serializers.ListField):
    """A list in which each value may appear once."""

    unique_items = True  # said in the schema (povertycase.schema)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(set(values)) != len(values):
            raise serializers.ValidationError(_("Each value may appear once."))
        return values


class UniqueChoicesField(UniqueListField):
    def __init__(self, choices, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=choices), max_length=len(choices), **kwargs)


class UniqueCodesField(UniqueListField):
    def __init__(self, **kwargs):
        child = RegexField(r"^[a-z][a-z0-9_]{0,31}$", max_length=32)
        super().__init__(child=child, max_length=50, **kwargs)


class MemberFieldsMixin(serializers.Serializer):
    full_name = CharField(max_length=128)
    national_id = CharField(
        required=False,
        allow_null=True,
        min_length=12,
        max_length=12,
        validators=[national_id_validator],
        help_text=_("Citizen ID (CCCD): 12 digits, unique among members; null when unknown. Viewers read "
                    "only its last 4 digits (`********1234`); each response showing whole numbers is "
                    "recorded in the access log."),
    )
    ethnicity = CharField(max_length=64, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(help_text=_("Not in the future."))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["national_id"] = national_id_for(self.context["request"], data["national_id"], instance.household_id)
        return data


MEMBER_READ_ONLY = ["status", "archive_reason", "version", "created_at", "updated_at"]
MEMBER_FIELDS = ["id", *MEMBER_EDITABLE, *MEMBER_READ_ONLY]


class HouseholdMemberSerializer(MemberFieldsMixin, ModelSerializer):
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


class MemberSerializer(MemberFieldsMixin, ModelSerializer):
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


HOUSEHOLD_READ_ONLY = [
    "poverty_class",
    "poverty_class_year",
    "status",
    "archive_reason",
    "archive_note",
    "archived_on",
    "version",
    "created_at",
    "updated_at",
]


class HouseholdSerializer(ModelSerializer):
    id = UUIDField(
        required=False,
        help_text=_("Optional on create: a client may choose the id so that a retried create "
                    "returns the stored household (200) instead of making a second one."),
    )
    code = CharField(
        required=False,
        max_length=32,
        validators=[household_code_validator],
        help_text=_("Unique register code; generated as `<commune code>-NNNNNN` when not given."),
    )
    area = AreaCodeField(help_text=_("Code of the commune or village the household lives in."))
    former_commune = FormerUnitCodeField(required=False, allow_null=True, help_text=_(
        "Code of the commune the household was registered in before July 2025 (a former unit, "
        "`/former-units/`): one whose territory went into the household's commune. Reports by former unit "
        "(`former_area`) count the household there."))
    address = CharField(max_length=255, required=False, allow_blank=True)
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
    poverty_class = serializers.ChoiceField(
        choices=PovertyClass.choices, allow_blank=True, read_only=True,
        help_text=_("Class of the latest approved review (a household not re-listed keeps its "
                    "class); empty before the first."),
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
    note = CharField(max_length=500, required=False, allow_blank=True, default="")


class ChangeHeadSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(Member, help_text=_("The member who becomes head."))
    former_head_relationship = serializers.ChoiceField(
        choices=[c for c in Member.Relationship.choices if c[0] != Member.Relationship.HEAD],
        help_text=_("The former head's relationship to the new head."),
    )


class FieldChangeSerializer(serializers.Serializer):
    field = CharField()
    # Output only, of any JSON type (text, number, true/false, a list, null): no type in the schema.
    old = serializers.JSONField(help_text=_("The value before the change; null when there was none."))
    new = serializers.JSONField(help_text=_(
        "The value after the change. A national ID is masked for viewers, as in the member itself."))

    def to_representation(self, change):
        data = super().to_representation(change)
        if data["field"] == "national_id":
            for side in ("old", "new"):
                data[side] = national_id_for(self.context["request"], data[side], self.context["household_id"])
        return data


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = CharField(allow_null=True, help_text=_("Username of who made the change."))
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    object = serializers.ChoiceField(choices=["household", "member"])
    object_id = UUIDField()
    label = CharField(help_text=_("The household code or the member's name."))
    reason = CharField(allow_null=True)
    changes = FieldChangeSerializer(many=True)


class IndicatorSerializer(ModelSerializer):
    code = RegexField(r"^[a-z][a-z0-9_]{0,31}$", max_length=32)

    class Meta:
        model = Indicator
        fields = ["code", "dimension", "name_vi", "name_en"]


class PovertyStandardSerializer(ModelSerializer):
    code = RegexField(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", max_length=32)
    first_year = IntegerField(min_value=2000, max_value=2100)
    last_year = IntegerField(min_value=2000, max_value=2100)
    rural_line = IntegerField(min_value=0, max_value=10**12, help_text=_("VND per person per month."))
    urban_line = IntegerField(min_value=0, max_value=10**12, help_text=_("VND per person per month."))
    rural_ceiling = IntegerField(min_value=0, max_value=10**12, allow_null=True, required=False,
                                             help_text=_("Top of the average living standard; null if none."))
    urban_ceiling = IntegerField(min_value=0, max_value=10**12, allow_null=True, required=False)
    poor_min_deprivations = IntegerField(min_value=1, max_value=50, required=False)
    indicators = IndicatorSerializer(many=True, min_length=1, max_length=50)

    class Meta:
        model = PovertyStandard
        fields = ["code", "name", "legal_basis", "first_year", "last_year", "rural_line", "urban_line",
                  "rural_ceiling", "urban_ceiling", "poor_min_deprivations", "provisional", "indicators",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def validate_indicators(self, indicators):
        codes = [i["code"] for i in indicators]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError(_("Each indicator code may appear once."))
        return indicators


class PovertyStandardUpdateSerializer(PovertyStandardSerializer):
    class Meta(PovertyStandardSerializer.Meta):
        read_only_fields = ["code", "created_at", "updated_at"]


class ClassifyRequestSerializer(serializers.Serializer):
    income_per_capita = IntegerField(min_value=0, max_value=10**12, help_text=_("Whole VND per person per month."))
    deprivations = UniqueCodesField(help_text=_("Codes of the standard's indicators the household is deprived on."))
    residence = serializers.ChoiceField(choices=Residence.choices, help_text=_("Decides the income line."))


class ClassificationSerializer(serializers.Serializer):
    standard = CharField(help_text=_("The standard that judged."))
    poverty_class = serializers.ChoiceField(choices=PovertyClass.choices)
    deprivation_count = IntegerField()
    explanation = CharField(help_text=_(
        "Why, in words a commune worker can read aloud: the explanation a review under this standard would record."))


class ReviewSerializer(ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(Household, help_text=_("The household's id."))
    year = IntegerField(min_value=2000, max_value=2100)
    income_per_capita = IntegerField(
        min_value=0, max_value=10**12, help_text=_("Whole VND per person per month.")
    )
    deprivations = UniqueCodesField(
        required=False,
        help_text=_("Codes of the indicators of the standard in force for the year on which the "
                    "household is deprived."),
    )
    corrects = ScopedPrimaryKeyRelatedField(
        Review, required=False, allow_null=True,
        help_text=_("The approved review this one corrects; it is superseded when this is approved."),
    )
    standard = serializers.SlugRelatedField(slug_field="code", read_only=True)
    transition = serializers.ChoiceField(choices=Transition.choices, allow_blank=True, read_only=True,
                                         help_text=_("From the previous approved review; empty while draft."))
    decision_number = CharField(read_only=True)
    decision_date = serializers.DateField(read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Review
        fields = ["id", "household", "year", "kind", "reviewed_on", "income_per_capita", "deprivations",
                  "corrects", "standard", "residence", "deprivation_count", "poverty_class", "explanation",
                  "status", "transition", "decision_number", "decision_date", "approved_at", "approved_by",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["residence", "deprivation_count", "poverty_class", "explanation", "status",
                            "approved_at", "version", "created_at", "updated_at"]
        validators = []


class ReviewUpdateSerializer(ReviewSerializer):
    class Meta(ReviewSerializer.Meta):
        read_only_fields = ReviewSerializer.Meta.read_only_fields + ["household", "year", "kind", "corrects"]


class ApprovalSerializer(serializers.Serializer):
    decision_number = CharField(max_length=64, help_text=_("Number of the commune chair's recognition decision."))
    decision_date = serializers.DateField()


class AreaApprovalSerializer(ApprovalSerializer):
    area = AreaCodeField(help_text=_("Every draft review of households in this area and below."))
    year = IntegerField(min_value=2000, max_value=2100)


class AreaApprovalResultSerializer(serializers.Serializer):
    approved = IntegerField(help_text=_("How many draft reviews were approved."))


class AccessLogEntrySerializer(ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                        help_text=_("Who read the numbers."))
    endpoint = CharField(read_only=True, help_text=_("The path and query the numbers were read through."))
    households = serializers.PrimaryKeyRelatedField(many=True, read_only=True, pk_field=UUIDField(), help_text=_(
        "The households of your area whose members' whole national IDs the response showed."))

    class Meta:
        model = AccessLogEntry
        fields = ["id", "at", "user", "method", "endpoint", "households"]
        read_only_fields = fields
