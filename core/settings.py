"""Settings for the Open Interview content admin.

Configuration comes from the same variables the Node app uses
(`TURSO_DATABASE_URL`, `TURSO_AUTH_TOKEN`, and the `_RO` pair), read from the
environment or a `.env` file at the project root. With none set, the admin
runs on an embedded SQLite file under `data/`.
"""

from __future__ import annotations

from pathlib import Path

from core.db.config import database_settings
from core.env import load_environment

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = load_environment(base_dir=BASE_DIR)


def env_flag(name: str, default: bool = False) -> bool:
    value = ENV.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", default=False)
SECRET_KEY = ENV.get("DJANGO_SECRET_KEY") or ENV.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if DEBUG or env_flag("DJANGO_INSECURE_DEV_KEY", default=True):
        # Local development and tests only; production settings refuse this.
        SECRET_KEY = "django-insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = [h.strip() for h in ENV.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "core",
    "interview",
    "learning",
    "bots",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.DatabaseErrorMiddleware",
]

ROOT_URLCONF = "core.urls"

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
                "core.context_processors.deployment",
            ],
        },
    },
]

WSGI_APPLICATION = "core.wsgi.application"

DATA_DIR = Path(ENV.get("OI_DATA_DIR") or BASE_DIR / "data")
DATABASES = database_settings(env=ENV, data_dir=DATA_DIR)
# True when only the read-only Turso credentials are configured.
READ_ONLY = bool(DATABASES["default"].get("OPTIONS", {}).get("read_only"))

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

# Sessions live in the database so several instances can share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "admin:login"

# Work queue items in `processing` longer than this are offered for release.
WORK_QUEUE_STUCK_AFTER_MINUTES = int(ENV.get("OI_WORK_QUEUE_STUCK_AFTER_MINUTES", "60"))
# Largest upload the importer accepts, in bytes.
IMPORT_MAX_UPLOAD_BYTES = int(ENV.get("OI_IMPORT_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": ENV.get("DJANGO_LOG_LEVEL", "INFO")},
}
