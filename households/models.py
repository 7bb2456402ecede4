import uuid

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from povertycase.access import in_area


class Residence(models.TextChoices):
    # The poverty line differs between rural and urban households (Decree 07/2021 Art. 3).
    RURAL = "rural", _("rural")
    URBAN = "urban", _("urban")


class AreaQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "path")

    def within(self, area):
        return self.filter(path__startswith=area.path)


class Area(models.Model):
    """An administrative unit. Since 1 July 2025 (Law 72/2025/QH15) provinces hold communes,
    wards and special zones directly; districts remain only for records made before then."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province or centrally-run city")
        DISTRICT = "district", _("district (before July 2025)")
        COMMUNE = "commune", _("commune, ward or special zone")
        VILLAGE = "village", _("village or residential group")

    # Which level may sit directly under which (Decision 19/2025/QĐ-TTg and 124/2004/QĐ-TTg).
    PARENT_LEVELS = {
        Level.PROVINCE: (),
        Level.DISTRICT: (Level.PROVINCE,),
        Level.COMMUNE: (Level.PROVINCE, Level.DISTRICT),
        Level.VILLAGE: (Level.COMMUNE,),
    }
    HOUSEHOLD_LEVELS = (Level.COMMUNE, Level.VILLAGE)

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=128)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    residence = models.CharField(
        _("residence"), max_length=8, choices=Residence.choices, blank=True
    )
    # Codes from the province down, each followed by "/": `48/20641/2064101/`. A prefix
    # match finds a whole subtree through one index (unique on PostgreSQL brings a
    # varchar_pattern_ops index that serves LIKE 'prefix%').
    path = models.CharField(_("path"), max_length=128, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        indexes = [models.Index(fields=["level"], name="area_level_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level__in=["commune", "village"]) | ~Q(residence=""),
                name="area_commune_village_has_residence",
                violation_error_message=_("A commune or village is either rural or urban."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class FormerUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        # National reference data, like the poverty standards: every signed-in user reads it.
        return self if (user and user.is_authenticated) else self.none()


class FormerUnit(models.Model):
    """An administrative unit as it stood on 30 June 2025, before districts were abolished and
    communes merged (Resolution 202/2025/QH15; Decision 124/2004/QĐ-TTg codes). Kept so that
    records made before the reorganisation stay reportable under the units they were made in.
    Codes are a space of their own: today's units often reuse an old code for a larger place."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province (before July 2025)")
        DISTRICT = "district", _("district (before July 2025)")
        COMMUNE = "commune", _("commune, ward or town (before July 2025)")

    code = models.CharField(_("code"), max_length=16, unique=True)  # 2, 3 or 5 digits by level
    name = models.CharField(_("name"), max_length=128)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="children")
    # `49/509/20641/`, as Area.path: a former district's households are one prefix match away.
    path = models.CharField(_("path"), max_length=64, unique=True, editable=False)
    search_text = models.CharField(max_length=128, editable=False, blank=True)  # the name, folded
    history = HistoricalRecords(excluded_fields=["search_text"])

    objects = FormerUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("former administrative unit")
        verbose_name_plural = _("former administrative units")
        indexes = [models.Index(fields=["level"], name="former_unit_level_idx")]

    def __str__(self):
        return f"{self.code} {self.name}"


class FormerUnitSuccessor(models.Model):
    """A unit of today that (part of) a former unit's territory went into: one for most
    communes, several for a commune that was split. Code and name as the dataset gives them, so
    the mapping holds whether or not that unit is loaded here."""

    former_unit = models.ForeignKey(FormerUnit, on_delete=models.CASCADE, related_name="successors")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        verbose_name = _("successor")
        verbose_name_plural = _("successors")
        constraints = [models.UniqueConstraint(fields=["former_unit", "code"], name="former_successor_once")]
        indexes = [models.Index(fields=["code"], name="former_successor_code_idx")]


class PovertyClass(models.TextChoices):
    POOR = "poor", _("poor")
    NEAR_POOR = "near_poor", _("near-poor")
    AVERAGE_LIVING = "average_living", _("average living standard")
    NON_POOR = "non_poor", _("not poor")


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "area__path")

    def active(self):
        return self.filter(status=Household.Status.ACTIVE)


