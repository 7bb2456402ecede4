# Loaded with Django, so jobs started by the web process find the Celery application.
from povertycase.celery import app as celery_app

__all__ = ["celery_app"]
