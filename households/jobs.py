"""The register's long work as background jobs (povertycase/jobs). Each `*_or_start` function
does the work in the request when it is small, as before, and starts a job when it is over
its size (settings: IMPORT_JOB_ROWS, RECLASSIFY_JOB_DRAFTS, APPROVAL_JOB_DRAFTS). A job runs
through the same services as the request, in one transaction, as the job's owner."""

from datetime import date
from itertools import islice

from django.conf import settings

from households import services, tallies
from households.imports import ImportRejected, ImportResult, households_import, read_table, reviews_import
from households.models import Area, Household, PovertyStandard, Review
from povertycase.access import SYSTEM
from povertycase.jobs.models import Job
from povertycase.jobs.services import JobFailed, job_start, work

IMPORTS = {Job.Kind.HOUSEHOLD_IMPORT: households_import, Job.Kind.REVIEW_IMPORT: reviews_import}


def _owner(job: Job):
    return job.owner if job.owner_id else SYSTEM


def _drafts(reviews):
    return reviews.filter(status=Review.Status.DRAFT)


# Correcting a poverty standard -------------------------------------------------------------


def standard_update_or_start(*, standard: PovertyStandard, by, changes: dict) -> PovertyStandard | Job:
    """Corrects the standard and re-classifies its drafts, or starts a job that does both when
    there are more drafts than RECLASSIFY_JOB_DRAFTS (until it succeeds the standard is as it was)."""
    drafts = _drafts(standard.reviews.all()).count()
    if drafts <= settings.RECLASSIFY_JOB_DRAFTS:
        return services.standard_update(standard=standard, by=by, changes=changes)
    return job_start(by=by, kind=Job.Kind.STANDARD_CORRECTION, total=drafts,
                     parameters={"standard": standard.code, "changes": changes})


@work(Job.Kind.STANDARD_CORRECTION)
def _standard_correction(job: Job, progress) -> dict:
    standard = PovertyStandard.objects.get(code=job.parameters["standard"])
    drafts = _drafts(standard.reviews.all()).count()
    services.standard_update(standard=standard, by=_owner(job), changes=job.parameters["changes"])
    progress(drafts)
    return {"standard": standard.code, "reclassified": drafts}


# Imports -----------------------------------------------------------------------------------


def import_refusal(rejected: ImportRejected) -> dict:
    """What a refused import answers, in the request (400) and on its job (`errors`)."""
    return {"errors": [e.__dict__ for e in rejected.errors[:settings.IMPORT_MAX_LISTED_ERRORS]],
            "error_count": rejected.count, "stopped_early": not rejected.complete}


def _table(data: bytes, filename: str):
    return read_table(data, filename, max_rows=settings.IMPORT_MAX_ROWS,
                      max_unpacked=settings.IMPORT_MAX_UNCOMPRESSED_BYTES)


def import_or_start(*, kind: str, by, data: bytes, filename: str, dry_run: bool) -> ImportResult | Job:
    """Imports (or checks, in a dry run) a file of up to IMPORT_JOB_ROWS rows here; a longer
    one is kept on a job that imports it. Raises ImportRejected for a file refused at once."""
    header, rows = _table(data, filename)
    first = list(islice(rows, settings.IMPORT_JOB_ROWS + 1))
    if len(first) <= settings.IMPORT_JOB_ROWS:
        return IMPORTS[kind](header, first, by=by, dry_run=dry_run)
    return job_start(by=by, kind=kind, parameters={"dry_run": dry_run}, upload=data, upload_name=filename)


@work(Job.Kind.HOUSEHOLD_IMPORT)
@work(Job.Kind.REVIEW_IMPORT)
def _import(job: Job, progress) -> dict:
    try:
        header, rows = _table(bytes(job.upload), job.upload_name)
        result = IMPORTS[job.kind](header, rows, by=_owner(job), dry_run=job.parameters["dry_run"],
                                   progress=progress)
    except ImportRejected as rejected:
        raise JobFailed(import_refusal(rejected)) from None
    return {"rows": result.rows, "dry_run": result.dry_run, "created": dict(result.created),
            "updated": dict(result.updated), "unchanged": result.unchanged}


# Approving an area's drafts ----------------------------------------------------------------


def area_approval_or_start(*, by, reviews, area: Area, year: int, decision_number: str,
                           decision_date: date) -> int | Job:
    """Approves the area's drafts of the year (returns how many), or starts a job that does
    when there are more than APPROVAL_JOB_DRAFTS."""
    drafts = _drafts(reviews).filter(year=year, household__area__path__startswith=area.path).count()
    if drafts <= settings.APPROVAL_JOB_DRAFTS:
        return services.reviews_approve_in_area(by=by, reviews=reviews, area=area, year=year,
                                                decision_number=decision_number, decision_date=decision_date)
    return job_start(by=by, kind=Job.Kind.AREA_APPROVAL, total=drafts, parameters={
        "area": area.code, "year": year, "decision_number": decision_number,
        "decision_date": decision_date.isoformat()})


@work(Job.Kind.AREA_APPROVAL)
def _area_approval(job: Job, progress) -> dict:
    owner, parameters = _owner(job), job.parameters
    approved = services.reviews_approve_in_area(
        by=owner, reviews=Review.objects.visible_to(owner), area=Area.objects.get(code=parameters["area"]),
        year=parameters["year"], decision_number=parameters["decision_number"],
        decision_date=date.fromisoformat(parameters["decision_date"]))
    progress(approved)
    return {"approved": approved}


# The report figures of a new year ------------------------------------------------------------


def year_figures_start(*, year: int) -> Job:
    """The scheduler's job on 1 January: the figures rebuilt with the new year's rows. One job
    a year, however often it is asked for."""
    return job_start(by=SYSTEM, kind=Job.Kind.YEAR_FIGURES, parameters={"year": year},
                     total=Household.objects.count(), key=f"year_figures:{year}")


@work(Job.Kind.YEAR_FIGURES)
def _year_figures(job: Job, progress) -> dict:
    households = tallies.rebuild(progress=lambda done: progress(done - progress.done))
    return {"year": job.parameters["year"], "households": households}