class PovertyCause(models.TextChoices):
    # The eight causes of poverty recorded in the review (Circular 07/2021/TT-BLĐTBXH forms).
    LACK_OF_LAND = "lack_of_land", _("lack of production land")
    LACK_OF_CAPITAL = "lack_of_capital", _("lack of capital")
    LACK_OF_LABOUR = "lack_of_labour", _("lack of labour")
    LACK_OF_TOOLS = "lack_of_tools", _("lack of tools and means of production")
    LACK_OF_KNOWLEDGE = "lack_of_production_knowledge", _("lack of production knowledge")
    LACK_OF_SKILLS = "lack_of_skills", _("lack of working skills")
    ILLNESS_OR_ACCIDENT = "illness_or_accident", _("illness or accident")
    OTHER = "other", _("other")


class SupportNeed(models.TextChoices):
    HEALTH = "health", _("health")
    EDUCATION = "education", _("education")
    PRODUCTION = "production", _("production")
    CREDIT = "credit", _("credit")
    HOUSING = "housing", _("housing")
    OTHER = "other", _("other")


class Household(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        ARCHIVED = "archived", _("archived")

    class ArchiveReason(models.TextChoices):
        MOVED = "moved", _("moved away")
        DISSOLVED = "dissolved", _("dissolved")
        MERGED = "merged", _("merged into another household")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=32, unique=True)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # Where the household was registered before July 2025, for reports by the former units.
    former_commune = models.ForeignKey(
        FormerUnit, verbose_name=_("former commune"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="households", limit_choices_to={"level": "commune"},
    )
    residence = models.CharField(_("residence"), max_length=8, choices=Residence.choices)
    ethnic_minority = models.BooleanField(_("ethnic minority"), default=False)
    merit_family = models.BooleanField(_("merit family"), default=False)
    no_working_capacity = models.BooleanField(_("no working capacity"), default=False)
    poverty_causes = models.JSONField(_("causes of poverty"), default=list, blank=True)
    support_needs = models.JSONField(_("support needs"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    archive_reason = models.CharField(
        _("archive reason"), max_length=16, choices=ArchiveReason.choices, blank=True
    )
    archive_note = models.CharField(_("archive note"), max_length=500, blank=True)
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    # The class of the latest approved review, kept by the approval service.
    poverty_class = models.CharField(
        _("poverty class"), max_length=16, choices=PovertyClass.choices, blank=True
    )
    poverty_class_year = models.PositiveSmallIntegerField(_("year of the poverty class"), null=True, blank=True)
    # Code and member names folded to plain lowercase ASCII for diacritic-blind search.
    search_text = models.TextField(editable=False, blank=True)
    # Bumped by every change to the household or its members; the ETag of the detail view.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["search_text", "version", "updated_at"])

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["residence"], name="household_residence_idx"),
            models.Index(fields=["ethnic_minority"], name="household_ethnic_idx"),
            models.Index(fields=["status"], name="household_status_idx"),
            models.Index(fields=["updated_at"], name="household_updated_idx"),
            models.Index(fields=["poverty_class"], name="household_class_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="active") & Q(archive_reason=""))
                | (Q(status="archived") & ~Q(archive_reason="")),
                name="household_archived_has_reason",
                violation_error_message=_("An archived household has a reason; an active one has none."),
            )
        ]

    def __str__(self):
        return self.code


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "household__area__path")

    def active(self):
        return self.filter(status=Member.Status.ACTIVE)


