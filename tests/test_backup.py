"""The compose file's backup service (deploy/backup.sh), run once against this test run's
PostgreSQL database: a dump pg_restore reads, with the registry's table in it, and the
documents' archive; an old backup past the retention is removed, a recent one kept."""

from __future__ import annotations

import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import HouseholdFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_a_dump_that_restores_and_the_documents(tmp_path, village):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only (the PostgreSQL pass runs this)")
    HouseholdFactory(village=village, number="0042")  # committed: the dump sees it
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "portal-20200101-0330.dump"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 30 * 86400,) * 2)
    recent = backups / "media-20261120-0330.tgz"
    recent.write_bytes(b"recent")
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"] or "",
        "PGDATABASE": db["NAME"],
        "BACKUP_DIR": str(backups),
        "MEDIA_DIR": str(media),
        "BACKUP_KEEP_DAYS": "14",
    }
    run = subprocess.run(
        ["sh", str(ROOT / "deploy" / "backup.sh"), "once"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    dumps = sorted(backups.glob("portal-*.dump"))
    assert len(dumps) == 1  # the new one; the 30-day-old one is gone
    assert not old.exists()
    assert recent.exists()  # within the retention
    listing = subprocess.run(
        ["pg_restore", "--list", str(dumps[0])], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public households_household" in listing
    archives = sorted(p for p in backups.glob("media-*.tgz") if p != recent)
    with tarfile.open(archives[0]) as archive:
        assert "media/documents/photo.jpg" in archive.getnames()
    assert not list(backups.glob("*.part"))
