import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from povertycase.access import in_area
from povertycase.accounts.models import User


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is its owner's; managers and admins also see the jobs of their area's users."""
        if not (user is not None and user.is_authenticated and user.is_active):
            return self.none()
        own = self.filter(owner_id=user.pk) if user.pk else self.none()
        if user.role not in User.MANAGERS:
            return own
        return own | in_area(self, user, "area__path")

    def finished(self):
        return self.filter(state__in=Job.FINISHED)


class Job(models.Model):
    """Work too long for one request (a large import, re-classifying drafts, a year's figures),
    run by a Celery worker, or in the web process when no broker is configured. The work is
    one transaction: it is written whole with the job's success, or not at all."""

    class Kind(models.TextChoices):
        STANDARD_CORRECTION = "standard_correction", _("poverty standard correction")
        HOUSEHOLD_IMPORT = "household_import", _("household import")
        REVIEW_IMPORT = "review_import", _("review import")
        AREA_APPROVAL = "area_approval", _("approval of an area's draft reviews")
        YEAR_FIGURES = "year_figures", _("building the report figures")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    FINISHED = (State.SUCCEEDED, State.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="jobs",
                              help_text=_("Who started the job; empty for the scheduler."))
    area = models.ForeignKey("households.Area", verbose_name=_("area"), on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+",
                             help_text=_("The owner's area when the job started: who else may see the job."))
    # The owner's language: a job's messages read as the request's would have.
    language = models.CharField(_("language"), max_length=8)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # An uploaded file waiting for its import; emptied when the job finishes (it holds personal data).
    upload = models.BinaryField(_("uploaded file"), null=True, blank=True)
    upload_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    # One job per scheduled piece of work (`year_figures:2027`): a second start finds the first.
    key = models.CharField(_("key"), max_length=64, null=True, blank=True, unique=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    errors = models.JSONField(_("errors"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["owner", "created_at"], name="job_owner_created_idx"),
                   models.Index(fields=["created_at", "id"], name="job_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk}"
