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
    po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(PO))}
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.mofile(str(MO))}
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


# makemessages knows the translation functions by name (gettext, gettext_lazy, pgettext …
# and `_`): a string marked through any other alias is silently left out of the
# catalogue and shown in English (the duplicate-ID message once was, via `_lazy`).
TRANSLATION_MODULE = "django.utils.translation"


def _aliases(source: str) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            found += [a.asname for a in node.names if a.asname not in (None, "_")]
        elif isinstance(node, ast.Import):
            found += [a.asname for a in node.names if a.name == TRANSLATION_MODULE and a.asname]
    return found


def test_no_translation_function_is_imported_under_another_name():
    skip = {".venv", "var", "node_modules"}
    offenders = {
        str(path.relative_to(ROOT)): aliases
        for path in ROOT.rglob("*.py")
        if not skip & set(path.relative_to(ROOT).parts)
        and (aliases := _aliases(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_alias_check_catches_an_alias():
    assert _aliases("from django.utils.translation import gettext_lazy as _lazy") == ["_lazy"]
    assert _aliases("from django.utils.translation import gettext_lazy as _") == []
