import uuid

from celery import shared_task

from povertycase.jobs.services import job_run


@shared_task(name="povertycase.jobs.run", ignore_result=True)
def run(job_id: str) -> None:
    job_run(job_id=uuid.UUID(job_id))
