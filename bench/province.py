"""A province's night (issue 27, item 5): `make bench-province COUNTIES=N WORKERS=W
[CITUS=1]`, on plain PostgreSQL or, with CITUS=1, on the local Citus cluster
(../shared/tools/citus: a coordinator and two workers on this machine, started by the
bench if it is not running).

Builds (once, then reuses) a database of N counties of BENCH_HOUSEHOLDS households each
(200,000; real division codes: 南昌县, 遂川县, 竹溪县, 安化县, seeded by `seed_demo
--county`, some 3 minutes a county), writes for each county one month of files of every
department in the catalogue (BENCH_ROWS rows a county, 2,000,000, spread over the
departments and their items, each resident's item once), receives them as waiting
batches, starts W Celery worker processes (solo pool: a county at a time each) and times
the nightly chord from its start to the province step's result. Ends with one line:

    counties=… households=… feed_rows=… workers=… nodes=… wall_s=… rows_per_s=…
    peak_rss_mb=… db_mb=…

peak_rss_mb is the largest worker's VmHWM; nodes counts the database's servers (1, or the
coordinator and its workers) and db_mb is the database's size on all of them. With
CITUS=1 the shards' placement follows (`citus_shards` by node). Environment:
BENCH_PROVINCE_DATABASE_URL, BENCH_HOUSEHOLDS, BENCH_ROWS. PostgreSQL and Redis on
127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from urllib.parse import urlparse

import registry

CITUS = os.environ.get("CITUS", "") not in ("", "0")
CITUS_TOOL = registry.ROOT.parent / "shared" / "tools" / "citus"
DB_URL = os.environ.get(
    "BENCH_PROVINCE_DATABASE_URL",
    "citus://postgres@127.0.0.1:9700/portal_bench_province?sslmode=disable"
    if CITUS
    else "postgres://postgres@127.0.0.1:5432/portal_bench_province",
)
NAME = urlparse(DB_URL).path.lstrip("/")
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "200000"))
ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
COUNTIES = ["360121", "360827", "420324", "430923"]  # the demo county first
PERIOD = "2026-10"
VAR = registry.ROOT / "var" / ("bench-province-citus" if CITUS else "bench-province")
ENV = {
    **registry.ENV,
    "DATABASE_URL": DB_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_DEBUG": "false",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/7",
}

FEEDS_CODE = """
import random
from pathlib import Path
from households.idnumbers import decrypt
from households.models import Resident
from monitoring.models import DataItem, Department, ItemType
code, rows, out = CODE, ROWS, Path(OUT)
numbers = [decrypt(c) for c in Resident.objects.filter(household__village__code__startswith=code)
           .order_by("pk").values_list("id_cipher", flat=True)]
