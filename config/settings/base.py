"""Settings that work with no environment at all: SQLite under var/, eager Celery, DEBUG on.

Every variable is documented in .env.example. production.py tightens what must be set.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
# var/ holds the SQLite database, collected static files and uploads of the embedded
# default; a fresh clone has none of it yet.
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only good enough for trying the portal on one's own machine; production.py has no default.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="django-insecure-demo-only-0f1b6c2e6a0d4c9e8b7a3f5d2c1e9a7b",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "simple_history",
    "csp",
    "import_export",
    "villages",
    "households",
    "grid",
    "points",
    "notices",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # bodies past their path's limit (413) and NUL bytes (400), after the user is known
    "config.middleware.RequestGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.NoStoreForStaffMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "villages.context_processors.portal_menu",
                "villages.context_processors.print_head",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------


# A province's database on Citus (issue 27): the postgresql backend with auto fields as
# sequences, which Citus can distribute (config/citus/base.py, decision 109).
CITUS_ENGINE = "config.citus"
environ.Env.DB_SCHEMES["citus"] = CITUS_ENGINE


def database_tuned(db: dict) -> dict:
    """PostgreSQL connections with JIT compilation off: it cost 25 ms to 0.9 s per query on
    the registry's plans (compiling the expressions of a scan the query then ends early)
    and never paid back on these short queries (docs/benchmarks.md, issue 7)."""
    if db["ENGINE"] in ("django.db.backends.postgresql", CITUS_ENGINE):
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
        # Server-side parameters, so that psycopg prepares a statement it has run five
        # times: the registry's queries then skip planning, which cost about 1 ms each on
        # the history tables (ten queries on a household's page).
        options.setdefault("server_side_binding", True)
    return db


DATABASES = {
    "default": database_tuned(
        env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The household list's covering index (INCLUDE id) is PostgreSQL's; SQLite, the embedded
# default, keeps its key columns and says so on every command: nothing to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A working day: staff PCs in village offices are shared, and the pages hold personal data.
SESSION_COOKIE_AGE = 8 * 60 * 60
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login lockout (django-axes) --------------------------------------------
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# …and an account whose failed logins from all addresses together reach this (many
# addresses guessing one account) is refused at the login form (villages.forms.LoginForm)
AXES_USERNAME_FAILURE_LIMIT = 20
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The networks of the reverse proxies in front of the portal (common/proxy.py): only a
# request from one of them has its X-Forwarded-For read. None when the portal is reached
# directly (the embedded default); the compose file's proxy network behind nginx.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
# the lockout counts an IPv4 address or an IPv6 /64, as the public limits do
AXES_CLIENT_IP_CALLABLE = "common.proxy.client_key_ip"

# --- Content-Security-Policy (django-csp) -------------------------------------------
# Everything is served by the portal itself: no inline script or style, no other origin.
# Charts are inline SVG (markup, not script); photos stream from our own URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, as language switches do.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the files straight from the apps' folders, so the demo works with
# DEBUG off and no collectstatic; production.py serves the collected, hashed copies.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Documents (ID card and hukou photos) live outside the web root and are served only by a
# view that checks the household's scope; nothing under MEDIA_ROOT has a public URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Larger uploads (feeds, registry sheets: full ID numbers) wait encrypted on disk while
# the request reads them, never in plain text (common.uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "common.uploads.SealedUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest request body a path takes (config.middleware.RequestGuardMiddleware, 413
# past it): anonymous requests are text forms; staff send photos (8 MB) and registry
# sheets (20 MB); the feeds page takes a department's file (256 MB). The proxy's
# client_max_body_size (deploy/nginx.conf) is the feeds' figure.
REQUEST_MAX_BYTES_ANONYMOUS = 64 * 1024
REQUEST_MAX_BYTES = 25 * 1024 * 1024
REQUEST_MAX_BYTES_PATHS = {"/monitoring/feeds/": 260 * 1024 * 1024}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Residents' data (DESIGN §5) --------------------------------------------
# HMAC key for the lookup hash of ID numbers, and the Fernet key that encrypts them.
# The defaults are for the demo only; production.py requires both from the environment.
DEMO_ID_HASH_KEY = "demo-only-id-hash-key-not-for-production"
DEMO_FIELD_ENCRYPTION_KEY = "ZGVtby1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="
ID_HASH_KEY = env("ID_HASH_KEY", default=DEMO_ID_HASH_KEY)
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default=DEMO_FIELD_ENCRYPTION_KEY)

# --- Cache ----------------------------------------------------------------------
# Holds progress of long work (imports) for the pages that show it; shared between web and
# worker processes in production (Redis), per process in the embedded default.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in the calling process: the embedded default for trying it.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# The nightly screening is a chord (one task a county, then the province's step), and a
# chord counts its finished tasks in a result backend: the broker's Redis unless another
# is given (issue 27). Only the tasks that ask for it keep a result (one day).
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task a worker took but never acknowledged (the worker was killed) goes back to the
# queue after the visibility timeout. It must outlast the longest task (the screening's
# hard limit, 3 h 1 min), or a running task would be handed out a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 60 * 60),
    "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_RESTORE_THROTTLE", default=10),
}

# A county's screening run that failed is run again this many seconds later (the night's
# chord, issue 27), twice at most.
SCREENING_RETRY_SECONDS = env.int("SCREENING_RETRY_SECONDS", default=5 * 60)

# A feed load renews its lease with every block of rows it reads (seconds apart); one
# that renewed nothing for this long died with its process and is marked failed.
FEED_LEASE_SECONDS = env.int("FEED_LEASE_SECONDS", default=5 * 60)

# --- Import / export --------------------------------------------------------
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = True

# --- Lists ------------------------------------------------------------------
PAGE_SIZE = 50
# A registry export (an ExportJob's encrypted workbook) can be downloaded this long.
EXPORT_RETENTION_HOURS = env.int("EXPORT_RETENTION_HOURS", default=24)
# Uploaded department feeds and registry import files (both hold full ID numbers, kept
# encrypted) are deleted this many days after they arrive; what they loaded stays.
UPLOAD_RETENTION_DAYS = env.int("UPLOAD_RETENTION_DAYS", default=30)
# What the feeds loaded (their values and folds) is kept this many months back from the
# current month, the assessments longer; a month past it is dropped nightly, a partition
# at a time on PostgreSQL (common.partitions). The alerts keep their reasons for good.
FEED_RETENTION_MONTHS = env.int("FEED_RETENTION_MONTHS", default=24)
ASSESSMENT_RETENTION_MONTHS = env.int("ASSESSMENT_RETENTION_MONTHS", default=60)
# Staff notifications, and the records of who saw or exported residents' data, are kept
# this many months back from the current month (dropped nightly, a month at a time).
NOTIFICATION_RETENTION_MONTHS = env.int("NOTIFICATION_RETENTION_MONTHS", default=12)
ACCESS_RETENTION_MONTHS = env.int("ACCESS_RETENTION_MONTHS", default=36)
# Feed files dropped here (by a department's transfer job) are collected by the nightly
# screening: <DEPARTMENT>_<YYYY-MM>.csv or .xlsx, e.g. YB_2026-10.xlsx.
FEEDS_INBOX = Path(env("FEEDS_INBOX", default=str(VAR_DIR / "feeds-inbox")))

# --- Logging ----------------------------------------------------------------
# Every handler masks ID numbers (common.logfilters), request lines of runserver included:
# an ID typed into a URL by hand must not reach a log in full. gunicorn's access log gets
# the same filter from config/gunicorn.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_ids": {"()": "common.logfilters.MaskIdNumbers"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_ids"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# The page benches' anchor view (config/anchor.py), served only when a bench sets this.
BENCH_ANCHOR = env.bool("BENCH_ANCHOR", default=False)

# --- Grid governance (issue 10) ------------------------------------------------------
# Hours a residents' matter has at each level (village, then township, then county)
# before the periodic task escalates it, by urgency.
# A red grid holds 30 to 50 households (the county's rule; issue 25): a grid outside it
# is flagged on the grid pages with a sentence.
GRID_HOUSEHOLDS = (
    env.int("GRID_MIN_HOUSEHOLDS", default=30),
    env.int("GRID_MAX_HOUSEHOLDS", default=50),
)
GRID_MATTER_HOURS = {
    "urgent": env.int("GRID_MATTER_HOURS_URGENT", default=6),
    "normal": env.int("GRID_MATTER_HOURS_NORMAL", default=24),
    "routine": env.int("GRID_MATTER_HOURS_ROUTINE", default=72),
}

# --- Notices and notifications (issue 11) ---------------------------------------------
# Text messages: the console backend writes them to the log (number masked); a gateway
# is plugged in with notices.sms.HttpGatewayBackend (or a subclass for a provider's API).
SMS_BACKEND = env("SMS_BACKEND", default="notices.sms.ConsoleBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env("SMS_GATEWAY_KEY", default="")
# the CA bundle that signed an intranet gateway's certificate (empty: the system's)
SMS_GATEWAY_CA = env("SMS_GATEWAY_CA", default="")
SMS_SIGNATURE = env("SMS_SIGNATURE", default="数字乡村")
# Broadcasts to residents (天音): the village's IP loudspeaker system (notices.speakers;
# the console backend logs what would be spoken), and the hours in which a non-emergency
# broadcast may go out (Asia/Shanghai; one written at night waits for the morning).
SPEAKER_BACKEND = env("SPEAKER_BACKEND", default="notices.speakers.ConsoleBackend")
SPEAKER_URL = env("SPEAKER_URL", default="")
SPEAKER_KEY = env("SPEAKER_KEY", default="")
SPEAKER_CA = env("SPEAKER_CA", default="")
CALLOUT_DAY_HOURS = (
    env.int("CALLOUT_DAY_START", default=8),
    env.int("CALLOUT_DAY_END", default=21),
)
# Public forms of the household page: messages (群众之声) and produce listings a day
VOICE_PER_CONNECTION = env.int("VOICE_PER_CONNECTION", default=5)
VOICE_PER_HOUSEHOLD = env.int("VOICE_PER_HOUSEHOLD", default=10)
PRODUCE_PER_CONNECTION = env.int("PRODUCE_PER_CONNECTION", default=5)
PRODUCE_PER_HOUSEHOLD = env.int("PRODUCE_PER_HOUSEHOLD", default=5)
