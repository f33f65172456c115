"""Real Celery worker processes for the tests that need one (the PostgreSQL + Redis pass:
a worker is another process and needs a database it can reach)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection


def start_worker(
    log_path: Path, *, loglevel: str = "WARNING", **extra_env: str
) -> subprocess.Popen:
    """A solo-pool worker on the test database and broker; its output goes to a file (a
    pipe nobody reads could fill and block it). At INFO its log holds what the console
    backends (text messages, loudspeakers) delivered."""
    db = connection.settings_dict
    scheme = "citus" if db["ENGINE"] == settings.CITUS_ENGINE else "postgres"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        # the same backend as the tests' (a Citus coordinator's is citus://, issue 27)
        "DATABASE_URL": f"{scheme}://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **extra_env,
    }
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                f"--loglevel={loglevel}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
