"""Settings for the Open Interview content admin.

Configuration comes from the same variables the Node app uses
(`TURSO_DATABASE_URL`, `TURSO_AUTH_TOKEN`, and the `_RO` pair), read from the
environment or a `.env` file at the project root. With none set, the admin
runs on an embedded SQLite file under `data/`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from config.env import load_environment
from core.db.config import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = load_environment(base_dir=BASE_DIR)


def env_flag(name: str, default: bool = False) -> bool:
    value = ENV.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", default=False)
# SECRET_KEY, ALLOWED_HOSTS, HTTPS, security headers, throttling, logging:
# see "Production serving and security" at the end of this file.

INSTALLED_APPS = [
    # django.contrib.admin with our site as `admin.site` (sections, read-only mode).
    "config.admin_site.OpenInterviewAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # login throttling, state in the database (see the production block)
    "django_filters",
    "import_export",
    # The job runner for big imports and exports: Django's task framework
    # (backported) with its queue in the admin database (`manage.py db_worker`).
    "django_tasks",
    "django_tasks_db",
    "config",
    "core",
    "dbops",
    "importing",
    "interview",
    "learning",
    "bots",
    "search",
    "demo",
]

MIDDLEWARE = [
    # First: refuses an oversized body (413) before anything reads it.
    "config.security.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the gunicorn process itself (compressed, cached forever).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy and Permissions-Policy.
    "config.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in sessions end after OI_SESSION_IDLE_MINUTES without a request.
    "config.security.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseErrorMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.deployment",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATA_DIR = Path(ENV.get("OI_DATA_DIR") or BASE_DIR / "data")
# `default`: the admin's own state; `content`: the Node app's 12 tables
# (core/databases.py says why they are apart and routes the models).
DATABASES = database_settings(env=ENV, data_dir=DATA_DIR)
DATABASE_ROUTERS = ["core.databases.ContentRouter"]
# Seconds a save waits for another connection's save to finish (SQLite and
# libSQL alike) before the user is asked to try again.
OI_DATABASE_BUSY_TIMEOUT_SECONDS = float(ENV.get("OI_DATABASE_BUSY_TIMEOUT_SECONDS") or 5)
# True when only the read-only Turso credentials are configured: the content
# is read-only; the admin database (sessions, users, throttling) stays writable.
READ_ONLY = bool(DATABASES["content"].get("OPTIONS", {}).get("read_only"))

# The public reading site, where the admin's "View site" leads; without it
# the link is left out (it would only lead back to the admin).
OI_PUBLIC_SITE_URL = (ENV.get("OI_PUBLIC_SITE_URL") or "").strip()
if OI_PUBLIC_SITE_URL and not OI_PUBLIC_SITE_URL.lower().startswith(("https://", "http://")):
    raise SystemExit(
        f"OI_PUBLIC_SITE_URL must be the public site's address starting with https://, not {OI_PUBLIC_SITE_URL!r}."
    )

# Dates and times are shown as 2026-01-12 02:15 UTC: timestamps are stored
# in UTC and the label says so (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The Node app's index names (e.g. idx_questions_channel_difficulty) are
# longer than the 30 characters Django enforces for Oracle's sake; SQLite
# and libSQL have no such limit and the names are part of the contract.
SILENCED_SYSTEM_CHECKS = ["models.E034"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Sessions live in the admin database so several instances can share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "admin:login"
# Where signing in lands when `next` is missing or points off this site.
LOGIN_REDIRECT_URL = "admin:index"

# Work queue items in `processing` longer than this are offered for release.
WORK_QUEUE_STUCK_AFTER_MINUTES = int(ENV.get("OI_WORK_QUEUE_STUCK_AFTER_MINUTES", "60"))
# Largest upload the importer accepts, in bytes.
IMPORT_MAX_UPLOAD_BYTES = int(ENV.get("OI_IMPORT_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Big imports and exports run as background jobs in the job runner
# (`manage.py db_worker`, started by `make run` and `make serve`), with a
# progress page; smaller ones stay in the request, where they take about a
# second. An import counts the records of its upload, an export the rows of
# the filtered list.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMPORT_BACKGROUND_MIN_RECORDS = int(ENV.get("OI_IMPORT_BACKGROUND_MIN_RECORDS", "2000"))
EXPORT_BACKGROUND_MIN_ROWS = int(ENV.get("OI_EXPORT_BACKGROUND_MIN_ROWS", "2000"))
# A running job writes its progress (and reads whether it was cancelled) at
# most this often: each is a round trip to the admin database.
JOB_PROGRESS_SECONDS = float(ENV.get("OI_JOB_PROGRESS_SECONDS", "0.5"))
# A running job silent this long lost its worker (killed, machine gone).
JOB_STALE_AFTER_SECONDS = float(ENV.get("OI_JOB_STALE_AFTER_SECONDS", "120"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per event (tracebacks included), secrets redacted: config/logging.py.
    "formatters": {"line": {"()": "config.logging.OneLineFormatter"}},
    "filters": {
        "redact": {"()": "config.logging.RedactSecretsFilter"},
        "refusal_without_traceback": {"()": "config.logging.RefusalWithoutTracebackFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["redact"]}},
    "loggers": {"django.request": {"filters": ["refusal_without_traceback"]}},
    "root": {"handlers": ["console"], "level": ENV.get("DJANGO_LOG_LEVEL", "INFO")},
}


# ---------------------------------------------------------------------------
# Production serving and security. Every value comes from the environment
# (or .env), so one build serves every deployment; docs/serving.md explains them and
# deploy/production.env.example is the documented production environment,
# under which `manage.py check --deploy` reports nothing.
# ---------------------------------------------------------------------------


def env_int(name: str, default: int) -> int:
    value = (ENV.get(name) or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (ENV.get(name) or default).split(",") if item.strip()]


# The development key is used only by `make run` (DJANGO_DEBUG=1) and tests
# (pytest-env sets OI_ALLOW_INSECURE_SECRET_KEY=1); anything else refuses to
# start. SystemExit prints one line, not a traceback.
SECRET_KEY = ENV.get("DJANGO_SECRET_KEY") or ENV.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if DEBUG or env_flag("OI_ALLOW_INSECURE_SECRET_KEY"):
        SECRET_KEY = "django-insecure-local-development-key-not-for-production"
    else:
        raise SystemExit(
            "DJANGO_SECRET_KEY is not set: production needs a long random secret key "
            "(see deploy/production.env.example); for local development use `make run`."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
# Full origins (https://admin.example.com) that may POST forms: needed when the
# admin is reached through a proxy under another host name or port.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS: on by default outside DEBUG. Behind a TLS-terminating proxy, set
# OI_BEHIND_TLS_PROXY=1 so X-Forwarded-Proto tells Django the request was
# HTTPS (only when that proxy overwrites the header a client sends).
SERVE_HTTPS = env_flag("OI_HTTPS", default=not DEBUG)
if env_flag("OI_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SERVE_HTTPS
# Load balancers poll the health endpoint over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = SERVE_HTTPS
CSRF_COOKIE_SECURE = SERVE_HTTPS
SECURE_HSTS_SECONDS = env_int("OI_HSTS_SECONDS", 31536000) if SERVE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("OI_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("OI_HSTS_PRELOAD", default=True)
# No script of ours reads the CSRF cookie (admin forms carry the hidden field).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (config.security.SecurityHeadersMiddleware). No inline
# or eval'd script anywhere: Django's admin, import-export and the question
# previews load every script from 'self'. Styles allow 'unsafe-inline' because
# Mermaid writes a <style> element and style attributes into each diagram SVG.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# The admin's URL prefix, e.g. OI_ADMIN_URL=manage-7f3a/ (config/urls.py).
ADMIN_URL = (ENV.get("OI_ADMIN_URL") or "admin/").strip().strip("/") + "/"
if ADMIN_URL == "/":
    raise SystemExit("OI_ADMIN_URL must name a path such as admin/, not the site root.")

# Sessions (in the database, shared by every instance) end after this much
# idle time; IdleSessionMiddleware pushes the expiry forward at most once per
# OI_SESSION_REFRESH_SECONDS instead of writing the session on every request.
# A refresh costs three queries (BEGIN, UPDATE, COMMIT) on top of the page's
# budget of eight, so it happens at most every five minutes: an hour's idle
# session then ends 55 to 60 minutes after its last request.
SESSION_COOKIE_AGE = env_int("OI_SESSION_IDLE_MINUTES", 60) * 60
OI_SESSION_REFRESH_SECONDS = max(1, min(300, SESSION_COOKIE_AGE // 12))

# Request size: non-file bodies are read into memory, so they stay small
# (DATA_UPLOAD_MAX_MEMORY_SIZE above); multipart uploads (the importer) may be
# as large as the import limit plus room for the form around the file.
OI_MAX_UPLOAD_REQUEST_BYTES = IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024

# The explanation's live preview renders Markdown on every pause in typing
# (the page waits 400 ms after the last keystroke): at most this many
# previews per user per minute, then 429 with a sentence (core/ratelimit.py).
OI_PREVIEW_RATE_LIMIT_PER_MINUTE = env_int("OI_PREVIEW_RATE_LIMIT_PER_MINUTE", 60)

# The question search index (search/) compares itself with the content every
# OI_SEARCH_SYNC_SECONDS in a background thread of each serving process (one
# process of several does the work each time), so that rows other programs
# write become searchable within a minute. A search page checks on its own
# when its process has not seen a check for twice that long.
# Each check makes the content server read every row once (about 1 s of
# CPU at 30,000 questions on an embedded SQLite), so not more often than needed.
OI_SEARCH_SYNC_SECONDS = max(1, env_int("OI_SEARCH_SYNC_SECONDS", 40))
OI_SEARCH_BACKGROUND_SYNC = env_flag("OI_SEARCH_BACKGROUND_SYNC", default=True)

# Sign-in throttling (django-axes): each failure for one username or from one
# address is answered a little later (OI_LOGIN_FAILURE_DELAY_SECONDS more each
# time, at most OI_LOGIN_FAILURE_MAX_DELAY_SECONDS); after OI_LOGIN_FAILURE_LIMIT
# failures that username/address is locked for OI_LOGIN_LOCKOUT_MINUTES. The
# counts live in axes's tables, so a lock holds across restarts and instances.
AUTHENTICATION_BACKENDS = [
    "config.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("OI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OI_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
# Its start-up banner would open every management command's output.
AXES_VERBOSE = False
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none,
# use the connecting address; a client could forge the header otherwise).
OI_TRUSTED_PROXY_COUNT = env_int("OI_TRUSTED_PROXY_COUNT", 0)
OI_LOGIN_FAILURE_DELAY_SECONDS = float(ENV.get("OI_LOGIN_FAILURE_DELAY_SECONDS") or 1.0)
OI_LOGIN_FAILURE_MAX_DELAY_SECONDS = float(ENV.get("OI_LOGIN_FAILURE_MAX_DELAY_SECONDS") or 4.0)

# Static files: `make serve` runs collectstatic and sets OI_STATIC_MANIFEST=1,
# so WhiteNoise serves compressed files with content hashes in their names
# (cached forever). Without it (make run, tests) files come from the source dirs.
if env_flag("OI_STATIC_MANIFEST"):
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    WHITENOISE_USE_FINDERS = True

# Error pages and reports hide secret-looking frame variables too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.logging.RedactingExceptionReporterFilter"
