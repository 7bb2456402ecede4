from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from households.api.serializers import AreaCodeField, UniqueChoicesField, UniqueCodesField
from households.models import Household, Member, PovertyClass
from povertycase.accounts.models import User
from povertycase.fields import (
    BooleanField,
    CharField,
    DecimalField,
    IntegerField,
    ModelSerializer,
    RegexField,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
)
from povertycase.filters import QuerySerializer
from programmes.models import (
    PERIOD_LABEL,
    CaseNote,
    Delivery,
    DisbursementPlanLine,
    Enrollment,
    FollowUp,
    FollowUpDue,
    Period,
    Programme,
)

FUNDING_SOURCE = _("Where the money comes from: central budget, local budget, credit (Social Policy Bank), "
                   "enterprise, community or other.")


class PlanLineSerializer(ModelSerializer):
    period = RegexField(PERIOD_LABEL, max_length=7, help_text=_(
        "`2025-03` for a month, `2025-Q1` for a quarter: of the programme's `plan_period`, overlapping its "
        "grant (`starts_on` to `ends_on`)."))
    funding_source = serializers.ChoiceField(choices=Programme.FundingSource.choices, help_text=FUNDING_SOURCE)
    amount = IntegerField(min_value=1, max_value=10**15, help_text=_("Whole VND, at least 1."))

    class Meta:
        model = DisbursementPlanLine
        fields = ["period", "funding_source", "amount"]

    def validate(self, attrs):
        # In a PATCH the programme's fields are optional, not a plan row's: a row is whole.
        missing = {name: [field.error_messages["required"]] for name, field in self.fields.items() if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


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
    funding_source = serializers.ChoiceField(choices=Programme.FundingSource.choices, help_text=_(
        "The programme's main funding source; deliveries that name none count as from it."))
    plan_period = serializers.ChoiceField(choices=Period.choices, required=False, help_text=_(
        "Whether the disbursement plan is written by month or by quarter (default month). Changing it needs a "
        "new plan in the same request when there is one."))
    plan = PlanLineSerializer(many=True, required=False, max_length=1000, help_text=_(
        "The disbursement plan: amounts per period and funding source, each (period, funding source) once, "
        "totalling no more than the budget. Given, it replaces the whole plan (`[]` empties it); left out, the "
        "plan stays. Rows are refused by position (`plan.2.period`)."))

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "kind", "parent", "area", "starts_on", "ends_on", "budget",
                  "funding_source", "plan_period", "plan", "partner", "targets", "eligible_classes",
                  "escaped_within_years", "capacity", "status", "occupation", "provider", "hours", "min_age",
                  "max_age", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        validators = []


class ProgrammeUpdateSerializer(ProgrammeSerializer):
    class Meta(ProgrammeSerializer.Meta):
        read_only_fields = ["id", "code", "version", "created_at", "updated_at"]


class ProgrammeBriefSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "kind", "area"]
        read_only_fields = fields

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
    baseline_class = serializers.ChoiceField(choices=PovertyClass.choices, read_only=True, help_text=_(
        "The class of the review eligibility was judged on (the baseline)."))

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


class MemberBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "full_name", "date_of_birth"]
        read_only_fields = fields


class RecommendationSerializer(serializers.Serializer):
    programme = ProgrammeBriefSerializer(read_only=True)
    targeted = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text=_("The household's current deprivations that the programme targets; the ranking key."))
    members = MemberBriefSerializer(
        many=True, read_only=True,
        help_text=_("For training and employment: the members who fit the age range and may enrol."))
    reason = serializers.CharField(read_only=True, help_text=_("Why the household may enrol, in words."))


class OnQuerySerializer(QuerySerializer):
    on = serializers.DateField(required=False, help_text=_("Judge eligibility at this date (default: today)."))


class RecommendationsSerializer(serializers.Serializer):
    household = serializers.UUIDField(read_only=True)
    on = serializers.DateField(read_only=True, help_text=_("The date eligibility is judged at."))
    deprivations = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text=_("The household's deprivations at its latest approved review by that date."))
    programmes = RecommendationSerializer(many=True, read_only=True,
                                          help_text=_("Best first: most deprivations targeted, then by code."))


