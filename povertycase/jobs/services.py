"""Starting and running jobs. A kind of job is a function registered with `@work(kind)` (the
apps keep theirs beside their services: `households/jobs.py`); it gets the job and a
`progress(n)` to call as it goes, does its work through the services, and returns the result.

Running is all-or-nothing and at most once: the work, the result and the state `succeeded`
commit in one transaction, and a run that finds the job finished does nothing, so a task
delivered twice (a worker lost mid-job) cannot do the work twice."""

import logging
import time
import uuid
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail

from povertycase.access import actor
from povertycase.exceptions import exception_handler
from povertycase.jobs.models import Job

logger = logging.getLogger(__name__)

WORK: dict[str, Callable] = {}


class JobFailed(Exception):
    """Raised by a job's work: nothing is written and the job ends failed with these errors,
    the body the request would have answered with."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def work(kind: str):
    def register(function):
        WORK[kind] = function
        return function

    return register


def job_start(*, by, kind: str, parameters: dict, total: int | None = None, upload: bytes | None = None,
              upload_name: str = "", key: str | None = None) -> Job:
    """Records a job and hands it to a worker; with no broker configured it runs here and now.
    With a `key`, a job already started under it is returned instead of a second one, unless
    it failed: then it gives up its key to a new attempt."""
    owner = actor(by)
    if key is not None and (existing := Job.objects.filter(key=key).first()):
        if existing.state != Job.State.FAILED:
            return existing
        Job.objects.filter(pk=existing.pk).update(key=None)
    job = Job.objects.create(kind=kind, owner=owner, area_id=getattr(owner, "area_id", None),
                             language=get_language() or "", parameters=parameters, total=total,
                             upload=upload, upload_name=upload_name, key=key)
    from povertycase.jobs.tasks import run  # here: the tasks module imports this one

    if current_app.conf.task_always_eager:
        job_run(job_id=job.pk)
    else:
        # The worker reads the job from the database: send it once the row is committed.
        transaction.on_commit(lambda: run.delay(str(job.pk)))
    return Job.objects.get(pk=job.pk)


def job_run(*, job_id: uuid.UUID) -> Job:
    """Runs a job unless it has finished; records success or failure. Never raises for the
    job's own failure: the job row says what happened."""
    claimed = Job.objects.filter(pk=job_id).exclude(state__in=Job.FINISHED).update(
        state=Job.State.RUNNING, started_at=timezone.now())
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    progress = _Progress(job)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE), transaction.atomic():
            _wait_for_other_runs(job)
            job.refresh_from_db()
            if job.state in Job.FINISHED:
                return job
            result = WORK[job.kind](job, progress)
            progress.close()
            whole = max(job.total or 0, progress.done)
            Job.objects.filter(pk=job.pk).update(state=Job.State.SUCCEEDED, result=result, done=whole, total=whole,
                                                 finished_at=timezone.now(), upload=None)
    except Exception as error:  # noqa: BLE001 - every failure ends the job; unexpected ones are logged
        progress.close()
        with translation.override(job.language or settings.LANGUAGE_CODE):
            errors = _errors_of(error)
        Job.objects.filter(pk=job.pk).exclude(state=Job.State.SUCCEEDED).update(
            state=Job.State.FAILED, errors=errors, finished_at=timezone.now(), upload=None)
    return Job.objects.get(pk=job.pk)


def _wait_for_other_runs(job: Job) -> None:
    # Two deliveries of one task run one after the other, the second finding the job done.
    # SQLite's transactions already take the write lock when they begin; PostgreSQL takes a
    # lock on the job's id for this transaction (the job row itself stays free for progress).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [job.pk.int & 0x7FFF_FFFF_FFFF_FFFF])


def _errors_of(error: Exception) -> dict:
    if isinstance(error, JobFailed):
        return error.errors
    response = exception_handler(error, {})
    if response is not None:
        return _plain(response.data)
    logger.exception("Job failed on an unexpected error", exc_info=error)
    return {"non_field_errors": [_("The job stopped on an unexpected error; nothing was written. "
                                   "The administrators can find it in the log.")]}


def _plain(data):
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return str(data) if isinstance(data, ErrorDetail) else data


class _Progress:
    """Counts the work done and shows it on the job while the work's transaction is still
    open: on PostgreSQL through a second connection, at most once a second. (SQLite has one
    writer at a time: the count shows when the job ends.)"""

    def __init__(self, job: Job):
        self.job_id, self.done, self.shown_at = job.pk, 0, time.monotonic()
        self.connection = connections.create_connection("default") if connection.vendor == "postgresql" else None

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self.connection is not None and time.monotonic() - self.shown_at >= 1:
            self.shown_at = time.monotonic()
            try:
                with self.connection.cursor() as cursor:
                    # The count is worth no waiting: should the job's row be locked (the job run
                    # inside another transaction), give up showing it rather than wait.
                    cursor.execute("SET lock_timeout = '200ms'")
                    cursor.execute(f"UPDATE {Job._meta.db_table} SET done = %s WHERE id = %s",
                                   [self.done, self.job_id])
            except DatabaseError:
                logger.warning("Job %s: progress not shown", self.job_id, exc_info=True)
                self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

