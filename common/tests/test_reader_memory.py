"""The shared reader reads a 200,000-row CSV and a 200,000-row XLSX in under 150 MB of
peak resident memory (issue 6). The whole interpreter is measured, Django included."""

from __future__ import annotations

import pytest

from common.tests import bigfiles

ROWS = 200_000


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_200k_row_file_is_read_in_under_150_mb(tmp_path, kind):
    path = tmp_path / f"registry.{kind}"
    (bigfiles.write_csv if kind == "csv" else bigfiles.write_xlsx)(path, ROWS)
    figures = bigfiles.measure(path)
    assert figures["outcome"] == f"read {ROWS}"
    assert figures["peak_rss_mb"] < 150, figures
