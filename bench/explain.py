"""The plans behind the registry's slow pages: each page requested once as the county
officer, its queries captured, and the slowest EXPLAIN ANALYZEd.

    DATABASE_URL=postgres://…/portal_bench python bench/explain.py [URL …]

Used for docs/benchmarks.md (the plans before and after issue 7); needs the county-scale
data set (`make bench-registry` builds it).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = ["/", "/households/", "/households/?page=900", "/residents/?q=王飞"]


def main(urls: list[str]) -> None:
    user = get_user_model().objects.get(username="county")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    for url in urls:
        client.get(url)  # warm: the cache of the home page is the point of its second line
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        print(f"\n## {url}: {response.status_code}, {elapsed:.0f} ms, {len(queries)} queries")
        slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:2]
        for query in slow:
            print(f"\n-- {float(query['time']) * 1000:.0f} ms: {query['sql'][:300]}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                for (line,) in cursor.fetchall():
                    print(line)


if __name__ == "__main__":
    main(sys.argv[1:] or PAGES)
