"""The alert queue at county scale (issue 8): `make bench-queue`.

Uses the screening benchmark's county (portal_bench_screening, 250,000 households; built
by `make bench-screening` the first time, or here if missing), gives 100,000 of its
households an alert (every step, level and source; four in five open; spread over all
250 villages), serves the portal with gunicorn (2 workers, production settings, DEBUG
off) and drives the township officer's queue with wrk on 127.0.0.1. The alerts are
removed again at the end, so the screening benchmark finds the county as it left it.

The queue reaches the township's alerts through the region tree: Alert → village →
Region.code LIKE '<township code>%'. Region.code is unique, so PostgreSQL has the
varchar_pattern_ops index Django makes for it (…_like); the plan printed here shows it
serving the prefix. Ends with one line:

    alerts=<n> township_alerts=<n> uncached_ms=<n> req_per_s=<n> p99_ms=<n>
    anchor_req_per_s=<n> ratio=<r> goal_ratio=0.1

The first page is measured in three rounds beside the anchor (a minimal Django view under
the same gunicorn and wrk, registry.anchored); each side's best round is taken.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

import registry
import screening

ALERTS = int(os.environ.get("BENCH_ALERTS", "100000"))
ENV = {**registry.ENV, "DATABASE_URL": screening.DB_URL}
# 100,000 of the 250,000 households (two in five, by id), each alert's step, level and
# source drawn from its household's id (k); one in five closed
ALERTS_SQL = """
INSERT INTO monitoring_alert (household_id, village_id, source, stage, level, score, period,
    reasons, causes, campaign_id, assignee_id, due_date, opened_at, closed_at,
    dismissed_at_verification)
SELECT h.id, h.village_id,
    (ARRAY['screening', 'screening', 'screening', 'self_report', 'visit', 'recheck'])
        [1 + h.id % 6],
    CASE WHEN h.id / 5 % 5 = 0 THEN (ARRAY['enrolled', 'dismissed'])[1 + h.id / 25 % 2]
         ELSE (ARRAY['verify', 'appraise', 'notice', 'township', 'county'])[1 + h.id / 7 % 5]
    END,
    (ARRAY['high', 'medium', 'low'])[1 + h.id / 3 % 3],
    40 + h.id % 60, '2026-09',
    '[{"rule": 1, "cause": "illness", "label": "近12个月住院自付", "value": "23000.00",
       "unit": "元", "type": "amount", "line": null, "weight": 40}]'::jsonb,
    '["illness"]'::jsonb, NULL, NULL,
    DATE '2026-11-01' + (h.id % 60)::int,
    TIMESTAMPTZ '2026-10-05 09:00+08' + (h.id % 50) * INTERVAL '1 day',
    CASE WHEN h.id / 5 % 5 = 0 THEN TIMESTAMPTZ '2026-11-20 09:00+08' END,
    false
FROM (SELECT id, village_id FROM households_household WHERE id % 5 IN (1, 3)
      ORDER BY id LIMIT {n}) h
"""
#: issue 26's goal as a share of the anchor (config/anchor.py) measured in the same run
GOAL_RATIO = 0.1
CLEAN_SQL = "DELETE FROM monitoring_alertevent; DELETE FROM monitoring_alert"


NAME = urlparse(screening.DB_URL).path.lstrip("/")


def psql(sql: str) -> str:
    return registry.psql(NAME, sql)


def manage(*args: str) -> None:
    registry.manage(*args, env=ENV)


def main() -> None:
    registry.ensure_wrk()
    registry.VAR.mkdir(parents=True, exist_ok=True)
    exists = registry.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{NAME}'")
    households = int(psql("SELECT count(*) FROM households_household") or 0) if exists else 0
    if households < 250_000:
        registry.say("building the county (make bench-screening)")
        subprocess.run([registry.PY, "bench/screening.py"], cwd=registry.ROOT, check=True)
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    psql(CLEAN_SQL)
    psql(ALERTS_SQL.replace("{n}", str(ALERTS)))
    psql("VACUUM ANALYZE monitoring_alert")
    alerts = int(psql("SELECT count(*) FROM monitoring_alert"))
    township = psql(
        "SELECT r.code FROM villages_staffassignment a JOIN auth_user u ON u.id = a.user_id"
        " JOIN villages_region r ON r.id = a.region_id WHERE u.username = 'township'"
    )
    in_township = int(
        psql(
            "SELECT count(*) FROM monitoring_alert a JOIN villages_region g ON g.id = a.village_id"
            f" WHERE g.code LIKE '{township}%' AND a.closed_at IS NULL"
        )
    )
    registry.say(f"{alerts} alerts; {in_township} open in township {township}")
    plan = psql(
        "EXPLAIN SELECT a.id FROM monitoring_alert a JOIN villages_region g"
        f" ON g.id = a.village_id WHERE g.code LIKE '{township}%' AND a.closed_at IS NULL"
    )
    registry.say("plan of the township's scope:\n  " + plan.replace("\n", "\n  "))
    cookie = registry.session_cookie("township", env=ENV)
    server = subprocess.Popen(
        [registry.PY, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"],
        cwd=registry.ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        registry.wait_for_server(server)
        browser = registry.Browser(cookie)
        for path in ("/monitoring/", "/monitoring/?level=high", "/monitoring/?stage=all"):
            for _ in range(4):  # each worker's first requests (imports, caches)
                status, _ms, _r, _b = browser.get(path)
                if status != 200:
                    raise SystemExit(f"{path}: HTTP {status}")
        high_rps, high_p99 = registry.wrk("/monitoring/?level=high", cookie)
        registry.say(f"queue, high risk only: {high_rps:.0f} req/s, p99 {high_p99:.0f} ms")
        all_rps, all_p99 = registry.wrk("/monitoring/?stage=all", cookie)
        registry.say(f"queue, every step: {all_rps:.0f} req/s, p99 {all_p99:.0f} ms")
        token = psql("SELECT public_token FROM households_household ORDER BY id LIMIT 1")
        rps, p99, anchor = registry.anchored("/monitoring/", cookie, token)
        registry.say(f"queue, first page: {rps:.0f} req/s, p99 {p99:.0f} ms")

        def cache_cleared() -> None:  # the page as made: after any change of an alert
            subprocess.run(["redis-cli", "-n", "5", "flushdb"], check=True, capture_output=True)

        cold = browser.median_ms("/monitoring/", before=cache_cleared)
        registry.say(f"queue, first page as made (nothing kept): {cold:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
        psql(CLEAN_SQL)
    print(
        f"alerts={alerts} township_alerts={in_township} uncached_ms={cold:.0f} "
        f"req_per_s={rps:.0f} p99_ms={p99:.0f} anchor_req_per_s={anchor:.0f} "
        f"ratio={rps / anchor:.2f} goal_ratio={GOAL_RATIO}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(registry.ROOT))
    tempfile.tempdir = str(registry.VAR)
    main()
