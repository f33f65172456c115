"""Step 5 of the screening job: households at or above the alert level get one open
alert, pushed to their village (DESIGN §3), in one INSERT … SELECT.

A household gets no new alert from the period's data when it has an open alert, when
this period's data already raised one (closed since or not: re-running changes nothing),
when it is a monitored household, or when its last alert was dismissed after on-site
verification and its score is not higher than that alert's (re-alerted only when the
evidence gets worse). The partial unique index (one open alert a household) settles
two runs at once.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from common.caching import bump_after_commit
from households.models import Household
from monitoring import versions
from monitoring.models import (
    LEVEL_RANK,
    Alert,
    AlertEvent,
    Assessment,
    Monitored,
    RiskLevel,
    ScreeningSettings,
    Source,
    Stage,
    level_rank_sql,
)
from monitoring.services import tell_new_alerts
from villages.models import Region

A = Alert._meta.db_table
# constants of the code, written into the statements: a parameter used both as a value
# and in a comparison gets two types under PostgreSQL's server-side binding
SCREENING, VERIFY = Source.SCREENING.value, Stage.VERIFY.value


def raise_alerts(county: Region, period: str, today: datetime.date | None = None) -> int:
    """Raise the period's alerts in the county; returns how many are new."""
    settings = ScreeningSettings.current()
    today = today or timezone.localdate()
    params: dict[str, Any] = {
        "period": period,
        "prefix": county.code + "%",
        "rank": LEVEL_RANK[settings.alert_level],
        "due": today + datetime.timedelta(days=settings.verify_days),
        "now": timezone.now(),
    }
    rank = level_rank_sql("a.level")
    with transaction.atomic(), connection.cursor() as cursor:
        before = Alert.objects.aggregate(last=Max("pk"))["last"] or 0
        # The households are chosen first (the CTEs), then inserted, and each exclusion
        # is read once as a set (NOT IN, a hashed subplan; the columns are never null)
        # rather than probed per household: while the alerts' statistics still said
        # "empty" (a mass delete before), PostgreSQL scanned the table anew for each
        # household, and checked during the insert, the table as it grew (2.4 s for
        # 9,700 alerts).
        materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"""
            INSERT INTO {A} (household_id, village_id, source, stage, level, score, period,
                             reasons, causes, due_date, opened_at, dismissed_at_verification)
            WITH dismissed AS {materialized} (
                -- a household's last closed alert, when dismissed after verification
                SELECT x.household_id, x.score FROM {A} x
                WHERE x.dismissed_at_verification
                  AND x.closed_at = (SELECT MAX(y.closed_at) FROM {A} y
                                     WHERE y.household_id = x.household_id)
            ),
            chosen AS {materialized} (
                SELECT a.household_id, hh.village_id, '{SCREENING}', '{VERIFY}', a.level,
                       a.score, a.period, a.reasons, {_causes_of_reasons()}, %(due)s, %(now)s,
                       false
                FROM {Assessment._meta.db_table} a
                JOIN {Household._meta.db_table} hh ON hh.id = a.household_id
                JOIN {Region._meta.db_table} g ON g.id = hh.village_id
                LEFT JOIN dismissed dd ON dd.household_id = a.household_id
                WHERE a.period = %(period)s AND g.code LIKE %(prefix)s AND {rank} >= %(rank)s
                  AND (dd.household_id IS NULL OR a.score > dd.score)
                  AND a.household_id NOT IN (SELECT o.household_id FROM {A} o
                                             WHERE o.closed_at IS NULL)
                  AND a.household_id NOT IN (SELECT p.household_id FROM {A} p
                                             WHERE p.source = '{SCREENING}'
                                               AND p.period = %(period)s)
                  AND a.household_id NOT IN (SELECT m.household_id
                                             FROM {Monitored._meta.db_table} m
                                             WHERE m.eliminated_at IS NULL)
            )
            SELECT * FROM chosen WHERE true
            ON CONFLICT (household_id) WHERE closed_at IS NULL DO NOTHING
            """,  # noqa: S608 (table names from the models; values are parameters)
            params,
        )
        # counted as the alerts the county has past `before`, not by the INSERT's row
        # count: a Citus coordinator's is the rows it chose, conflicts or not (decision 110)
        new_alerts = Alert.objects.filter(
            pk__gt=before, village__code__startswith=county.code
        ).order_by()
        new = new_alerts.count()
        cursor.execute(
            f"""
            INSERT INTO {AlertEvent._meta.db_table} (alert_id, action, user_id, at, note, data)
            SELECT al.id, 'raised', NULL, al.opened_at, '', '{{}}' FROM {A} al
            WHERE al.source = '{SCREENING}' AND al.period = %(period)s
              AND NOT EXISTS (SELECT 1 FROM {AlertEvent._meta.db_table} e
                              WHERE e.alert_id = al.id)
            """,  # noqa: S608
            params,
        )
        if new:
            # the households' staff pages (this INSERT sends no signal)
            bump_after_commit(versions.RAISED_KEY)
            # each village's cadres are told how many alerts it got (one message a village)
            counts = dict(new_alerts.values_list("village_id").annotate(n=Count("pk")))
            high = dict(
                new_alerts.filter(level=RiskLevel.HIGH)
                .values_list("village_id")
                .annotate(n=Count("pk"))
            )
            tell_new_alerts(counts, link=reverse("monitoring:queue"), high=high)
    return new


def _causes_of_reasons() -> str:
    """The distinct causes of the assessment's reasons (a.reasons), as a JSON list: the
    queue filters alerts by cause."""
    if connection.vendor == "postgresql":
        return (
            "(SELECT COALESCE(jsonb_agg(DISTINCT r->>'cause'), '[]'::jsonb)"
            " FROM jsonb_array_elements(a.reasons) r)"
        )
    return (
        "(SELECT json_group_array(DISTINCT json_extract(value, '$.cause'))"
        " FROM json_each(a.reasons))"
    )


def open_alerts(counties: Iterable[Region]) -> int:
    """The alerts open in these counties, in one query (a province's night asks for its
    hundred counties at once)."""
    areas = [Q(village__code__startswith=county.code) for county in counties]
    if not areas:
        return 0
    return Alert.objects.open().filter(functools.reduce(operator.or_, areas)).count()