class Member(models.Model):
    class Sex(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class Relationship(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", pgettext_lazy("relationship to the head", "parent")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other")

    class EducationLevel(models.TextChoices):
        NONE = "none", _("no schooling")
        PRIMARY = "primary", _("primary")
        LOWER_SECONDARY = "lower_secondary", _("lower secondary")
        UPPER_SECONDARY = "upper_secondary", _("upper secondary")
        VOCATIONAL = "vocational", _("vocational")
        TERTIARY = "tertiary", _("college or university")

    class Employment(models.TextChoices):
        WITH_CONTRACT = "employed_with_contract", _("employed with a labour contract")
        WITHOUT_CONTRACT = "employed_without_contract", _("employed without a labour contract")
        SELF_EMPLOYED = "self_employed", _("self-employed")
        UNEMPLOYED = "unemployed", _("unemployed")
        STUDENT = "student", _("student")
        NOT_IN_LABOUR_FORCE = "not_in_labour_force", _("not in the labour force")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        ARCHIVED = "archived", _("archived")

    class ArchiveReason(models.TextChoices):
        MOVED_OUT = "moved_out", _("moved out of the household")
        DECEASED = "deceased", _("deceased")
        RECORDED_IN_ERROR = "recorded_in_error", _("recorded in error")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=128)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    national_id = models.CharField(_("national ID"), max_length=12, null=True, blank=True)
    relationship = models.CharField(
        _("relationship to the head"), max_length=16, choices=Relationship.choices
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=64, blank=True)
    has_health_insurance = models.BooleanField(_("has health insurance"), default=False)
    disability = models.BooleanField(_("has a disability"), default=False)
    education_level = models.CharField(
        _("education level"), max_length=16, choices=EducationLevel.choices, blank=True
    )
    employment = models.CharField(
        _("employment"), max_length=32, choices=Employment.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    archive_reason = models.CharField(
        _("archive reason"), max_length=24, choices=ArchiveReason.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["created_at"], name="member_created_idx"),
            models.Index(fields=["updated_at"], name="member_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(national_id__isnull=False),
                name="member_national_id_unique",
                violation_error_message=_("This national ID is already used by another member."),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship="head", status="active"),
                name="household_one_active_head",
                violation_error_message=_("A household has exactly one head."),
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(archive_reason=""))
                | (Q(status="archived") & ~Q(archive_reason="")),
                name="member_archived_has_reason",
                violation_error_message=_("An archived member has a reason; an active one has none."),
            ),
        ]

    def __str__(self):
        return self.full_name


class Transition(models.TextChoices):
    """How an approved review moved a household from its previous approved review (the
    categories of the annual summary, Decision 24/2021/QĐ-TTg)."""

    FIRST_REVIEW = "first_review", _("first review")
    NEWLY_POOR = "newly_poor", _("newly poor")
    RELAPSED_POOR = "relapsed_poor", _("relapsed into poverty")
    REMAINED_POOR = "remained_poor", _("remained poor")
    ESCAPED_TO_NEAR_POOR = "escaped_to_near_poor", _("escaped poverty to near-poor")
    ESCAPED_ABOVE_NEAR_POOR = "escaped_above_near_poor", _("escaped poverty above near-poor")
    NEWLY_NEAR_POOR = "newly_near_poor", _("newly near-poor")
    RELAPSED_NEAR_POOR = "relapsed_near_poor", _("relapsed into near-poverty")
    REMAINED_NEAR_POOR = "remained_near_poor", _("remained near-poor")
    ESCAPED_NEAR_POVERTY = "escaped_near_poverty", _("escaped near-poverty")
    REMAINED_NON_POOR = "remained_non_poor", _("remained above near-poor")
    # The first review judged by a new standard: a new baseline, not an escape or a relapse
    # (the lines moved, not the household).
    NEW_STANDARD = "new_standard", _("first review under a new standard")


# The transitions that take a household out of poverty.
ESCAPES = frozenset({Transition.ESCAPED_TO_NEAR_POOR, Transition.ESCAPED_ABOVE_NEAR_POOR})


class PovertyStandardQuerySet(models.QuerySet):
    def visible_to(self, user):
        # National reference data: every signed-in user reads every standard.
        return self if (user and user.is_authenticated) else self.none()

    def for_year(self, year: int):
        return self.filter(first_year__lte=year, last_year__gte=year)


