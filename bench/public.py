"""The public household page under load (issue 9): `make bench-public`.

Serves the demo data (seed_demo's 5,200 households and demo_points' ledger, in a
PostgreSQL database of its own, portal_bench_public, built once and reused) with
gunicorn (2 workers, production settings, persistent connections, Redis cache) and
drives the page of the household with the most entries, as a plaque scan opens it, with
wrk on 127.0.0.1 (8 connections). Also the village leaderboard. The anchor: a minimal
Django view (config/anchor.py: one indexed lookup, a small template) under the same
gunicorn and wrk, measured before the page in each of three rounds; the page's best round over the
anchor's best is the figure that travels between machines (issue 26: goal 0.65). Ends with:

    req_per_s=<n> p99_ms=<n> anchor_req_per_s=<n> ratio=<r> goal_ratio=0.65

Above it, one scan with the cache emptied before it beside a kept one (medians of 5).

Results go in docs/benchmarks.md with the machine and the date. Environment:
BENCH_PUBLIC_DATABASE_URL, BENCH_SECONDS (wrk duration, 15).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from urllib.parse import urlparse

import registry

DB_URL = os.environ.get(
    "BENCH_PUBLIC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_public"
)
ENV = {
    **registry.ENV,
    "DATABASE_URL": DB_URL,
    "CACHE_URL": "redis://127.0.0.1:6379/7",
}
#: the goal, as a share of the anchor measured in the same run (issue 26)
GOAL_RATIO = 0.65


def prepare() -> tuple[str, str]:
    """The demo data in its database, built once: (the code of the household with the
    most entries, its village's code)."""
    registry.VAR.mkdir(parents=True, exist_ok=True)
    name = urlparse(DB_URL).path.lstrip("/")
    if registry.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        registry.psql("postgres", f'CREATE DATABASE "{name}"')
    registry.manage("migrate", "--noinput", "-v0", env=ENV)
    if registry.psql(name, "SELECT count(*) FROM households_household") == "0":
        registry.say("seeding the demo (seed_demo, demo_points)")
        registry.manage("seed_demo", "--force", "-v0", env=ENV)
        registry.manage("demo_points", "--force", env=ENV)
    if registry.psql(name, "SELECT count(*) FROM notices_notice") == "0":
        registry.say("adding the demo notices, messages and listings (demo_notices)")
        registry.manage("demo_notices", "--force", env=ENV)
    registry.psql(name, "VACUUM ANALYZE")
    token, village, entries = registry.psql(
        name,
        "SELECT h.public_token, r.code, count(*) FROM points_pointentry e"
        " JOIN households_household h ON h.id = e.household_id"
        " JOIN villages_region r ON r.id = h.village_id"
        " GROUP BY h.public_token, r.code ORDER BY count(*) DESC LIMIT 1",
    ).split("|")
    registry.say(f"household with {entries} entries; village {village}")
    registry.manage("collectstatic", "--noinput", "-v0", env=ENV)
    return token, village


@contextlib.contextmanager
def serving() -> Iterator[None]:
    """gunicorn with 2 workers and the production settings, for the block's length."""
    server = subprocess.Popen(
        [registry.PY, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"],
        cwd=registry.ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        registry.wait_for_server(server)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def empty_cache() -> None:
    subprocess.run(["redis-cli", "-n", "7", "flushdb"], check=True, capture_output=True)


def main() -> None:
    registry.ensure_wrk()
    token, village = prepare()
    with serving():
        board_rps, board_p99 = registry.wrk(f"/v/{village}/points/", "")
        registry.say(f"leaderboard: {board_rps:.0f} req/s, p99 {board_p99:.1f} ms")
        page2_rps, page2_p99 = registry.wrk(f"/h/{token}/?page=2", "")
        registry.say(f"household page 2: {page2_rps:.0f} req/s, p99 {page2_p99:.1f} ms")
        rps, p99, anchor = registry.anchored(f"/h/{token}/", "", token)
        # one scan with the cache emptied before it (the page made, every version new)
        # beside a kept one: medians of 5
        browser = registry.Browser("")
        cold_ms = browser.median_ms(f"/h/{token}/", before=empty_cache)
        kept_ms = browser.median_ms(f"/h/{token}/")
        registry.say(f"door page: cold {cold_ms:.1f} ms, kept {kept_ms:.1f} ms (medians of 5)")
    ratio = rps / anchor
    print(
        f"req_per_s={rps:.0f} p99_ms={p99:.1f} anchor_req_per_s={anchor:.0f} "
        f"ratio={ratio:.2f} goal_ratio={GOAL_RATIO}",
        flush=True,
    )


if __name__ == "__main__":
    main()
