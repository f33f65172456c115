"""Notifications and access records by month (issue 27, item 2; decision 111): each row
carries the month it was written in (Asia/Shanghai), the tables are partitioned by it on
PostgreSQL, and the nightly tasks drop the months past their retention, keeping the first
month inside it."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection

from common import partitions
from households.models import AccessEvent, AccessKind
from households.tasks import access_drop_task
from notices.models import Kind, Notification
from notices.tasks import notifications_drop_task

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        return cursor.fetchone()[0] is not None


@pytest.mark.django_db
def test_a_record_takes_the_month_of_shanghai_not_of_utc(village_cadre, time_machine):
    # 16:30 UTC on the last day of November is 00:30 on 1 December in Shanghai
    time_machine.move_to(datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC))
    told = Notification.objects.create(recipient=village_cadre, kind=Kind.ALERT, title="t")
    seen = AccessEvent.objects.create(user=village_cadre, kind=AccessKind.EXPORT_MASKED)
    assert told.period == seen.period == "2026-12"
    time_machine.move_to(datetime.datetime(2026, 11, 30, 15, 59, tzinfo=datetime.UTC))
    assert partitions.this_period() == "2026-11"


@pytest.mark.django_db(transaction=True)  # as the night's tasks: their own transactions
def test_the_nightly_tasks_drop_the_months_past_retention_and_keep_the_first_kept(
    village_cadre, settings, time_machine
):
    settings.NOTIFICATION_RETENTION_MONTHS = 12
    settings.ACCESS_RETENTION_MONTHS = 36
    time_machine.move_to(datetime.datetime(2026, 12, 8, 3, 45, tzinfo=SHANGHAI))
    for period in ("2025-11", "2025-12"):  # the first kept month: 2025-12
        partitions.ensure(period)
        Notification.objects.create(
            recipient=village_cadre, kind=Kind.ALERT, title=period, period=period
        )
    for period in ("2023-11", "2023-12"):  # the first kept month: 2023-12
        partitions.ensure(period)
        AccessEvent.objects.create(
            user=village_cadre, kind=AccessKind.EXPORT_MASKED, detail=period, period=period
        )

    notifications_drop_task.apply()
    access_drop_task.apply()

    assert list(Notification.objects.values_list("period", flat=True)) == ["2025-12"]
    assert list(AccessEvent.objects.values_list("period", flat=True)) == ["2023-12"]
    if connection.vendor == "postgresql":
        assert not _exists("notices_notification_p2025_11")
        assert _exists("notices_notification_p2025_12")
        assert not _exists("households_accessevent_p2023_11")
        # and this month's and next month's partitions are made ahead
        assert _exists("notices_notification_p2026_12")
        assert _exists("households_accessevent_p2027_01")


def test_the_month_after_december_is_january():
    assert partitions.next_period("2026-12") == "2027-01"
    assert partitions.next_period("2026-01") == "2026-02"
