"""Every file of personal data that leaves the portal is recorded (issue 21: the queue,
voice, points and portrait exports left no access record). This walks every staff URL
of the permission matrix, with and without `format=xlsx`, as each staff persona; every
answer that is an attachment must have written one access record, unless the file is
one of the few that hold nothing personal."""

from __future__ import annotations

import re

import pytest

from households.models import AccessEvent
from tests.test_permission_matrix import MATRIX

#: attachments with nothing personal in them: blank templates, and a notice's files
#: (notices are published to everyone and hold no personal data, DESIGN §5)
NOT_PERSONAL = re.compile(
    r"/import/template\.xlsx|/monitoring/catalogue/\w+/template/|/notices/files/\d+/"
)
STAFF = ["village_cadre", "township_officer", "county_officer", "grid_worker", "coop_clerk"]


def _urls(objects) -> list[str]:
    found = []
    for url, _expected in MATRIX:
        if url.startswith("POST "):
            continue
        path = url.format(**objects)
        found.append(path)
        found.append(path + ("&" if "?" in path else "?") + "format=xlsx")
    return found


@pytest.mark.parametrize("persona", STAFF)
def test_every_attachment_of_personal_data_is_recorded(request, client, objects, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    attachments = []
    for path in _urls(objects):
        before = AccessEvent.objects.filter(user=user).count()
        response = client.get(path)
        if not response.get("Content-Disposition", "").startswith("attachment"):
            continue
        if response.streaming:
            b"".join(response.streaming_content)
        attachments.append(path)
        recorded = AccessEvent.objects.filter(user=user).count() - before
        expected = 0 if NOT_PERSONAL.fullmatch(path.partition("?")[0]) else 1
        assert recorded == expected, path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
    # each persona but the co-op clerk (who exports nothing) can download something
    assert bool(attachments) == (persona != "coop_clerk")


def test_the_walk_meets_each_kind_of_export(client, objects, county_officer, village_cadre):
    """The walk above reaches every export the issue named (so an export renamed away
    from the matrix cannot slip past it)."""
    seen = set()
    for user in (county_officer, village_cadre):
        client.force_login(user)
        for path in _urls(objects):
            response = client.get(path)
            if response.get("Content-Disposition", "").startswith("attachment"):
                seen.add(path.partition("?")[0].split("/")[1])
    assert {
        "monitoring",
        "voice",
        "points",
        "matters",
        "households",
        "residents",
        "exports",
        "import",
    } <= seen
