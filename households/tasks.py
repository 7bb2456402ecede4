from celery import shared_task
from django.utils import timezone

from households.jobs import year_figures_start


@shared_task(name="households.build_year_figures", ignore_result=True)
def build_year_figures() -> None:
    """The scheduler's (celery beat) task on 1 January."""
    year_figures_start(year=timezone.localdate().year)
