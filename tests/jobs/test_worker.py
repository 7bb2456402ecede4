"""Jobs on a real Celery worker with Redis as the broker, as production runs them: the request
only queues the job; the worker, in its own thread with its own database connection, runs it.
Runs on PostgreSQL with Redis at CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/15);
elsewhere it skips, saying why (.ci/run sets JOBS_WORKER_REQUIRED=1: there it fails instead)."""

import os
import threading
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection, connections

from households.jobs import year_figures_start
from households.models import PovertyStandard, Review
from povertycase.celery import app
from povertycase.jobs.models import Job
from povertycase.jobs.services import WORK
from povertycase.jobs.tasks import run
from tests.factories import HouseholdFactory
from tests.households.test_imports import REVIEW_HEADER, csv_file, post, review_row
from tests.jobs.test_jobs import CORRECTION, STANDARD, draft

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db(transaction=True)


def _not_here() -> str | None:
    if connection.vendor != "postgresql":
        return "the real-worker job tests run on PostgreSQL (set DATABASE_URL); this run is on SQLite"
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"Redis is unreachable at {BROKER} ({error}): the real-worker job tests need it"
    return None


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reason = _not_here()
    if reason:
        if os.environ.get("JOBS_WORKER_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)
    # A queue of this run's own: another test run on the same Redis cannot take its jobs.
    queue = f"povertycase-test-{uuid.uuid4().hex}"
    # The CELERY_ names of settings.py: the app's configuration reads those first.
    changes = {"CELERY_BROKER_URL": BROKER, "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_TASK_DEFAULT_QUEUE": queue}
    saved = {key: app.conf[key.removeprefix("CELERY_").lower()] for key in changes}
    app.conf.update(changes)
    assert (app.conf.broker_url, app.conf.task_always_eager) == (BROKER, False)
    database = connections.settings["default"]
    max_age = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 0  # the worker thread closes its connection after each task
    try:
        # One worker for the module: stopping one takes about ten seconds.
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            yield
    finally:
        database["CONN_MAX_AGE"] = max_age
        app.conf.update(saved)
        redis.Redis.from_url(BROKER).delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def finished(client, url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url).data
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"The job did not finish within {timeout} s: {job}")


@pytest.fixture
def officer(users, client_for):
    return client_for(users["officer"])


@pytest.fixture
def every_size_is_a_job(settings):
    settings.RECLASSIFY_JOB_DRAFTS = 0
    settings.IMPORT_JOB_ROWS = 0


@pytest.mark.usefixtures("every_size_is_a_job")
def test_the_worker_runs_a_standard_correction(worker, officer, users, client_for, household, monkeypatch):
    admin = client_for(users["admin"])
    review = draft(officer, household)
    correct, threads = WORK[Job.Kind.STANDARD_CORRECTION], []

    def correct_and_tell(job, progress):
        threads.append(threading.get_ident())
        return correct(job, progress)

    monkeypatch.setitem(WORK, Job.Kind.STANDARD_CORRECTION, correct_and_tell)
    response = admin.patch(STANDARD, CORRECTION, format="json")

    assert response.status_code == 202
    job = finished(admin, response["Location"])
    assert threads and threads[0] != threading.get_ident()  # the worker's thread, not the request's
    assert (job["state"], job["result"], job["progress"]) == (
        "succeeded", {"standard": "VN-2022-2025", "reclassified": 1}, {"done": 1, "total": 1})
    assert officer.get(f"/api/v1/reviews/{review['id']}/").data["poverty_class"] == "poor"


@pytest.mark.usefixtures("every_size_is_a_job")
def test_a_failed_import_on_the_worker_writes_nothing(worker, officer, areas):
    households = [HouseholdFactory(area=areas["2064101"]) for _ in range(2)]
    rows = [REVIEW_HEADER, *(review_row(h.code) for h in households), review_row("nobody")]

    job = finished(officer, post(officer, "/api/v1/imports/reviews/", csv_file(rows))["Location"])

    assert job["state"] == "failed" and job["errors"]["error_count"] == 1
    assert not Review.objects.exists()
    assert Job.objects.get().upload is None


@pytest.mark.usefixtures("every_size_is_a_job")
def test_a_job_delivered_twice_runs_once(worker, officer, users, client_for, household):
    review = draft(officer, household)
    response = client_for(users["admin"]).patch(STANDARD, CORRECTION, format="json")
    run.delay(response.data["id"])  # as if the broker delivered it again, while it runs or after

    job = finished(client_for(users["admin"]), response["Location"])
    time.sleep(1)  # time for the second delivery to be taken and found finished

    assert job["state"] == "succeeded"
    assert Review.objects.get(pk=review["id"]).version == review["version"] + 1
    assert Review.history.filter(id=review["id"]).count() == 2  # recorded, re-classified once
    assert PovertyStandard.objects.get(code="VN-2022-2025").rural_line == CORRECTION["rural_line"]


def test_progress_shows_while_the_job_runs(worker, users, client_for, monkeypatch):
    def slow(job, progress):
        for _ in range(3):
            progress(5)
            time.sleep(1.1)
        return {"year": 2026, "households": 15}

    monkeypatch.setitem(WORK, Job.Kind.YEAR_FIGURES, slow)
    admin = client_for(users["admin"])
    url = f"/api/v1/jobs/{year_figures_start(year=2026).pk}/"
    seen = []
    while not seen or seen[-1][0] not in ("succeeded", "failed"):
        job = admin.get(url).data
        seen.append((job["state"], job["progress"]["done"]))
        time.sleep(0.2)

    assert any(state == "running" and 0 < done < 15 for state, done in seen), seen
    assert seen[-1] == ("succeeded", 15)