def _username(**kwargs):
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class DeliverySerializer(ModelSerializer):
    enrollment = ScopedPrimaryKeyRelatedField(Enrollment, help_text=_("The enrolment the support was given under."))
    programme = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("The enrolment's programme."))
    description = CharField(max_length=500)
    quantity = DecimalField(max_digits=15, decimal_places=3, min_value=0, required=False, allow_null=True,
                            help_text=_("How much, in `unit`; up to 3 decimals."))
    unit = CharField(max_length=32, required=False, allow_blank=True, default="",
                     help_text=_("What the quantity counts: kg, head, hours…"))
    value = IntegerField(min_value=0, max_value=10**15,
                         help_text=_("Whole VND. Refused with 409 when it would take the programme past its budget."))
    funding_source = serializers.ChoiceField(choices=Programme.FundingSource.choices, required=False, help_text=_(
        "Where the money came from; by default the programme's funding source. The disbursement report splits "
        "by it."))
    recorded_by = _username(allow_null=True, help_text=_("Username of who recorded it."))
    cancelled_by = _username(allow_null=True, help_text=_("Username of who cancelled it; null while it counts."))

    class Meta:
        model = Delivery
        fields = ["id", "enrollment", "programme", "kind", "funding_source", "description", "quantity", "unit",
                  "value", "delivered_on", "recorded_by", "cancelled_at", "cancelled_by", "cancel_reason", "version",
                  "created_at"]
        read_only_fields = ["id", "programme", "recorded_by", "cancelled_at", "cancelled_by", "cancel_reason",
                            "version", "created_at"]


class CancelSerializer(serializers.Serializer):
    reason = CharField(max_length=500, help_text=_("Why the delivery is cancelled."))


BEHIND = _(
    "Whether delivery was behind plan at the end of the period: the cumulative delivered below the cumulative "
    "planned on its last day. Null for a period that has not ended (its last day is today or later), and when "
    "`whole_programme` is false (the delivered figures then count your area only, the plan is the programme's).")


class PlanFiguresSerializer(serializers.Serializer):
    period = serializers.CharField(help_text=_("`2025-03` for a month, `2025-Q1` for a quarter."))
    starts_on = serializers.DateField(help_text=_("The period's first day."))
    ends_on = serializers.DateField(help_text=_("The period's last day."))
    planned = serializers.IntegerField(help_text=_(
        "VND planned for the period. A plan line counts in the period its month or quarter ends in: a quarterly "
        "plan's amount falls in the quarter's last month of a monthly report (it is due by then)."))
    spent = serializers.IntegerField(help_text=_("VND delivered in the period (cancelled deliveries left out)."))
    cumulative_planned = serializers.IntegerField(help_text=_("VND planned up to the end of the period."))
    cumulative = serializers.IntegerField(help_text=_("VND delivered up to the end of the period."))
    gap = serializers.IntegerField(help_text=_(
        "cumulative − cumulative_planned: negative when delivery trails the plan, positive when ahead."))
    behind = serializers.BooleanField(allow_null=True, help_text=BEHIND)


class DisbursementPeriodSerializer(PlanFiguresSerializer):
    share = serializers.FloatField(allow_null=True,
                                   help_text=_("Cumulative share of the budget, 0–100, 2 decimals."))


class SourceFiguresSerializer(serializers.Serializer):
    funding_source = serializers.ChoiceField(choices=Programme.FundingSource.choices, help_text=FUNDING_SOURCE)
    planned = serializers.IntegerField(help_text=_("VND planned from this source over all the periods."))
    spent = serializers.IntegerField(help_text=_("VND delivered from this source."))
    behind = serializers.BooleanField(allow_null=True, help_text=_(
        "`behind` of the last period that has ended, for this source."))
    periods = PlanFiguresSerializer(many=True, help_text=_("The same periods as the total's, for this source."))


class DisbursementFiguresSerializer(serializers.Serializer):
    budget = serializers.IntegerField(help_text=_("Whole VND."))
    planned = serializers.IntegerField(help_text=_("VND of the whole disbursement plan, future periods included."))
    spent = serializers.IntegerField(help_text=_("VND delivered, cancelled deliveries left out."))
    remaining = serializers.IntegerField(help_text=_("Budget less spent."))
    share = serializers.FloatField(allow_null=True, help_text=_("Spent as a share of the budget, 0–100, 2 decimals; "
                                                                "null when the budget is 0."))
    behind = serializers.BooleanField(allow_null=True, help_text=_(
        "`behind` of the last period that has ended: whether the programme is behind plan now."))
    periods = DisbursementPeriodSerializer(many=True, help_text=_(
        "Every month or quarter, oldest first, from the start to the end (or to this month while it runs) and on "
        "to the last period planned or delivered in; periods with nothing planned or delivered are zeros."))
    by_source = SourceFiguresSerializer(many=True, help_text=_(
        "The same figures per funding source with anything planned or delivered, in the order of the sources' "
        "list. The total's figures are their sums."))