class PovertyStandard(models.Model):
    """A multidimensional poverty standard: income lines, the average-living ceiling and its
    own indicators. Data, not code: a new decree is a new row."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    first_year = models.PositiveSmallIntegerField(_("first review year"))
    last_year = models.PositiveSmallIntegerField(_("last review year"))
    rural_line = models.PositiveBigIntegerField(_("rural income line (VND/person/month)"))
    urban_line = models.PositiveBigIntegerField(_("urban income line (VND/person/month)"))
    rural_ceiling = models.PositiveBigIntegerField(
        _("rural average-living ceiling (VND/person/month)"), null=True, blank=True
    )
    urban_ceiling = models.PositiveBigIntegerField(
        _("urban average-living ceiling (VND/person/month)"), null=True, blank=True
    )
    poor_min_deprivations = models.PositiveSmallIntegerField(
        _("deprivations that make an income-poor household poor"), default=3
    )
    provisional = models.BooleanField(_("provisional"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = PovertyStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("poverty standard")
        verbose_name_plural = _("poverty standards")
        ordering = ["first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_year__lte=F("last_year")),
                name="standard_years_in_order",
                violation_error_message=_("The first year is not after the last."),
            ),
            models.CheckConstraint(
                condition=(Q(rural_ceiling__isnull=True) & Q(urban_ceiling__isnull=True))
                | (Q(rural_ceiling__gte=F("rural_line")) & Q(urban_ceiling__gte=F("urban_line"))),
                name="standard_ceilings_above_lines",
                violation_error_message=_("Both ceilings are given, each at or above its line, or neither."),
            ),
        ]

    def __str__(self):
        return self.code

    def indicator_name(self, code: str) -> str:
        """The indicator's name in the active language (Vietnamese unless English is asked for),
        from the standard's indicators, read once per instance."""
        names = self.__dict__.get("_indicator_names")
        if names is None:
            names = self.__dict__["_indicator_names"] = {i.code: (i.name_vi, i.name_en) for i in self.indicators.all()}
        vi, en = names.get(code, (code, code))
        return en if (get_language() or "vi").startswith("en") else vi

    def line_for(self, residence: str) -> int:
        return self.urban_line if residence == Residence.URBAN else self.rural_line

    def ceiling_for(self, residence: str) -> int | None:
        return self.urban_ceiling if residence == Residence.URBAN else self.rural_ceiling


