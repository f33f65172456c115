"""Fixtures shared by every test: the region tree, personas, and service checks."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from tests.factories import (
    HouseholdFactory,
    RegionFactory,
    ResidentFactory,
    UserFactory,
)
from villages.models import Level, Role, StaffAssignment

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


# Every test runs at a known instant (Monday 2026-11-23, 10:00 in 南昌), so ages, "today"
# and dates on pages are the same on every run; the clock still ticks from there.
PINNED_NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (locmem lives as long as the process)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _pinned_time():
    with time_machine.travel(PINNED_NOW, tick=True):
        yield


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.django_db(transaction=True))


# --- Leak scan (DESIGN §5) ------------------------------------------------------------------
# Every log line and request line of the whole suite is captured through the portal's
# mask filter (tests/test_zz_leak_scan.py reads them last); after every database test,
# every table is scanned for a full ID number before the test's data is rolled back.


@pytest.fixture(scope="session", autouse=True)
def _capture_log_lines():
    import logging

    from django.core.signals import request_started

    from tests.leaks import CAPTURED, log_request_line

    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    for logger in loggers:
        logger.addHandler(CAPTURED)
    logging.getLogger("django.server").setLevel(logging.INFO)
    request_started.connect(log_request_line)
    yield CAPTURED
    request_started.disconnect(log_request_line)
    for logger in loggers:
        logger.removeHandler(CAPTURED)


@pytest.fixture(autouse=True)
def _no_id_number_left_in_tables(request):
    uses_db = request.node.get_closest_marker("django_db") or DB_FIXTURES & set(
        request.fixturenames
    )
    if not uses_db or request.node.get_closest_marker("plants_id_numbers"):
        yield
        return
    # Requested here, so the database is torn down after this fixture: the scan sees the
    # test's rows before they are rolled back.
    request.getfixturevalue("_django_db_helper")
    yield
    from tests.leaks import scan_tables

    hits = scan_tables()
    if hits:
        pytest.fail(f"full ID numbers left in tables: {hits[:5]}")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def require_service():
    """Skip a test whose service is missing, except under CI=true, where it fails."""

    def check(name: str, url: str) -> None:
        if _reachable(url):
            return
        message = f"{name} is not reachable at {url}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing service is a failure)")
        pytest.skip(message)

    return check


# --- Hostile files -------------------------------------------------------------------


@pytest.fixture
def ghostscript_calls(monkeypatch):
    """As if Ghostscript were installed: every process Pillow would start is recorded."""
    calls = []

    def record(*args, **kwargs):
        calls.append(args)
        raise OSError("no process may be started")

    from PIL import EpsImagePlugin

    monkeypatch.setattr(EpsImagePlugin, "gs_binary", "gs")
    monkeypatch.setattr(subprocess, "check_call", record)
    monkeypatch.setattr(subprocess, "Popen", record)
    return calls


# --- Regions ----------------------------------------------------------------------------


@pytest.fixture
def county(db):
    return RegionFactory(code="360121", name="南昌县", level=Level.COUNTY, parent=None)


@pytest.fixture
def township(county):
    return RegionFactory(code="360121104", name="幽兰镇", level=Level.TOWNSHIP, parent=county)


@pytest.fixture
def other_township(county):
    return RegionFactory(code="360121202", name="塔城乡", level=Level.TOWNSHIP, parent=county)


@pytest.fixture
def village(township):
    return RegionFactory(code="360121104201", name="渡头村", level=Level.VILLAGE, parent=township)


@pytest.fixture
def sibling_village(township):
    return RegionFactory(code="360121104202", name="前湖村", level=Level.VILLAGE, parent=township)


@pytest.fixture
def other_village(other_township):
    return RegionFactory(
        code="360121202201", name="塔城村", level=Level.VILLAGE, parent=other_township
    )


@pytest.fixture
def group(village):
    return RegionFactory(code="360121104201001", name="一组", level=Level.GROUP, parent=village)


@pytest.fixture
def far_county(db):
    """Another county (集宁区, Inner Mongolia), outside every fixture persona's region."""
    return RegionFactory(code="150902", name="集宁区", level=Level.COUNTY, parent=None)


@pytest.fixture
def far_township(far_county):
    return RegionFactory(
        code="150902001", name="新体路街道", level=Level.TOWNSHIP, parent=far_county
    )


# --- Personas ---------------------------------------------------------------------------


def _staff(role: str, region, *, reveal: bool = False, username: str | None = None):
    user = UserFactory(username=username) if username else UserFactory()
    StaffAssignment.objects.create(user=user, region=region, role=role, sees_identity=reveal)
    return user


@pytest.fixture
def village_cadre(village):
    return _staff(Role.VILLAGE_CADRE, village, reveal=True)


@pytest.fixture
def plain_cadre(village):
    """A cadre of the same village without the full-identity permission."""
    return _staff(Role.VILLAGE_CADRE, village)


@pytest.fixture
def other_village_cadre(other_village):
    return _staff(Role.VILLAGE_CADRE, other_village, reveal=True)


@pytest.fixture
def township_officer(township):
    return _staff(Role.TOWNSHIP_OFFICER, township)


@pytest.fixture
def county_officer(county):
    return _staff(Role.COUNTY_OFFICER, county, reveal=True)


@pytest.fixture
def grid_worker(village):
    return _staff(Role.GRID_WORKER, village)


@pytest.fixture
def coop_clerk(village):
    return _staff(Role.COOP_CLERK, village)


@pytest.fixture
def two_county_account(village, far_township):
    """An account with a township role in 集宁区 and a grid role in 渡头村: the county
    officer of 南昌县 sees it (one assignment is theirs) but must not manage it."""
    user = _staff(Role.TOWNSHIP_OFFICER, far_township, username="two_counties")
    StaffAssignment.objects.create(user=user, region=village, role=Role.GRID_WORKER)
    return user


@pytest.fixture
def cadre_client(client, village_cadre):
    client.force_login(village_cadre)
    return client


@pytest.fixture
def household(village, group):
    return HouseholdFactory(village=village, group=group)


@pytest.fixture
def resident(household):
    return ResidentFactory(household=household)


@pytest.fixture
def other_household(other_village):
    return HouseholdFactory(village=other_village)


@pytest.fixture
def other_resident(other_household):
    return ResidentFactory(household=other_household)


# --- Data of the migrations -------------------------------------------------------------


@pytest.fixture
def monitoring_catalogue():
    """Monitoring's catalogue, rules and line as its data migrations put them, back where a
    transactional test's flush (browser, worker) emptied the tables. For tests with
    database access."""
    import importlib

    from django.apps import apps

    from monitoring.models import Department

    if not Department.objects.exists():
        for name in ("0002_catalogue_data", "0004_default_rules"):
            importlib.import_module(f"monitoring.migrations.{name}").load(apps, None)
        importlib.import_module("monitoring.migrations.0008_item_meanings_in_chinese").fill(
            apps, None
        )
    from monitoring.models import PortraitRule

    if not PortraitRule.objects.exists():
        importlib.import_module("monitoring.migrations.0013_method_checks_meetings").default_rules(
            apps, None
        )