class DisbursementRollupSerializer(DisbursementFiguresSerializer):
    projects = ProgrammeBriefSerializer(many=True, help_text=_(
        "The projects below the programme (theirs too, all the way down) that the figures add to the "
        "programme's own: those open to you. Empty when it has none: the figures are then its own."))


class DisbursementProgrammeSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    period = serializers.ChoiceField(choices=Period.choices, help_text=_("What a row of `periods` is."))
    plan_period = serializers.ChoiceField(choices=Period.choices, help_text=_("What the plan is written by."))
    whole_programme = serializers.BooleanField(help_text=_(
        "False when the programme runs beyond your area: the figures then count deliveries in your area only."))


class DisbursementSerializer(DisbursementProgrammeSerializer, DisbursementFiguresSerializer):
    """The programme's own figures, and `rollup`: the same with its projects."""

    rollup = DisbursementRollupSerializer(help_text=_(
        "The programme with its projects: budgets, plans and deliveries added up. The figures beside it are the "
        "programme's own."))


class DisbursementQuerySerializer(QuerySerializer):
    period = serializers.ChoiceField(choices=Period.choices, default=Period.MONTH, help_text=_(
        "Rows by month (default) or by quarter."))


class FollowUpSerializer(ModelSerializer):
    enrollment = ScopedPrimaryKeyRelatedField(Enrollment, help_text=_("The enrolment followed up."))
    income_per_capita = IntegerField(min_value=0, max_value=10**12, required=False, allow_null=True,
                                     help_text=_("Household income per person per month, whole VND."))
    employment = serializers.ChoiceField(choices=FollowUp.Employment.choices, required=False, allow_blank=True,
                                         help_text=_("Of the enrolled member (or the household's main earner)."))
    monthly_earnings = IntegerField(min_value=0, max_value=10**12, required=False, allow_null=True,
                                    help_text=_("Whole VND; with wage employment or self-employment only."))
    certificate = BooleanField(required=False, allow_null=True,
                               help_text=_("Training passed and certified; training and employment programmes only."))
    notes = CharField(max_length=5000, required=False, allow_blank=True)
    recorded_by = _username()

    class Meta:
        model = FollowUp
        fields = ["id", "enrollment", "observed_on", "income_per_capita", "employment", "monthly_earnings",
                  "certificate", "notes", "recorded_by", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "recorded_by", "version", "created_at", "updated_at"]


class FollowUpUpdateSerializer(FollowUpSerializer):
    class Meta(FollowUpSerializer.Meta):
        read_only_fields = ["id", "enrollment", "recorded_by", "version", "created_at", "updated_at"]


class FollowUpDueSerializer(serializers.ModelSerializer):
    enrollment = serializers.UUIDField(source="enrollment_id")
    programme = ProgrammeBriefSerializer(source="enrollment.programme")
    household = serializers.UUIDField(source="enrollment.household_id")
    household_code = serializers.CharField(source="enrollment.household.code")
    area = serializers.CharField(source="enrollment.household.area.code",
                                 help_text=_("The unit the household lives in."))
    area_name = serializers.CharField(source="enrollment.household.area.name",
                                      help_text=_("Its name: the village (or commune) to go to."))
    address = serializers.CharField(source="enrollment.household.address")
    head = serializers.SerializerMethodField(help_text=_("The head of the household's full name; null if none."))
    member = MemberBriefSerializer(source="enrollment.member", allow_null=True)
    assigned_to = serializers.CharField(source="enrollment.assigned_to.username", allow_null=True, default=None)
    completed_on = serializers.DateField(source="enrollment.status_changed_on")
    months = serializers.IntegerField(help_text=_("The follow-up's point: months after completion."))
    due_on = serializers.DateField(help_text=_("A follow-up observed from 14 days before this date meets it."))
    overdue = serializers.SerializerMethodField(help_text=_("The due date has passed."))

    class Meta:
        model = FollowUpDue
        fields = ["enrollment", "programme", "household", "household_code", "area", "area_name", "address", "head",
                  "member", "assigned_to", "completed_on", "months", "due_on", "overdue"]
        read_only_fields = fields

    def get_overdue(self, due) -> bool:
        return due.due_on < self.context["today"]

    def get_head(self, due) -> str | None:
        heads = due.enrollment.household.heads  # prefetched by the view
        return heads[0].full_name if heads else None


