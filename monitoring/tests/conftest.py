"""Fixtures of monitoring's tests: residents whose full ID numbers the test knows (to
write feed files), and the feed files themselves, written to disk as departments send
them."""

from __future__ import annotations

import pytest

from tests.factories import HouseholdFactory, ResidentFactory, make_id_number


@pytest.fixture(autouse=True)
def _catalogue(request):
    marker = request.node.get_closest_marker("django_db")
    if marker:
        transactional = marker.kwargs.get("transaction", False)
        request.getfixturevalue("transactional_db" if transactional else "db")
        request.getfixturevalue("monitoring_catalogue")


@pytest.fixture
def people(village, group):
    """Two households of 渡头村 with two members each: [(resident, full ID number)]."""
    found = []
    for number in ("0001", "0002"):
        household = HouseholdFactory(village=village, group=group, number=number)
        for relation in ("head", "spouse"):
            id_number = make_id_number()
            person = ResidentFactory(household=household, relation=relation, id_number=id_number)
            found.append((person, id_number))
    return found


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    return text.encode(encoding)