class Indicator(models.Model):
    standard = models.ForeignKey(
        PovertyStandard, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("standard")
    )
    code = models.CharField(_("code"), max_length=32)
    dimension = models.CharField(_("dimension"), max_length=64)
    name_vi = models.CharField(_("name in Vietnamese"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["standard", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="indicator_code_unique_in_standard")
        ]

    def __str__(self):
        return self.code


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_area(self, user, "household__area__path")

    def approved(self):
        return self.filter(status=Review.Status.APPROVED)

    def chronological(self):
        return self.order_by("household_id", "year", "reviewed_on", "approved_at", "id")


class Review(models.Model):
    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("periodic (September–December)")
        REGULAR = "regular", _("regular (on the household's request)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        SUPERSEDED = "superseded", _("superseded by a correction")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("household")
    )
    year = models.PositiveSmallIntegerField(_("review year"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reviewed_on = models.DateField(_("reviewed on"))
    income_per_capita = models.PositiveBigIntegerField(_("income per person per month (VND)"))
    deprivations = models.JSONField(_("deprivations"), default=list, blank=True)
    # Computed by the service when the review is recorded, and kept: an approved review is the
    # record of a recognition decision, whatever later corrections to the standard say.
    standard = models.ForeignKey(
        PovertyStandard, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("standard")
    )
    residence = models.CharField(_("residence"), max_length=8, choices=Residence.choices)
    deprivation_count = models.PositiveSmallIntegerField(_("deprivation count"))
    poverty_class = models.CharField(_("poverty class"), max_length=16, choices=PovertyClass.choices)
    explanation = models.TextField(_("explanation"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    transition = models.CharField(_("transition"), max_length=32, choices=Transition.choices, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name=_("corrects"),
    )
    decision_number = models.CharField(_("recognition decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("recognition decision date"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("poverty review")
        verbose_name_plural = _("poverty reviews")
        indexes = [
            models.Index(fields=["household", "year", "reviewed_on"], name="review_household_year_idx"),
            models.Index(fields=["year", "status"], name="review_year_status_idx"),
            models.Index(fields=["poverty_class"], name="review_class_idx"),
            models.Index(fields=["transition"], name="review_transition_idx"),
            models.Index(fields=["created_at"], name="review_created_idx"),
        ]
        constraints = [
            # Decision 24/2021/QĐ-TTg: one periodic review a household a year (a correction
            # supersedes the review it corrects, which then no longer counts).
            models.UniqueConstraint(
                fields=["household", "year"],
                condition=Q(kind="periodic", corrects__isnull=True) & ~Q(status="superseded"),
                name="review_one_periodic_per_year",
                violation_error_message=_("This household already has a periodic review for this year."),
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | (Q(approved_at__isnull=False) & ~Q(transition="")),
                name="review_approved_has_approval_and_transition",
            ),
        ]

    def __str__(self):
        return f"{self.household_id} {self.year} {self.kind}"


UNCLASSIFIED = "unclassified"


class HouseholdYear(models.Model):
    """A household's standing at the end of one year: the class of its latest approved review
    of that year or before (`unclassified` if none), and what its reviews of the year said.
    Derived from the register by `households.tallies`, never edited; no row for a year the
    household was archived before the end of."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    path = models.CharField(max_length=128, db_index=True)
    # The household's former commune's path (FormerUnit.path), "" if none: reports by former unit.
    former_path = models.CharField(max_length=64, db_index=True, blank=True, default="")
    residence = models.CharField(max_length=8)
    ethnic_minority = models.BooleanField()
    poverty_class = models.CharField(max_length=16)
    # The standard that judged that class: a class is compared only with classes of the same
    # standard (null: unclassified).
    standard = models.ForeignKey(PovertyStandard, on_delete=models.PROTECT, null=True, related_name="+")
    deprivations = models.JSONField(default=list)
    # Transition codes of the approved reviews of this year, in order.
    transitions = models.JSONField(default=list)
    escaped = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="household_year_once")]
        indexes = [models.Index(fields=["year", "poverty_class"], name="household_year_class_idx")]


class AreaTally(models.Model):
    """HouseholdYear rows counted per commune (depth 2) and per province (depth 1), year,
    residence and ethnic-minority flag. Kept current on every change to a commune's
    households, so the country's report sums 34 provinces' rows and a province's reads its
    own, instead of counting millions of households. `measure` is `class`, `transition`,
    `deprivation` (poor households), `reviews`, `escaped`, or `observed`/`still_out` (code:
    years after the escape)."""

    path = models.CharField(max_length=128)
    depth = models.PositiveSmallIntegerField()
    year = models.PositiveSmallIntegerField()
    residence = models.CharField(max_length=8)
    ethnic_minority = models.BooleanField()
    measure = models.CharField(max_length=16)
    code = models.CharField(max_length=32)
    households = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["path", "year"], name="area_tally_path_idx"),
            models.Index(fields=["depth", "year"], name="area_tally_depth_idx"),
            # A province's communes (depth 2, a year, a measure, the path's prefix) without
            # scanning the communes of the whole country; the pattern class serves LIKE 'S01/%'.
            models.Index(fields=["depth", "year", "measure", "path"], name="area_tally_children_idx",
                         opclasses=["int2_ops", "int2_ops", "text_ops", "varchar_pattern_ops"]),
        ]


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries that read a household of the caller's area."""
        return self.filter(Exists(AccessLogEntry.households.through.objects.filter(
            accesslogentry_id=OuterRef("pk"),
            household__in=in_area(Household.objects.all(), user, "area__path"))))


class AccessLogEntry(models.Model):
    """One response that showed whole national ID numbers: who, when, through which endpoint,
    and the households whose members' numbers it showed (Decree 13/2023/NĐ-CP on personal
    data: processing of sensitive data is logged). Written by `households.personal_data`."""

    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+",
                             verbose_name=_("user"))
    method = models.CharField(_("method"), max_length=8)
    endpoint = models.CharField(_("endpoint"), max_length=500)
    households = models.ManyToManyField(Household, related_name="+", verbose_name=_("households"))

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["at", "id"], name="access_log_at_idx"),
            models.Index(fields=["user", "at"], name="access_log_user_idx"),
        ]
