from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from povertycase.fields import IntegerField, ModelSerializer
from povertycase.jobs.models import Job

RESULT = _(
    "What the job did, once it has succeeded (null before, and after a failure). By kind: "
    "`standard_correction` {standard, reclassified: drafts classified again}; `household_import` and "
    "`review_import` what the import answers with 200 {rows, dry_run, created, updated, unchanged}; "
    "`area_approval` {approved: reviews approved}; `year_figures` {year, households: households counted}.")
ERRORS = _(
    "Why the job failed, once it has (null otherwise); nothing of its work was written. The body the "
    "request would have answered with, had it run inside the request: for an import its 400 body "
    "{errors by row and column, error_count, stopped_early}; otherwise each refused field and why, "
    "`{\"field\": [\"message\", ...]}`, `non_field_errors` for what belongs to no one field, or "
    "`{\"detail\": \"...\"}` for a conflict.")


class ProgressSerializer(serializers.Serializer):
    done = IntegerField(help_text=_(
        "Units of work done: rows read for an import, drafts for a correction or an approval, households "
        "for the figures. The work is written in one transaction, so nothing of it shows in the register "
        "before the job succeeds."))
    total = IntegerField(allow_null=True, help_text=_(
        "Units of work in all; null while unknown (an import's rows are counted as it reads them)."))


@extend_schema_field({"type": "object", "additionalProperties": True, "nullable": True})
class JobOutcomeField(serializers.JSONField):
    pass


class JobSerializer(ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="job-detail", help_text=_(
        "Where to read the job again: the URL the 202 answer gave in `Location`."))
    kind = serializers.ChoiceField(choices=Job.Kind.choices, help_text=_(
        "What the job does: `standard_correction` (a poverty standard corrected and its draft reviews "
        "classified again), `household_import` / `review_import` (an import file over IMPORT_JOB_ROWS rows), "
        "`area_approval` (an area's draft reviews approved), `year_figures` (the report figures built for a "
        "new year, by the scheduler on 1 January)."))
    state = serializers.ChoiceField(choices=Job.State.choices, help_text=_(
        "`queued`: waiting for a worker; `running`: at work; `succeeded`: done, its work written and "
        "`result` filled in; `failed`: stopped, nothing written, `errors` says why. A finished job "
        "(succeeded or failed) never runs again."))
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, help_text=_(
        "Who started it: the author recorded for its changes. Null for the scheduler."))
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text=_(
        "The owner's area when it started (null: the whole country). Managers and admins of an area that "
        "covers it see the job too."))
    progress = ProgressSerializer(source="*", help_text=_("How far it has got."))
    result = JobOutcomeField(help_text=RESULT)
    errors = JobOutcomeField(help_text=ERRORS)

    class Meta:
        model = Job
        fields = ["id", "url", "kind", "state", "owner", "area", "progress", "result", "errors", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {
            "created_at": {"help_text": _("When the job was started (queued).")},
            "started_at": {"help_text": _("When a worker last took it up; null while queued.")},
            "finished_at": {"help_text": _("When it succeeded or failed; null before.")},
        }
