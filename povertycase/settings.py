"""Settings for povertycase. Every knob comes from the environment (or a .env file beside
manage.py); nothing else in the code reads the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG on (make run) a fixed key will do; anywhere else the service refuses to start
# without a real one: the key signs sessions, CSRF tokens and password-reset links.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-key" if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
                  or "change-me" in SECRET_KEY):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random string of at least 50 characters (DEBUG is off). One way: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "povertycase.accounts",
    "households",
    "programmes",
    "povertycase.jobs",
    "povertycase.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "households.personal_data.PersonalDataMiddleware",
]

ROOT_URLCONF = "povertycase.urls"
WSGI_APPLICATION = "povertycase.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "povertycase" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "povertycase.web.context.workspace",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait their turn instead of failing with "database is locked": WAL lets
    # readers go on beside one writer, and a transaction takes the write lock when it begins
    # (a deferred one that upgrades later cannot wait, it fails at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })
    # Tests use a file too (not shared-cache memory, whose table locks never wait), so the
    # concurrent-write tests see what production sees.
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default=str(BASE_DIR / "test-db.sqlite3"))}
# Reports read from a replica when DATABASE_REPLICA_URL names one (povertycase/routers.py);
# in tests it mirrors the default database.
if replica_url := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {**env.db_url_config(replica_url), "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
                            "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["povertycase.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:households"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese is the users' language; a client asks for English with Accept-Language: en (the
# browser pages with their language switch).
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="vi")
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "povertycase" / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Without collectstatic (make run), WhiteNoise finds files where the apps keep them.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
# Production serves what collectstatic wrote, compressed and with hashed names; the same
# setting must be in force when collectstatic runs and when the app serves.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# A request body over this size is refused with 400 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
# Imports through the API are refused before parsing beyond these limits (the management
# commands take any size): the file's size, what an XLSX declares it unpacks to, and rows.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# A legitimate 200,000-row household XLSX unpacks to 117-191 MiB (as Excel or openpyxl write it).
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=256 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# Row errors listed in a refused import's answer (the count says how many there were).
IMPORT_MAX_LISTED_ERRORS = env.int("IMPORT_MAX_LISTED_ERRORS", default=1000)

# Background jobs (povertycase/jobs) on Celery. With no broker (make run) a job runs in the web
# process, inside the request that starts it, which then answers 202 with the job finished.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True  # a job's state and result are kept on the job's row
# A job lost with its worker is delivered again (the job runs at most once to success);
# Redis hands an unacknowledged job to another worker after the visibility timeout, so the
# timeout is longer than any job.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=12 * 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # The new year's report figures, built before anyone asks for them.
    "year-figures": {"task": "households.build_year_figures",
                     "schedule": crontab(minute=5, hour=0, day_of_month=1, month_of_year=1)},
}
# Above these sizes the work runs as a job and the request answers 202 Accepted with it.
IMPORT_JOB_ROWS = env.int("IMPORT_JOB_ROWS", default=5000)  # rows of an import file, dry runs too
RECLASSIFY_JOB_DRAFTS = env.int("RECLASSIFY_JOB_DRAFTS", default=1000)  # drafts a standard correction re-classifies
APPROVAL_JOB_DRAFTS = env.int("APPROVAL_JOB_DRAFTS", default=2000)  # drafts an area's approval approves

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "povertycase.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["povertycase.permissions.RegisterAccess"],
    "DEFAULT_PARSER_CLASSES": ["povertycase.parsers.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "povertycase.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "povertycase.schema.AutoSchema",
    "EXCEPTION_HANDLER": "povertycase.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of the service whose X-Forwarded-For is trusted for the client address
    # (the login throttle's): 0 reads REMOTE_ADDR only; 1 behind one reverse proxy.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# API tokens expire after a working day; the client logs in again for a new one.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.float("TOKEN_TTL_HOURS", default=8)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# Failed logins (API and browser) per username and per client address within a sliding
# window; past that, 429 with Retry-After until the oldest failure leaves the window.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=10)
LOGIN_USERNAME_WINDOW = timedelta(minutes=env.int("LOGIN_USERNAME_WINDOW_MINUTES", default=15))
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=100)
LOGIN_ADDRESS_WINDOW = timedelta(minutes=env.int("LOGIN_ADDRESS_WINDOW_MINUTES", default=60))

# The first year the outcome reports cover; figures are kept from the year before it (its
# start-of-year counts) to this year.
REPORTS_FIRST_YEAR = env.int("REPORTS_FIRST_YEAR", default=2022)

SPECTACULAR_SETTINGS = {
    "TITLE": "povertycase API",
    "DESCRIPTION": (
        "Case manager for sustainable poverty reduction: the household register, the annual "
        "poverty review, programmes and outcomes. Every list is cursor-paginated (`results`, "
        "`next`, `previous`); rows outside the caller's area do not exist for the caller (404). "
        "Authenticate with `Authorization: Bearer <token>` (or `Token <token>`) from "
        "`POST /api/v1/auth/token/`; a token lasts a working day and ends at logout."
    ),
    "VERSION": "1.0.0",
    "CONTACT": {"name": "povertycase"},
    # Where clients reach the API; a generated client takes its own base URL all the same.
    "SERVERS": [{"url": env.str("PUBLIC_URL", default="http://127.0.0.1:8000"),
                 "description": "This installation (PUBLIC_URL)"}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "povertycase.schema.postprocess",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ResidenceEnum": "households.models.Residence",
        "RelationshipEnum": "households.models.Member.Relationship",
        "RoleEnum": "povertycase.accounts.models.User.Role",
        "HouseholdArchiveReasonEnum": "households.models.Household.ArchiveReason",
        "MemberArchiveReasonEnum": "households.models.Member.ArchiveReason",
        "HouseholdStatusEnum": "households.models.Household.Status",
        "AreaLevelEnum": "households.models.Area.Level",
        "ReviewKindEnum": "households.models.Review.Kind",
        "ReviewStatusEnum": "households.models.Review.Status",
        "PovertyClassEnum": "households.models.PovertyClass",
        "ProgrammeKindEnum": "programmes.models.Programme.Kind",
        "ProgrammeStatusEnum": "programmes.models.Programme.Status",
        "EnrollmentStatusEnum": "programmes.models.Enrollment.Status",
        "MemberEmploymentEnum": "households.models.Member.Employment",
        "FollowUpEmploymentEnum": "programmes.models.FollowUp.Employment",
        "DeliveryKindEnum": "programmes.models.Delivery.Kind",
        "JobKindEnum": "povertycase.jobs.models.Job.Kind",
        "JobStateEnum": "povertycase.jobs.models.Job.State",
        "DisbursementPeriodEnum": "programmes.models.Period",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Production (DEBUG off) is served over HTTPS behind a reverse proxy that sets
# X-Forwarded-Proto; each of these can be turned off from the environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]  # the container's health check speaks plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)

# Every page, the API docs (Swagger UI and ReDoc, served from our own static files) included,
# loads scripts and styles from this origin only. The docs' stylesheets set inline styles, and
# ReDoc runs a worker from a blob.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# The admin is read-only: no history page offers to revert a record around the services.
SIMPLE_HISTORY_REVERT_DISABLED = True
