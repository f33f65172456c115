"""The zh-hans catalogue is complete and compiled, and covers every string in the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from conftest import IN_CI

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_po_file():
    po = {e.msgid: e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(PO))}
    mo = {e.msgid: e.msgstr or e.msgstr_plural.get(0) for e in polib.mofile(str(MO))}
    assert mo == po


def test_catalogue_holds_every_string_of_the_code(tmp_path):
    if shutil.which("xgettext") is None:
        if IN_CI:
            pytest.fail("xgettext (GNU gettext) is needed to check the catalogue")
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "*.pyc", "__pycache__", "node_modules"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
            "--ignore=docs",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / PO.relative_to(ROOT)))}
    committed = {e.msgid for e in polib.pofile(str(PO))}
    assert fresh - committed == set(), "run `make messages` and translate the new strings"
    assert committed - fresh == set(), "obsolete entries: run `make messages`"
