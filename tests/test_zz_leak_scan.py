"""Runs last (file name): no full ID number in any log or request line of the whole suite.

Every table and access record is scanned after each database test (conftest); this file
checks the captured lines, and that the scanner would find a planted number at all."""

from __future__ import annotations

import logging

import pytest

from households.models import AccessEvent, AccessKind, Household
from tests.factories import make_id_number
from tests.leaks import CAPTURED, find_in_text, scan_tables


@pytest.mark.django_db
@pytest.mark.plants_id_numbers
def test_the_scanner_finds_planted_numbers(household, village_cadre):
    in_table, in_record, in_line = make_id_number(), make_id_number(), make_id_number()
    Household.objects.filter(pk=household.pk).update(notes=f"身份证 {in_table}")
    AccessEvent.objects.create(
        user=village_cadre, kind=AccessKind.EXPORT_MASKED, detail=f"q={in_record}"
    )
    found = " ".join(text for _table, text in scan_tables())
    assert in_table in found
    assert in_record in found
    assert find_in_text(f'"GET /residents/?q={in_line} HTTP/1.1" 302') == [in_line]
    # and a line logged the way the server logs it reaches the capture masked
    logging.getLogger("django.server").info('"GET /residents/?q=%s HTTP/1.1"', in_line)
    assert in_line not in CAPTURED.lines[-1]
    assert in_line[-4:] in CAPTURED.lines[-1]


def test_no_full_id_number_in_any_captured_line():
    assert len(CAPTURED.lines) > 100  # the suite's requests were captured
    assert any(line.startswith('"GET /households/') for line in CAPTURED.lines)
    hits = [line for line in CAPTURED.lines if find_in_text(line)]
    assert hits == []
