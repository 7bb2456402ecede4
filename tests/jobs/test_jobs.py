"""Long work runs as a background job: the request answers 202 with the job's URL, and the job
says how it went. With no broker configured (as here) the job runs in the web process, so it
has finished when the 202 comes; tests/jobs/test_worker.py runs jobs on a real worker."""

import pytest

from households.jobs import year_figures_start
from households.models import Household, PovertyStandard, Review
from povertycase.jobs.models import Job
from povertycase.jobs.services import WORK, job_run
from tests.factories import HouseholdFactory
from tests.households.test_imports import REVIEW_HEADER, csv_file, household_rows, post, review_row

STANDARD = "/api/v1/poverty-standards/VN-2022-2025/"
REVIEWS = "/api/v1/reviews/"
IMPORT = "/api/v1/imports/reviews/"
CORRECTION = {"rural_line": 1_700_000, "rural_ceiling": 2_500_000}


def draft(client, household, income=1_600_000, year=2024):
    body = {"household": str(household.id), "year": year, "kind": "periodic", "reviewed_on": f"{year}-10-15",
            "income_per_capita": income, "deprivations": ["health_insurance", "water", "latrine"]}
    response = client.post(REVIEWS, body, format="json")
    assert response.status_code == 201, response.data
    return response.data


def followed(client, response):
    """The job a 202 names, read at its URL."""
    assert response.status_code == 202, response.data
    location = response["Location"]
    assert location == response.data["url"] and location.endswith(f"/api/v1/jobs/{response.data['id']}/")
    job = client.get(location)
    assert job.status_code == 200
    return job.data


@pytest.fixture
def officer(users, client_for):
    return client_for(users["officer"])


@pytest.fixture
def admin(users, client_for):
    return client_for(users["admin"])


@pytest.fixture
def every_size_is_a_job(settings):
    settings.RECLASSIFY_JOB_DRAFTS = 0
    settings.IMPORT_JOB_ROWS = 0
    settings.APPROVAL_JOB_DRAFTS = 0


@pytest.mark.django_db
@pytest.mark.usefixtures("every_size_is_a_job")
class TestStandardCorrection:
    def test_answers_202_and_the_job_reclassifies_the_drafts(self, officer, admin, household):
        review = draft(officer, household)
        assert review["poverty_class"] == "average_living"

        job = followed(admin, admin.patch(STANDARD, CORRECTION, format="json"))

        assert (job["kind"], job["state"], job["owner"], job["area"]) == (
            "standard_correction", "succeeded", "admin", None)
        assert job["result"] == {"standard": "VN-2022-2025", "reclassified": 1}
        assert job["errors"] is None
        assert job["progress"] == {"done": 1, "total": 1}
        assert job["created_at"] <= job["started_at"] <= job["finished_at"]
        assert officer.get(f"{REVIEWS}{review['id']}/").data["poverty_class"] == "poor"
        assert PovertyStandard.objects.get(code="VN-2022-2025").rural_line == 1_700_000

    def test_below_the_threshold_the_request_does_it(self, officer, admin, household, settings):
        settings.RECLASSIFY_JOB_DRAFTS = 1
        draft(officer, household)
        response = admin.patch(STANDARD, CORRECTION, format="json")
        assert response.status_code == 200 and response.data["rural_line"] == 1_700_000
        assert not Job.objects.exists()

    def test_refused_by_the_rules_the_job_fails_naming_the_field(self, officer, admin, household):
        review = draft(officer, household)
        job = followed(admin, admin.patch(STANDARD, {"last_year": 2027}, format="json"))

        assert job["state"] == "failed" and job["result"] is None
        assert list(job["errors"]) == ["first_year"] and "overlap" in job["errors"]["first_year"][0]
        assert PovertyStandard.objects.get(code="VN-2022-2025").last_year == 2026
        assert Review.objects.get(pk=review["id"]).version == review["version"]

    def test_bad_shapes_are_refused_before_any_job(self, admin):
        response = admin.patch(STANDARD, {"rural_line": -1}, format="json")
        assert response.status_code == 400 and "rural_line" in response.data
        assert not Job.objects.exists()

    def test_a_failure_after_writing_leaves_nothing_written(self, officer, admin, household, monkeypatch):
        review = draft(officer, household)
        correct = WORK[Job.Kind.STANDARD_CORRECTION]

        def correct_then_fail(job, progress):
            correct(job, progress)
            raise RuntimeError("the worker's disk filled up")

        monkeypatch.setitem(WORK, Job.Kind.STANDARD_CORRECTION, correct_then_fail)
        job = followed(admin, admin.patch(STANDARD, CORRECTION, format="json"))

        assert job["state"] == "failed"
        assert job["errors"] == {"non_field_errors": [
            "The job stopped on an unexpected error; nothing was written. The administrators can find it in the log."]}
        assert PovertyStandard.objects.get(code="VN-2022-2025").rural_line != 1_700_000
        stored = Review.objects.get(pk=review["id"])
        assert (stored.poverty_class, stored.version) == ("average_living", review["version"])

    def test_running_a_finished_job_again_does_nothing(self, officer, admin, household):
        review = draft(officer, household)
        job = followed(admin, admin.patch(STANDARD, CORRECTION, format="json"))
        version = Review.objects.get(pk=review["id"]).version
        history = Review.history.count()

        again = job_run(job_id=job["id"])

        assert again.state == "succeeded"
        assert Review.objects.get(pk=review["id"]).version == version == review["version"] + 1
        assert Review.history.count() == history
        assert admin.get(job["url"]).data == job


