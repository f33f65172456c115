"""Peak memory and time of the shared table reader on 200,000-row files.

    .venv/bin/python bench/reader.py [rows]

Writes a GB18030 CSV and an XLSX (title row, header, 16 columns) to a temporary folder
and reads each in a fresh interpreter. Results go by hand into docs/benchmarks.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from common.tests import bigfiles  # noqa: E402

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
with tempfile.TemporaryDirectory() as folder:
    for kind, write in (("csv", bigfiles.write_csv), ("xlsx", bigfiles.write_xlsx)):
        path = Path(folder) / f"registry.{kind}"
        write(path, rows)
        figures = bigfiles.measure(path)
        size = path.stat().st_size / 1024 / 1024
        assert figures["outcome"] == f"read {rows}", figures
        print(
            f"{kind:5} {rows:>8,} rows {size:6.1f} MB file: "
            f"{figures['seconds']:6.1f} s, peak RSS {figures['peak_rss_mb']:6.1f} MB"
        )
