#!/bin/sh
# Runs povertycase in production, in the Docker image or on a plain host:
#   entrypoint.sh [serve]         gunicorn on GUNICORN_BIND (default 0.0.0.0:8000)
#   entrypoint.sh migrate         apply the migrations (once per release, before serve)
#   entrypoint.sh collectstatic   write the static files to STATIC_ROOT
#   entrypoint.sh healthcheck     exit 0 if GET /api/v1/health/ answers 200 (the image's check)
#   entrypoint.sh worker          a Celery worker: runs the background jobs (needs CELERY_BROKER_URL)
#   entrypoint.sh beat            the Celery scheduler: starts the scheduled jobs (run exactly one)
#   entrypoint.sh manage ARGS     any manage.py command (createsuperuser, load_official_areas, ...)
# Settings come from the environment or .env (povertycase/settings.py, .env.example).
set -eu
cd "$(dirname "$0")/.."

# Outside a container, the project's .venv when there is one.
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

command=${1:-serve}
if [ $# -gt 0 ]; then shift; fi

case "$command" in
    serve)
        # The timeout leaves room for a large import posted through the API; the reverse
        # proxy's own timeout should be at least as long. No control socket: it is not used,
        # and its default path (~/.gunicorn/gunicorn.ctl) is shared by every instance of a user.
        exec "$PYTHON" -m gunicorn povertycase.wsgi:application \
            --bind "${GUNICORN_BIND:-0.0.0.0:8000}" \
            --workers "${GUNICORN_WORKERS:-3}" \
            --timeout "${GUNICORN_TIMEOUT:-120}" \
            --access-logfile - \
            --no-control-socket \
            "$@"
        ;;
    migrate)
        exec "$PYTHON" manage.py migrate --noinput "$@"
        ;;
    collectstatic)
        exec "$PYTHON" manage.py collectstatic --noinput "$@"
        ;;
    healthcheck)
        # python:3.11-slim has no curl. The request names the first allowed host, so the check
        # passes whatever ALLOWED_HOSTS says; urlopen raises (exit 1) on anything but 2xx.
        exec "$PYTHON" -c '
import os, urllib.request
port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/health/",
                                 headers={"Host": host if host not in ("", "*") else "localhost"})
urllib.request.urlopen(request, timeout=5)
'
        ;;
    worker)
        # One job at a time per process (each is one long transaction); more processes: --concurrency.
        exec "$PYTHON" -m celery -A povertycase worker --loglevel "${LOG_LEVEL:-INFO}" "$@"
        ;;
    beat)
        # Beat keeps the times it last ran each schedule in a file: /tmp, the image's one
        # writable place (a lost file only means the schedule is read afresh).
        exec "$PYTHON" -m celery -A povertycase beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" "$@"
        ;;
    manage)
        exec "$PYTHON" manage.py "$@"
        ;;
    *)
        echo "usage: $0 [serve|migrate|collectstatic|healthcheck|worker|beat|manage ARGS...]" >&2
        exit 2
        ;;
esac