@pytest.mark.django_db
@pytest.mark.usefixtures("every_size_is_a_job")
class TestImport:
    def rows(self, households, **extra):
        return [REVIEW_HEADER] + [review_row(h.code, **extra) for h in households]

    def test_a_large_import_is_a_job_with_the_imports_answer(self, officer, areas):
        households = [HouseholdFactory(area=areas["2064101"]) for _ in range(3)]
        job = followed(officer, post(officer, IMPORT, csv_file(self.rows(households))))

        assert (job["kind"], job["state"], job["owner"], job["area"]) == ("review_import", "succeeded", "officer",
                                                                         "20641")
        assert job["result"] == {"rows": 3, "dry_run": False, "created": {"reviews": 3}, "updated": {"reviews": 0},
                                 "unchanged": 0}
        assert job["progress"] == {"done": 3, "total": 3}
        assert Review.objects.count() == 3
        assert Job.objects.get().upload is None  # the file (personal data) is not kept

    def test_importing_the_same_file_again_changes_nothing(self, officer, areas):
        households = [HouseholdFactory(area=areas["2064101"]) for _ in range(2)]
        followed(officer, post(officer, IMPORT, csv_file(self.rows(households))))
        job = followed(officer, post(officer, IMPORT, csv_file(self.rows(households))))
        assert job["result"]["created"] == {"reviews": 0} and job["result"]["unchanged"] == 2
        assert Review.objects.count() == 2

    def test_a_dry_run_job_writes_nothing(self, officer, areas):
        households = [HouseholdFactory(area=areas["2064101"]) for _ in range(2)]
        job = followed(officer, post(officer, IMPORT, csv_file(self.rows(households)), dry_run=True))
        assert job["result"]["dry_run"] is True and job["result"]["created"] == {"reviews": 2}
        assert not Review.objects.exists()

    def test_one_bad_row_fails_the_job_and_writes_nothing(self, officer, areas, settings):
        households = [HouseholdFactory(area=areas["2064101"]) for _ in range(2)]
        rows = self.rows(households) + [review_row(households[0].code, kind="yearly")]
        job = followed(officer, post(officer, IMPORT, csv_file(rows)))

        assert job["state"] == "failed" and job["result"] is None
        assert [(e["row"], e["column"]) for e in job["errors"]["errors"]] == [(4, "kind")]
        assert (job["errors"]["error_count"], job["errors"]["stopped_early"]) == (1, False)
        settings.IMPORT_JOB_ROWS = 5000
        in_the_request = post(officer, IMPORT, csv_file(rows))
        assert in_the_request.status_code == 400 and in_the_request.data == job["errors"]
        assert not Review.objects.exists()
        assert Job.objects.get().upload is None

    def test_a_large_household_import_is_a_job_too(self, officer, areas):
        job = followed(officer, post(officer, "/api/v1/imports/households/", csv_file(household_rows())))

        assert (job["kind"], job["state"]) == ("household_import", "succeeded")
        assert job["result"] == {"rows": 3, "dry_run": False, "created": {"households": 2, "members": 3},
                                 "updated": {}, "unchanged": 0}
        assert Household.objects.filter(code="QS-001").exists()

    def test_a_file_refused_as_a_whole_is_a_400_not_a_job(self, officer, settings):
        settings.IMPORT_MAX_ROWS = 1
        response = post(officer, IMPORT, csv_file([REVIEW_HEADER, review_row("1"), review_row("2")]))
        assert response.status_code == 400 and response.data["errors"][0]["row"] == 0
        assert not Job.objects.exists()

    def test_small_files_are_still_imported_in_the_request(self, officer, areas, settings):
        settings.IMPORT_JOB_ROWS = 5000
        households = [HouseholdFactory(area=areas["2064101"]) for _ in range(2)]
        response = post(officer, IMPORT, csv_file(self.rows(households)))
        assert response.status_code == 200 and response.data["created"] == {"reviews": 2}
        assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("every_size_is_a_job")
