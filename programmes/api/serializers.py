from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from households.api.serializers import AreaCodeField, UniqueChoicesField, UniqueCodesField
from households.models import Household, Member, PovertyClass
from povertycase.accounts.models import User
from povertycase.fields import (
    CharField,
    IntegerField,
    ModelSerializer,
    RegexField,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
)
from programmes.models import Enrollment, Programme


class ProgrammeSerializer(ModelSerializer):
    code = RegexField(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$", max_length=32)
    name = CharField(max_length=255)
    area = AreaCodeField(help_text=_("Only households in this area may enrol."))
    parent = ScopedSlugRelatedField(
        Programme, slug_field="code", max_length=32, required=False, allow_null=True,
        help_text=_("Code of the programme this one is a project or local intervention of."),
    )
    budget = IntegerField(min_value=0, max_value=10**15, help_text=_("Whole VND."))
    partner = CharField(max_length=255, required=False, allow_blank=True,
                        help_text=_("E.g. the enterprise that guarantees to buy the crop."))
    targets = UniqueCodesField(required=False, help_text=_("Indicator codes the programme addresses."))
    eligible_classes = UniqueChoicesField(PovertyClass.choices, required=False,
                                          help_text=_("Poverty classes that may enrol, e.g. poor, near_poor."))
    escaped_within_years = IntegerField(
        min_value=1, max_value=10, required=False, allow_null=True,
        help_text=_("Households that escaped poverty within this many years may enrol too."),
    )
    capacity = IntegerField(min_value=1, max_value=10**7, required=False, allow_null=True)
    occupation = CharField(max_length=255, required=False, allow_blank=True,
                           help_text=_("Training and employment programmes only."))
    provider = CharField(max_length=255, required=False, allow_blank=True,
                         help_text=_("Training and employment programmes only."))
    hours = IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    min_age = IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    max_age = IntegerField(min_value=0, max_value=120, required=False, allow_null=True)

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "kind", "parent", "area", "starts_on", "ends_on", "budget",
                  "funding_source", "partner", "targets", "eligible_classes", "escaped_within_years",
                  "capacity", "status", "occupation", "provider", "hours", "min_age", "max_age",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        validators = []


class ProgrammeUpdateSerializer(ProgrammeSerializer):
    class Meta(ProgrammeSerializer.Meta):
        read_only_fields = ["id", "code", "version", "created_at", "updated_at"]



class EnrollmentSerializer(ModelSerializer):
    programme = ScopedPrimaryKeyRelatedField(Programme, pk_field=IntegerField(), help_text=_("The programme's id."))
    household = ScopedPrimaryKeyRelatedField(Household, help_text=_("The household's id."))
    member = ScopedPrimaryKeyRelatedField(
        Member, required=False, allow_null=True,
        help_text=_("Required for vocational training and employment: the member who enrols."),
    )
    assigned_to = ScopedSlugRelatedField(
        User, slug_field="username", max_length=150, required=False, allow_null=True,
        help_text=_("Username of the worker who follows the case (default: you)."),
    )
    baseline_deprivations = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "programme", "household", "member", "enrolled_on", "status", "status_changed_on",
                  "status_reason", "assigned_to", "baseline_year", "baseline_class", "baseline_income",
                  "baseline_deprivations", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "status", "status_changed_on", "status_reason", "baseline_year",
                            "baseline_class", "baseline_income", "version", "created_at", "updated_at"]
        validators = []


class EnrollmentTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Enrollment.Status.choices)
    on = serializers.DateField(help_text=_("The date of the change."))
    reason = CharField(max_length=500, required=False, allow_blank=True, default="",
                       help_text=_("Required when the enrolment is dropped."))
