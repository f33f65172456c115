"""Deployed settings: every secret comes from the environment, with no default.

A missing variable stops the boot (environ raises ImproperlyConfigured).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from common.crypto import valid_fernet_key

from .base import *  # noqa: F403
from .base import (
    DATABASES,
    DEMO_FIELD_ENCRYPTION_KEY,
    DEMO_ID_HASH_KEY,
    SMS_BACKEND,
    SMS_GATEWAY_URL,
    database_tuned,
    env,
)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL")
ID_HASH_KEY = env("ID_HASH_KEY")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
# The demo keys are in the public repository: data encrypted or hashed with them is not
# protected at all, so a deployment that forgot to set its own must not start.
if ID_HASH_KEY == DEMO_ID_HASH_KEY or len(ID_HASH_KEY) < 32:
    raise ImproperlyConfigured(
        "ID_HASH_KEY is the demo key or shorter than 32 characters; generate one with "
        "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    )
if FIELD_ENCRYPTION_KEY == DEMO_FIELD_ENCRYPTION_KEY or not valid_fernet_key(FIELD_ENCRYPTION_KEY):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY is the demo key or not a Fernet key; generate one with "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
# The text-message gateway carries phone numbers: https only (notices.sms refuses other
# addresses too; here the boot stops on it)
if SMS_BACKEND == "notices.sms.HttpGatewayBackend" and not SMS_GATEWAY_URL.startswith("https://"):
    raise ImproperlyConfigured("SMS_GATEWAY_URL must be an https address.")
# Behind the compose file's nginx: its network (docker-compose.yml) is the one proxy whose
# X-Forwarded-For is read; a request from anywhere else counts as its own address.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

# --- Database ---------------------------------------------------------------
DATABASES["default"] = database_tuned(env.db("DATABASE_URL"))
# Keep connections open between requests and check them before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Static -----------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- HTTPS (behind a TLS-terminating proxy) ---------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health check is probed over plain HTTP inside the compose network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

# --- Cache ----------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL")}
# Sessions read from Redis, written through to the database: one query less on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False

WHITENOISE_USE_FINDERS = False  # the collected, hashed files only
WHITENOISE_AUTOREFRESH = False