def test_a_large_area_approval_is_a_job(officer, users, client_for, household):
    review = draft(officer, household, income=1_200_000)
    manager = client_for(users["manager"])
    body = {"area": "20641", "year": 2024, "decision_number": "125/QĐ-UBND", "decision_date": "2024-12-20"}

    job = followed(manager, manager.post(f"{REVIEWS}approve/", body, format="json"))

    assert (job["kind"], job["state"], job["result"]) == ("area_approval", "succeeded", {"approved": 1})
    assert Review.objects.get(pk=review["id"]).status == "approved"


@pytest.mark.django_db
class TestScope:
    @pytest.fixture
    def job(self, officer, areas, settings):
        settings.IMPORT_JOB_ROWS = 0
        rows = [REVIEW_HEADER, review_row(HouseholdFactory(area=areas["2064101"]).code)]
        return followed(officer, post(officer, IMPORT, csv_file(rows)))

    @pytest.mark.parametrize("who, sees", [("officer", True), ("manager", True), ("admin48", True), ("admin", True),
                                           ("viewer", False), ("hanoi", False)])
    def test_owner_and_the_managers_of_its_area_see_a_job(self, job, users, client_for, who, sees):
        client = client_for(users[who])
        assert client.get(job["url"]).status_code == (200 if sees else 404)
        assert [j["id"] for j in client.get("/api/v1/jobs/").data["results"]] == ([job["id"]] if sees else [])

    def test_signed_out_callers_are_refused(self, job, client):
        assert client.get(job["url"]).status_code == 401

    def test_the_schedulers_job_is_the_country_admins(self, users, client_for):
        job = year_figures_start(year=2026)
        assert year_figures_start(year=2026) == job  # one job a year, however often asked
        assert (job.state, job.owner, job.result["year"]) == ("succeeded", None, 2026)
        assert client_for(users["admin"]).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
        assert client_for(users["admin48"]).get(f"/api/v1/jobs/{job.pk}/").status_code == 404


@pytest.mark.django_db
class TestList:
    def test_filters_and_bad_filters(self, users, client_for, officer, areas, settings):
        settings.IMPORT_JOB_ROWS = 0
        household = HouseholdFactory(area=areas["2064101"])
        post(officer, IMPORT, csv_file([REVIEW_HEADER, review_row(household.code)]))
        post(officer, IMPORT, csv_file([REVIEW_HEADER, review_row(household.code, kind="yearly")]))

        def states(query):
            return [j["state"] for j in officer.get(f"/api/v1/jobs/?{query}").data["results"]]

        assert states("") == ["failed", "succeeded"]  # newest first
        assert states("state=failed") == ["failed"]
        assert states("kind=household_import") == []
        bad = officer.get("/api/v1/jobs/?state=done")
        assert bad.status_code == 400 and list(bad.data) == ["state"]

    def test_list_cost_does_not_grow_with_jobs(self, users, client_for, django_assert_max_num_queries):
        for year in range(2000, 2030):
            year_figures_start(year=year)
        with django_assert_max_num_queries(3):
            response = client_for(users["admin"]).get("/api/v1/jobs/?page_size=500")
        assert len(response.data["results"]) == 30

    def test_jobs_are_read_only(self, admin):
        job = year_figures_start(year=2026)
        assert admin.patch(f"/api/v1/jobs/{job.pk}/", {"state": "queued"}, format="json").status_code == 405
        assert admin.delete(f"/api/v1/jobs/{job.pk}/").status_code == 405
        assert admin.post("/api/v1/jobs/", {}, format="json").status_code == 405


@pytest.mark.django_db
def test_the_years_figures_once_built_are_not_built_again_but_a_failure_is_retried(monkeypatch):
    rebuild = WORK[Job.Kind.YEAR_FIGURES]

    def broken(job, progress):
        raise RuntimeError("out of disk")

    monkeypatch.setitem(WORK, Job.Kind.YEAR_FIGURES, broken)
    failed = year_figures_start(year=2026)
    monkeypatch.setitem(WORK, Job.Kind.YEAR_FIGURES, rebuild)
    retried = year_figures_start(year=2026)

    assert (failed.state, retried.state) == ("failed", "succeeded") and retried.pk != failed.pk
    assert year_figures_start(year=2026).pk == retried.pk
    assert Job.objects.count() == 2

