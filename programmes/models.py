import re
import uuid
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Area
from povertycase.access import in_area, in_area_or_above

# A month `2025-03` or a quarter `2025-Q1`: how plans and reports name their periods.
PERIOD_LABEL = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2]|Q[1-4])$"


class Period(models.TextChoices):
    """The months or quarters a disbursement plan is written in and the report is read by."""

    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")

    @property
    def months(self) -> int:
        return 1 if self == Period.MONTH else 3

    def start_of(self, day: date) -> date:
        """The first day of the month or quarter holding `day`."""
        return date(day.year, day.month - (day.month - 1) % self.months, 1)

    def end_of(self, start: date) -> date:
        return start + relativedelta(months=self.months) - timedelta(days=1)

    def label_of(self, start: date) -> str:
        return f"{start:%Y-%m}" if self == Period.MONTH else f"{start.year}-Q{(start.month - 1) // 3 + 1}"

    def starts(self, first: date, last: date) -> list[date]:
        """The first days of every period from the one holding `first` to the one holding `last`."""
        start, stop, found = self.start_of(first), self.start_of(last), []
        while start <= stop:
            found.append(start)
            start += relativedelta(months=self.months)
        return found

    @classmethod
    def bounds(cls, label: str) -> tuple[date, date]:
        """The first and last days of the month or quarter `label` (a valid one)."""
        period, first = cls.parse(label)
        return first, period.end_of(first)

    @classmethod
    def parse(cls, label: str) -> tuple["Period", date] | None:
        """(the kind of period, its first day) of a label such as `2025-03` or `2025-Q1`; None
        for anything else."""
        if not isinstance(label, str) or not re.fullmatch(PERIOD_LABEL, label):
            return None
        year, rest = int(label[:4]), label[5:]
        if rest.startswith("Q"):
            return cls.QUARTER, date(year, 3 * int(rest[1]) - 2, 1)
        return cls.MONTH, date(year, int(rest), 1)


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Programmes of the caller's area and below, and those of the larger units that
        contain it: a province's project is open to the households of each of its communes."""
        return in_area_or_above(self, user, "area__path")

    def writable_by(self, user):
        """Managers change the programmes of their own area and below only."""
        return in_area(self, user, "area__path")

    def descendants_of(self, programme: "Programme"):
        """The programme's projects, their projects and so on down, in one query whatever the
        depth (a recursive CTE, which SQLite and PostgreSQL both run; UNION stops at a cycle)."""
        table = self.model._meta.db_table
        tree = (f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE parent_id = %s "
                f"UNION SELECT p.id FROM {table} p JOIN tree ON p.parent_id = tree.id) SELECT id FROM tree")
        return self.filter(pk__in=RawSQL(tree, [programme.pk]))


