"""Benchmarks of the registry pages at demo-county size (5,200 households, ~17,500 people).

    make bench                       # SQLite under var/bench.sqlite3
    DATABASE_URL=postgres://... make bench

Seeds its own database once, then times each page through Django's test client (the
whole request: middleware, queries, template) and prints median and 95th percentile.
Results are written down by hand in docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from households.models import Household, Resident  # noqa: E402


def timed(client: Client, url: str, runs: int = 15, method: str = "get", **kw) -> tuple:
    getattr(client, method)(url, **kw)  # warm caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = getattr(client, method)(url, **kw)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 302), (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        getattr(client, method)(url, **kw)
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95, len(ctx.captured_queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    if not Household.objects.exists():
        call_command("seed_demo", "--force", verbosity=0)
    print(
        f"database: {connection.vendor}; households {Household.objects.count()}, "
        f"residents {Resident.objects.count()}"
    )
    users = get_user_model().objects
    county = Client()
    county.force_login(users.get(username="county"))
    cadre = Client()
    cadre.force_login(users.get(username="cadre"))
    some = Resident.objects.filter(household__village__code="360121104201").first()
    if some is None:
        raise SystemExit("the demo village 360121104201 has no resident: seed_demo first")
    cases = [
        ("county home (charts of 5,200 households)", county, "/"),
        ("household list, county, page 1", county, "/households/"),
        ("household list, county, page 50", county, "/households/?page=50"),
        (
            "household list, filtered (weak labour + 低保)",
            county,
            "/households/?labour_ability=weak&support=dibao",
        ),
        ("household list, name search", county, "/households/?q=李"),
        (
            "resident list, preset able/16-60/not employed",
            county,
            "/residents/?preset=able_unemployed",
        ),
        ("household detail (cadre)", cadre, f"/households/{some.household_id}/"),
        ("household export xlsx, county (5,200 rows, masked)", county, "/households/export/"),
        ("resident export xlsx, village (~1,460 rows, masked)", cadre, "/residents/export/"),
    ]
    print(f"{'page':<55} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, client, url in cases:
        runs = 5 if "export" in url else 15
        median, p95, queries = timed(client, url, runs=runs)
        print(f"{label:<55} {median:>10.1f} {p95:>8.1f} {queries:>8}")

    # Import dry run: 1,000 new residents from a CSV.
    from tests.factories import make_id_number

    rows = ["户编号,村民小组,姓名,身份证号,与户主关系,劳动能力,就业状况"]
    rows += [f"B{i:04d},一组,测试{i},{make_id_number()},户主,普通劳动力,务农" for i in range(1000)]
    data = ("\n".join(rows) + "\n").encode("gb18030")
    from villages.models import Region

    village = Region.objects.get(code="360121104201")
    start = time.perf_counter()
    response = cadre.post(
        "/import/", {"village": village.pk, "file": SimpleUploadedFile("b.csv", data)}
    )
    elapsed = time.perf_counter() - start
    assert response.status_code == 302
    print(
        f"{'import dry run, 1,000 rows (GB18030 CSV)':<55} {elapsed * 1000:>10.1f} "
        f"{'':>8} {'':>8}  ({1000 / elapsed:.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
