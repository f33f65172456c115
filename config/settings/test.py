"""Test settings: only things that make the suite faster or deterministic."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run eagerly; only the tests of a real worker leave eager Celery.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
# Lockout is tested explicitly; keep its cache-less database handler.
AXES_FAILURE_LIMIT = 5
LOGGING = {"version": 1, "disable_existing_loggers": False}
SMS_BACKEND = "notices.sms.MemoryBackend"
SPEAKER_BACKEND = "notices.speakers.MemoryBackend"