departments = list(Department.objects.order_by("code"))
rng = random.Random(code)
each = rows // len(departments)
for department in departments:
    items = list(DataItem.objects.filter(department=department).order_by("code"))
    with (out / f"{department.code}_PERIOD.csv").open("w", encoding="utf-8") as handle:
        handle.write("id_number,item_code,value,period\\n")
        start = rng.randrange(len(numbers))
        for i in range(each):
            item = items[(i // len(numbers)) % len(items)]
            if item.type == ItemType.FLAG:
                value = "1" if rng.random() < 0.01 else "0"
            elif item.type == ItemType.AMOUNT:
                value = f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}"
            else:
                value = str(rng.randint(0, 2))
            handle.write(f"{numbers[(start + i) % len(numbers)]},{item.code},{value},PERIOD\\n")
print(each * len(departments))
"""

RECEIVE_CODE = """
from pathlib import Path
from django.db import connection
from monitoring import feeds
from monitoring.models import Alert, Assessment, Department, FeedBatch, ScreeningRun
from villages.models import Region
FeedBatch.objects.filter(period="PERIOD").delete()
Alert.objects.filter(period="PERIOD").delete()
Assessment.objects.filter(period="PERIOD").delete()
ScreeningRun.objects.all().delete()
departments = {d.code: d for d in Department.objects.all()}
for code in CODES:
    county = Region.objects.get(code=code)
    for path in sorted((Path(VAR) / code).glob("*.csv")):
        with path.open("rb") as handle:
            feeds.feed_receive(county=county, department=departments[path.name[:2]],
                               period="PERIOD", name=path.name, data=handle)
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
"""

NIGHT_CODE = """
import json, time
from config.celery import app
from monitoring.tasks import nightly_screening
start = time.perf_counter()
province = nightly_screening.delay("PERIOD").get(timeout=600)
totals = app.AsyncResult(province).get(timeout=4 * 3600)
print(json.dumps({"wall": time.perf_counter() - start, **totals}))
"""


def psql(database: str, sql: str) -> str:
    return registry.psql(database, sql, url=DB_URL)


def shell(code: str) -> str:
    return registry.shell(code, env=ENV).splitlines()[-1]


def dataset(codes: list[str]) -> None:
    name = NAME
    if CITUS:
        # the cluster's database: made on its three nodes with the workers registered
        subprocess.run([CITUS_TOOL / "install"], check=True)
        subprocess.run([CITUS_TOOL / "cluster", "start"], check=True, capture_output=True)
        if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            subprocess.run([CITUS_TOOL / "cluster", "createdb", name], check=True)
    elif psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        psql("postgres", f'CREATE DATABASE "{name}"')
    registry.manage("migrate", "--noinput", "-v0", env=ENV)
    for code in codes:
        have = psql(
            name,
            "SELECT count(*) FROM households_household h JOIN villages_region v"
            f" ON v.id = h.village_id WHERE v.code LIKE '{code}%'",
        )
        if int(have) >= HOUSEHOLDS:
            continue
        registry.say(f"seeding {HOUSEHOLDS} households in {code} …")
        registry.manage(
            "seed_demo",
            "--force",
            "-v0",
            "--county",
            code,
            "--households",
            str(HOUSEHOLDS),
            env=ENV,
        )
    for code in codes:
        folder = VAR / code
        if (folder / f"rows-{ROWS}").exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        registry.say(f"writing {ROWS} feed rows for {code} …")
        code_text = (
            FEEDS_CODE.replace("CODE", repr(code))
            .replace("ROWS", str(ROWS))
            .replace("OUT", repr(str(folder)))
            .replace("PERIOD", PERIOD)
        )
        written = shell(code_text)
        (folder / f"rows-{ROWS}").write_text(written)


def start_workers(count: int) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        log = (VAR / f"worker-{n}.log").open("w")
        workers.append(
            subprocess.Popen(
                [
                    *(registry.PY, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
                    *("--loglevel=INFO", f"--hostname=bench{n}@%h", "--without-gossip"),
                    *("--without-mingle", "--without-heartbeat"),
                ],
                cwd=registry.ROOT,
                env=ENV,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 60
    for n in range(count):
        while "ready." not in (VAR / f"worker-{n}.log").read_text():
            if time.monotonic() > deadline:
                raise SystemExit(f"worker {n} did not start: see {VAR}/worker-{n}.log")
            time.sleep(0.2)
    return workers


def main() -> None:
    counties = int(os.environ.get("COUNTIES", "2"))
    worker_count = int(os.environ.get("WORKERS", "1"))
    if not 1 <= counties <= len(COUNTIES):
        raise SystemExit(f"COUNTIES: 1 to {len(COUNTIES)} (the region codes' counties)")
    codes = COUNTIES[:counties]
    VAR.mkdir(parents=True, exist_ok=True)
    dataset(codes)
    feed_rows = sum(int((VAR / c / f"rows-{ROWS}").read_text()) for c in codes)
    shell(
        RECEIVE_CODE.replace("CODES", repr(codes))
        .replace("VAR", repr(str(VAR)))
        .replace("PERIOD", PERIOD)
        + "\nprint('received')"
    )
    subprocess.run(
        ["redis-cli", "-n", "7", "FLUSHDB"], check=True, capture_output=True
    )  # the bench's own broker and results
    workers = start_workers(worker_count)
    try:
        night = json.loads(shell(NIGHT_CODE.replace("PERIOD", PERIOD)))
        peak = max(registry.vm_hwm_mb(w.pid) for w in workers)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    # the night screens every county of the region codes; those left out of this run
    # have no files for the month and end at once
    if night["failed"] or night["counties"] < counties:
        raise SystemExit(f"the night did not screen every county: {night}")
    name = NAME
    places = " OR ".join(f"v.code LIKE '{c}%'" for c in codes)
    households = int(
        psql(
            name,
            "SELECT count(*) FROM households_household h"
            f" JOIN villages_region v ON v.id = h.village_id WHERE {places}",
        )
    )
    db_bytes = int(psql(name, "SELECT pg_database_size(current_database())"))
    nodes = 1
    if CITUS:
        nodes += int(psql(name, "SELECT count(*) FROM pg_dist_node WHERE groupid > 0"))
        db_bytes += int(
            psql(
                name,
                "SELECT sum(result::bigint) FROM run_command_on_workers("
                "$$SELECT pg_database_size(current_database())$$)",
            )
        )
        registry.say(
            "shards by node (nodename|nodeport|shards|feed value shards|MB):\n"
            + psql(
                name,
                "SELECT nodename, nodeport, count(*),"
                " count(*) FILTER (WHERE table_name = 'monitoring_feedvalue'::regclass),"
                " sum(shard_size) / 1048576 FROM citus_shards GROUP BY 1, 2 ORDER BY 2",
            )
        )
    registry.say(f"night: {night}")
    registry.say(
        f"counties={counties} households={households} feed_rows={feed_rows} "
        f"workers={worker_count} nodes={nodes} wall_s={night['wall']:.1f} "
        f"rows_per_s={feed_rows / night['wall']:.0f} peak_rss_mb={peak:.0f} "
        f"db_mb={db_bytes / 2**20:.0f}"
    )


if __name__ == "__main__":
    main()
