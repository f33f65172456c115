from __future__ import annotations

import io
import re
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import PINNED_NOW
from households.models import Household, Resident
from villages.models import Level, Region, Role, StaffAssignment

# An ID number standing on its own: not a run of digits inside a hash or a cipher text.
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds), then empty the database again."""
    # at the tests' pinned time (a module fixture runs outside the per-test pinning): seeded
    # at the real clock, a baby born "today" in Shanghai would be born after the tests' today
    with django_db_blocker.unblock(), time_machine.travel(PINNED_NOW, tick=True):
        out = io.StringIO()
        call_command("seed_demo", "--force", stdout=out)
        yield out.getvalue()
        call_command("flush", "--noinput", verbosity=0)


def test_seed_demo_builds_a_county_of_the_promised_size(seeded):
    assert Household.objects.count() >= 5000
    assert Resident.objects.count() >= 15000
    county = Region.objects.get(code="360121")
    townships = Region.objects.filter(parent=county, children__isnull=False).distinct()
    assert {t.name for t in townships} == {"幽兰镇", "塔城乡", "黄马乡"}
    villages = Region.objects.filter(level=Level.VILLAGE)
    assert villages.count() == 12
    assert all(v.code.startswith(v.parent.code) and v.code[9] == "2" for v in villages)
    assert Region.objects.filter(level=Level.GROUP).count() >= 12 * 5
    # every role has a demo user, and the passwords are printed
    assert set(StaffAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert "demo-village-2026" in seeded


def test_seed_demo_distributions_are_plausible(seeded):
    labour = Counter(Resident.objects.values_list("labour_ability", flat=True))
    total = sum(labour.values())
    assert 0.4 < (labour["normal"] + labour["skilled"]) / total < 0.8
    sexes = Counter(Resident.objects.values_list("sex", flat=True))
    assert 0.4 < sexes["F"] / total < 0.6
    assert not Resident.objects.filter(birth_date__gt=timezone.localdate()).exists()
    heads = Resident.objects.filter(relation="head").count()
    assert heads == Household.objects.count()
    assert 2.5 < total / heads < 4.5


def test_no_plaintext_id_number_in_any_table(seeded):
    """Scan every column of every table for an 18-character ID number."""
    plain = {r.id_number() for r in Resident.objects.all()[:200]}
    assert len(plain) == 200
    assert all(len(p) == 18 for p in plain)
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    text = str(value)
                    if ID_PATTERN.search(text) or any(p in text for p in plain if len(text) >= 18):
                        hits.append((table, text[:40]))
    assert hits == []


def test_seed_demo_if_empty_does_nothing_the_second_time(seeded):
    count = Household.objects.count()
    out = io.StringIO()
    call_command("seed_demo", "--force", "--if-empty", stdout=out)
    assert Household.objects.count() == count
    assert "exist" in out.getvalue()


def test_another_county_is_seeded_beside_the_demo_for_a_province(seeded):
    """seed_demo --county (issue 27's province benchmark): its own 镇 and 乡, its people's
    numbers of its own area, no second set of demo logins; once only."""
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    from households.idnumbers import decrypt

    users = get_user_model().objects.count()
    demo = Household.objects.count()
    call_command(
        "seed_demo", "--force", "--county", "360827", "--households", "30", stdout=io.StringIO()
    )
    theirs = Household.objects.filter(village__code__startswith="360827")
    assert theirs.count() == 30
    assert Household.objects.count() == demo + 30
    township = theirs.first().village.parent
    assert township.parent.code == "360827"
    assert township.code[6] in "12"
    numbers = [
        decrypt(c)
        for c in Resident.objects.filter(household__in=theirs).values_list("id_cipher", flat=True)
    ]
    assert numbers
    assert all(n.startswith("360827") for n in numbers)
    assert get_user_model().objects.count() == users
    with pytest.raises(CommandError, match="holds households already"):
        call_command("seed_demo", "--force", "--county", "360827", "--households", "30")
    with pytest.raises(CommandError, match="no county 999999"):
        call_command("seed_demo", "--force", "--county", "999999", "--households", "30")
