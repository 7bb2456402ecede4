"""The Celery application: `celery -A povertycase worker` runs jobs, `celery -A povertycase
beat` starts the scheduled ones. Configured from settings.py (the CELERY_* names); without
CELERY_BROKER_URL every job runs in the web process that starts it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertycase.settings")

app = Celery("povertycase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["povertycase.jobs", "households"])