class CaseNoteSerializer(ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(Household, help_text=_("The household visited."))
    enrollment = ScopedPrimaryKeyRelatedField(
        Enrollment, required=False, allow_null=True,
        help_text=_("The enrolment the visit was about, if any; it must be this household's."))
    text = CharField(max_length=5000)
    author = _username(help_text=_("Recorded by the server: the caller."))

    class Meta:
        model = CaseNote
        fields = ["id", "household", "enrollment", "visited_on", "text", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


RATE = _("Percentage 0–100 with 2 decimals; null when the denominator is 0.")


class StatusCountsSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField()
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    suspended = serializers.IntegerField()
    dropped_out = serializers.IntegerField()


class IncomeOutcomeSerializer(serializers.Serializer):
    baseline_median = serializers.IntegerField(allow_null=True, help_text=_(
        "Median over the enrolled households of the income per person per month (VND) of their baseline review."))
    latest_median = serializers.IntegerField(allow_null=True, help_text=_(
        "Median of each household's latest income: its latest approved review or follow-up, whichever is later."))
    change_pct = serializers.FloatField(allow_null=True, help_text=_("(latest − baseline) over baseline. ") + RATE)


class ComparisonSerializer(serializers.Serializer):
    households = serializers.IntegerField(help_text=_(
        "Households in the programme's area (and yours), poor at the end of a baseline year of the enrolled "
        "poor households, never enrolled in a programme of the same kind."))
    escaped = serializers.IntegerField(help_text=_("Of those, not poor at some approved review of a later year."))
    exit_rate = serializers.FloatField(allow_null=True, help_text=_("escaped over households. ") + RATE)


class OutcomeHeadlineSerializer(serializers.Serializer):
    programme = serializers.IntegerField(help_text=_("The programme's id."))
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Programme.Kind.choices)
    area = serializers.CharField(help_text=_("Code of the programme's area."))
    status = serializers.ChoiceField(choices=Programme.Status.choices)
    enrolled = serializers.IntegerField(help_text=_("Enrolments, whatever their status."))
    escaped = serializers.IntegerField(help_text=_(
        "Enrolled households poor at baseline that were not poor at some approved review of a later year."))
    exit_rate = serializers.FloatField(allow_null=True, help_text=_(
        "escaped over the enrolled households poor at baseline. ") + RATE)
    relapsed = serializers.IntegerField(help_text=_("Escaped households poor again at a later review."))
    budget = serializers.IntegerField(help_text=_("Whole VND."))
    spent = serializers.IntegerField(help_text=_("VND delivered (cancelled deliveries left out), in your area."))
    cost_per_exit = serializers.IntegerField(allow_null=True, help_text=_("spent over escaped, VND; null if none."))
    exit_rate_difference = serializers.FloatField(allow_null=True, help_text=_(
        "The programme's exit rate minus the comparison's, in percentage points."))


class ProgrammeOutcomesSerializer(OutcomeHeadlineSerializer):
    by_status = StatusCountsSerializer(help_text=_("Enrolments by status."))
    baseline = serializers.DictField(child=serializers.IntegerField(), help_text=_(
        "Households by class at baseline (the review their first enrolment was judged on)."))
    sustained_exit_rate = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text=_(
        "k → of the escaped households observed k years after the year of their escape (not archived, and the "
        "area has approved reviews of that year), the share not poor at the end of that year."))
    income = IncomeOutcomeSerializer()
    employment_rate_6m = serializers.FloatField(allow_null=True, help_text=_(
        "Training and employment programmes: of the completed enrolments with a follow-up 6 or more months after "
        "completion, the share in wage work or self-employed at the first such follow-up; else null. ") + RATE)
    certificate_rate = serializers.FloatField(allow_null=True, help_text=_(
        "Same enrolments: the share with a training certificate recorded at any follow-up; else null. ") + RATE)
    comparison = ComparisonSerializer()


class ProgrammeSummaryRowSerializer(OutcomeHeadlineSerializer):
    sustained_exit_rate_1y = serializers.FloatField(allow_null=True, help_text=_(
        "sustained_exit_rate for 1 year after the escape."))
    comparison_exit_rate = serializers.FloatField(allow_null=True)


class ProgrammesReportSerializer(serializers.Serializer):
    area = serializers.CharField(allow_null=True, help_text=_(
        "The unit whose programmes are ranked; null for the whole country or by former_area."))
    former_area = serializers.CharField(allow_null=True, help_text=_(
        "The former unit (before July 2025) whose households the figures count, or null."))
    programmes = ProgrammeSummaryRowSerializer(many=True, help_text=_("One row per programme, by code."))