class Programme(models.Model):
    class Kind(models.TextChoices):
        LIVELIHOOD = "livelihood", _("livelihood diversification")
        PRODUCTION = "production", _("production support")
        VOCATIONAL_TRAINING = "vocational_training", _("vocational training")
        EMPLOYMENT = "employment", _("sustainable employment")
        HOUSING = "housing", _("housing")
        CREDIT = "credit", _("credit")
        NUTRITION = "nutrition", _("nutrition")
        OTHER = "other", _("other")

    class FundingSource(models.TextChoices):
        CENTRAL = "central", _("central budget")
        LOCAL = "local", _("local budget")
        ENTERPRISE = "enterprise", _("enterprise")
        CREDIT = "credit", _("credit (Social Policy Bank)")
        COMMUNITY = "community", _("community")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    # Decision 90/QĐ-TTg project 4: training and employment enrol a person, not a household.
    PERSON_KINDS = (Kind.VOCATIONAL_TRAINING, Kind.EMPLOYMENT)

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent programme"),
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("area"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    budget = models.PositiveBigIntegerField(_("budget (VND)"))
    funding_source = models.CharField(_("funding source"), max_length=16, choices=FundingSource.choices)
    plan_period = models.CharField(_("disbursement plan by"), max_length=8, choices=Period.choices,
                                   default=Period.MONTH)
    partner = models.CharField(_("partner"), max_length=255, blank=True)
    targets = models.JSONField(_("targeted indicators"), default=list, blank=True)
    eligible_classes = models.JSONField(_("eligible poverty classes"), default=list, blank=True)
    escaped_within_years = models.PositiveSmallIntegerField(
        _("also households that escaped poverty within this many years"), null=True, blank=True
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    occupation = models.CharField(_("occupation"), max_length=255, blank=True)
    provider = models.CharField(_("training provider"), max_length=255, blank=True)
    hours = models.PositiveIntegerField(_("hours"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        indexes = [
            models.Index(fields=["kind"], name="programme_kind_idx"),
            models.Index(fields=["status"], name="programme_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="programme_ends_after_start",
                violation_error_message=_("A programme ends on or after its start."),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="programme_age_range_in_order",
                violation_error_message=_("The maximum age is at least the minimum age."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class DisbursementPlanLineQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A plan is its programme's: seen wherever the programme is.
        return in_area_or_above(self, user, "programme__area__path")


class DisbursementPlanLine(models.Model):
    """What a programme plans to disburse in one month or quarter (its `plan_period`) from one
    funding source. A plan is replaced as a whole; a line it drops is deleted, and its history
    (django-simple-history writes a deletion record, with who and when) keeps it."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="plan",
                                  verbose_name=_("programme"))
    period = models.CharField(_("period"), max_length=7, help_text=_("`2025-03` for a month, `2025-Q1` for a quarter."))
    funding_source = models.CharField(_("funding source"), max_length=16, choices=Programme.FundingSource.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    history = HistoricalRecords()

    objects = DisbursementPlanLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("disbursement plan line")
        verbose_name_plural = _("disbursement plan lines")
        constraints = [
            # Also the index the report and the programme's reads use (programme first).
            models.UniqueConstraint(fields=["programme", "period", "funding_source"],
                                    name="plan_line_once_per_period_and_source"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="plan_line_amount_positive",
                                   violation_error_message=_("A planned amount is at least 1 VND.")),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.period} {self.funding_source} {self.amount:,}"


class EnrollmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        # An enrolment is a household's record: it is seen where the household is.
        return in_area(self, user, "household__area__path")

    def unfinished(self):
        return self.filter(status__in=Enrollment.UNFINISHED)

    def taking_places(self):
        """The enrolments that fill the programme's capacity: all but those that dropped out."""
        return self.exclude(status=Enrollment.Status.DROPPED_OUT)


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("enrolled")
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")
        DROPPED_OUT = "dropped_out", _("dropped out")

    UNFINISHED = (Status.ENROLLED, Status.ACTIVE, Status.SUSPENDED)
    MOVES = {
        Status.ENROLLED: (Status.ACTIVE, Status.SUSPENDED, Status.DROPPED_OUT),
        Status.ACTIVE: (Status.COMPLETED, Status.SUSPENDED, Status.DROPPED_OUT),
        Status.SUSPENDED: (Status.ACTIVE, Status.DROPPED_OUT),
        Status.COMPLETED: (),
        Status.DROPPED_OUT: (),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrollments",
                                  verbose_name=_("programme"))
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="enrollments",
                                  verbose_name=_("household"))
    member = models.ForeignKey("households.Member", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="enrollments", verbose_name=_("member"))
    enrolled_on = models.DateField(_("enrolled on"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ENROLLED)
    status_changed_on = models.DateField(_("status changed on"))
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    assigned_to = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned to"))
    # The review the eligibility was judged on, copied: later corrections do not move a baseline.
    baseline_review = models.ForeignKey("households.Review", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("baseline review"))
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    baseline_class = models.CharField(_("baseline class"), max_length=16)
    baseline_income = models.PositiveBigIntegerField(_("baseline income per person per month (VND)"))
    baseline_deprivations = models.JSONField(_("baseline deprivations"), default=list)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = EnrollmentQuerySet.as_manager()

    def __str__(self):
        return f"{self.programme.code} · {self.household.code}" + (f" · {self.member.full_name}" if self.member_id else "")

    @property
    def follow_up_months(self) -> tuple[int, ...]:
        """Follow-ups owed after completion, in months: training and employment are checked at
        1 and 6 months (the TVET employment indicator, DOMAIN.md §6), other support at 6 and 12."""
        return (1, 6) if self.programme.kind in Programme.PERSON_KINDS else (6, 12)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        indexes = [
            models.Index(fields=["status"], name="enrollment_status_idx"),
            models.Index(fields=["created_at"], name="enrollment_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=Q(member__isnull=True, status__in=["enrolled", "active", "suspended"]),
                name="enrollment_one_unfinished_per_household",
            ),
            models.UniqueConstraint(
                fields=["programme", "member"],
                condition=Q(member__isnull=False, status__in=["enrolled", "active", "suspended"]),
                name="enrollment_one_unfinished_per_member",
            ),
        ]


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "enrollment__household__area__path")

    def counted(self):
        """The deliveries that count against a budget: all but the cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def spent_per_period(self, period: str):
        """(programme, funding source, first day of the month or quarter, VND delivered in it)."""
        trunc = {Period.MONTH: TruncMonth, Period.QUARTER: TruncQuarter}[period]
        return (
            self.counted().annotate(period=trunc("delivered_on"))
            .values_list("programme_id", "funding_source", "period")
            .annotate(spent=Sum("value")).order_by()
        )


class Delivery(models.Model):
    """Support a household (or member) received under an enrolment. A delivery recorded by
    mistake is cancelled with a reason, never deleted, and stops counting against the budget."""

    class Kind(models.TextChoices):
        CASH = "cash", _("cash")
        IN_KIND = "in_kind", _("in kind")
        LOAN = "loan", _("loan")
        TRAINING = "training", _("training")
        SERVICE = "service", _("service")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="deliveries",
                                   verbose_name=_("enrolment"))
    # Copied from the enrolment: the budget check and the disbursement sum by programme.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="deliveries",
                                  editable=False, verbose_name=_("programme"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    funding_source = models.CharField(_("funding source"), max_length=16, choices=Programme.FundingSource.choices)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    value = models.PositiveBigIntegerField(_("value (VND)"))
    delivered_on = models.DateField(_("delivered on"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+",
                                    verbose_name=_("recorded by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("cancelled by"))
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["programme", "delivered_on"], name="delivery_programme_date_idx"),
            models.Index(fields=["created_at"], name="delivery_created_idx"),
            models.Index(fields=["funding_source", "created_at"], name="delivery_source_created_idx"),
        ]


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "enrollment__household__area__path")


class FollowUp(models.Model):
    """What became of an enrolled household or member some time after the enrolment."""

    class Employment(models.TextChoices):
        WAGE = "wage", _("wage employment")
        SELF_EMPLOYED = "self_employed", _("self-employed")
        UNEMPLOYED = "unemployed", _("unemployed")
        NOT_IN_LABOUR_FORCE = "not_in_labour_force", _("not in the labour force")

    WORKING = (Employment.WAGE, Employment.SELF_EMPLOYED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="follow_ups",
                                   verbose_name=_("enrolment"))
    observed_on = models.DateField(_("observed on"))
    income_per_capita = models.PositiveBigIntegerField(_("income per person per month (VND)"), null=True, blank=True)
    employment = models.CharField(_("employment"), max_length=24, choices=Employment.choices, blank=True)
    monthly_earnings = models.PositiveBigIntegerField(_("monthly earnings (VND)"), null=True, blank=True)
    certificate = models.BooleanField(_("training certificate obtained"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+",
                                    verbose_name=_("recorded by"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["enrollment", "observed_on"], name="followup_enrollment_date_idx"),
            models.Index(fields=["created_at"], name="followup_created_idx"),
        ]


class FollowUpDueQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "enrollment__household__area__path")

    def open(self):
        return self.filter(met_by__isnull=True)


class FollowUpDue(models.Model):
    # A follow-up observed from this long before a due date meets it: a visit is planned in the
    # week it falls, not on the day.
    GRACE = timedelta(days=14)

    """One follow-up an enrolment owes after it completes, e.g. the 6-month visit. Written when
    the enrolment completes and met by the first follow-up observed near or after its date, so
    the due list is an indexed read rather than date arithmetic over every enrolment."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="follow_ups_due",
                                   verbose_name=_("enrolment"))
    months = models.PositiveSmallIntegerField(_("months after completion"))
    due_on = models.DateField(_("due on"))
    met_by = models.ForeignKey(FollowUp, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("met by"))

    objects = FollowUpDueQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up due")
        verbose_name_plural = _("follow-ups due")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "months"], name="followup_due_once_per_point"),
        ]
        indexes = [
            models.Index(fields=["due_on", "id"], condition=Q(met_by__isnull=True), name="followup_due_open_idx"),
        ]


class CaseNoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "household__area__path")


class CaseNote(models.Model):
    """A worker's note of a visit. Notes are kept as written: a correction is a new note."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="case_notes",
                                  verbose_name=_("household"))
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="case_notes", verbose_name=_("enrolment"))
    visited_on = models.DateField(_("visited on"))
    text = models.TextField(_("text"))
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+",
                               verbose_name=_("author"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        indexes = [
            models.Index(fields=["household", "created_at"], name="casenote_household_idx"),
            models.Index(fields=["created_at"], name="casenote_created_idx"),
        ]
