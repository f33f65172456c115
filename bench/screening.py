"""The screening at county scale (issue 8): `make bench-screening`.

Runs `manage.py bench_screening --households 250000` in a PostgreSQL database of its own
(portal_bench_screening, created and migrated here; its demo county is seeded by the
command the first time, some 9 minutes, and reused after) with the production settings'
keys of the benchmark. Its last line is the result to write in docs/benchmarks.md.
Environment: BENCH_SCREENING_DATABASE_URL, BENCH_HOUSEHOLDS (250000), BENCH_ROWS
(2000000).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any
from urllib.parse import urlparse

import registry

DB_URL = os.environ.get(
    "BENCH_SCREENING_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_screening"
)
ENV = {
    **registry.ENV,
    "DATABASE_URL": DB_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_DEBUG": "false",
}


def main() -> None:
    name = urlparse(DB_URL).path.lstrip("/")
    if registry.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        registry.psql("postgres", f'CREATE DATABASE "{name}"')
    run: dict[str, Any] = {"cwd": registry.ROOT, "env": ENV, "check": True}
    subprocess.run([registry.PY, "manage.py", "migrate", "--noinput", "-v0"], **run)
    subprocess.run(
        [
            registry.PY,
            "manage.py",
            "bench_screening",
            "--households",
            os.environ.get("BENCH_HOUSEHOLDS", "250000"),
            "--rows",
            os.environ.get("BENCH_ROWS", "2000000"),
        ],
        **run,
    )


if __name__ == "__main__":
    main()
