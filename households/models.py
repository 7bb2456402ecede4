import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Residence(models.TextChoices):
    # The poverty line differs between rural and urban households (Decree 07/2021 Art. 3).
    RURAL = "rural", _("rural")
    URBAN = "urban", _("urban")


def _scoped(queryset, user, path_field):
    """Rows whose area path starts with the caller's: the one area rule of the project."""
    if not (user and user.is_authenticated):
        return queryset.none()
    if user.area_id is None:
        return queryset if user.role == "admin" else queryset.none()
    return queryset.filter(**{f"{path_field}__startswith": user.area.path})


class AreaQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "path")

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


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "area__path")

    def in_area(self, area):
        return self.filter(area__path__startswith=area.path)

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
        return _scoped(self, user, "household__area__path")

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
        PARENT = "parent", _("parent")
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
