"""Step 4 of the screening job: one assessment per household and period, set-based.

For a county and a period, the folded values (step 3, monitoring.screening.fold) are
compared with the active item rules, and the households'
per-capita net income of the period's year (明白卡, HouseholdIncome) with the income
rules against the monitoring line. The matched rules give each household its score
(the sum of their weights), its level (ScreeningSettings' bands) and its reasons. It is
all one SQL statement per step (PostgreSQL and SQLite spell the JSON parts differently),
never a Python loop over households.

Assessments are upserted only where they changed and removed where a household no
longer matches any rule: a re-run on unchanged data writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from households.models import Household
from monitoring.models import (
    COMPARISON_SQL,
    Assessment,
    DataItem,
    FeedBatch,
    FeedValue,
    HouseholdIncome,
    MonitoringLine,
    RiskRule,
    RuleKind,
    ScreeningSettings,
)
from monitoring.screening.fold import FOLDED
from villages.models import Region

SCORED = "screening_scored"  # pragma: no mutate (any name of the temporary table works)

T = {
    "assessment": Assessment._meta.db_table,
    "batch": FeedBatch._meta.db_table,
    "value": FeedValue._meta.db_table,
    "item": DataItem._meta.db_table,
    "rule": RiskRule._meta.db_table,
    "income": HouseholdIncome._meta.db_table,
    "line": MonitoringLine._meta.db_table,
    "household": Household._meta.db_table,
    "region": Region._meta.db_table,
}


def _json_reasons() -> str:
    """The aggregate that makes a household's reasons (heaviest rule first)."""
    if connection.vendor == "postgresql":
        return (
            "jsonb_agg(jsonb_build_object('rule', h.rule_id, 'cause', h.cause, 'label', h.label,"
            " 'value', h.value, 'unit', h.unit, 'type', h.type, 'line', h.line,"
            " 'weight', h.weight) ORDER BY h.weight DESC, h.rule_id)"
        )
    return (
        "json_group_array(json_object('rule', h.rule_id, 'cause', h.cause, 'label', h.label,"
        " 'value', h.value, 'unit', h.unit, 'type', h.type, 'line', h.line, 'weight', h.weight))"
    )


def _hits_sql() -> str:
    """(household_id, rule_id, weight, cause, label, value, unit, type, line) of every
    rule a household of the county matches in the period."""

    def compared(left: str, right: str) -> str:
        """The rule's own comparison of `left` with `right` (item rules and income rules
        alike: an income rule saying ≤ takes the household at the line too)."""
        return (
            "("
            + " OR ".join(
                f"(r.comparison = '{code}' AND {left} {op} {right})"
                for code, op in COMPARISON_SQL.items()
            )
            + ")"
        )

    return f"""
        hits AS (
            SELECT v.household_id, r.id AS rule_id, r.weight, r.cause,
                   CASE WHEN r.label = '' THEN it.name ELSE r.label END AS label,
                   v.value, it.unit, it.type, NULL AS line
            FROM {FOLDED} v
            JOIN {T["rule"]} r ON r.item_id = v.item_id AND r.active AND r.kind = %(item_kind)s
            JOIN {T["item"]} it ON it.id = v.item_id
            WHERE {compared("v.value", "r.threshold")}
            UNION ALL
            SELECT i.household_id, r.id, r.weight, r.cause,
                   CASE WHEN r.label = '' THEN 'income' ELSE r.label END,
                   ROUND({NET}, 2), '元', 'income', l.amount
            FROM {INCOMES} i
            JOIN {T["line"]} l ON l.year = i.year
            JOIN {T["rule"]} r ON r.active AND r.kind = %(income_kind)s
            WHERE {compared(NET, "l.amount * r.threshold")}
        )"""  # noqa: S608 (table names from the models; values are parameters)


NET = (
    "(CAST(i.wages + i.business + i.property_income + i.transfers"
    " - i.medical - i.education - i.disaster AS NUMERIC) / i.members)"
)
# the county's households' incomes of the period's year (明白卡)
INCOMES = f"""(
    SELECT i.* FROM {T["income"]} i
    JOIN {T["household"]} hh ON hh.id = i.household_id
    JOIN {T["region"]} g ON g.id = hh.village_id
    WHERE i.year = %(year)s AND g.code LIKE %(prefix)s)"""  # noqa: S608


def score(county: Region, period: str) -> dict[str, int]:
    """Assess every household of the county with folded values (FOLDED, the fold step's
    table, in this transaction) or an income of the period's year; returns
    {"households_scored", "assessments_written", "assessments_removed"}."""
    params = _params(county, period)
    # (SQLite takes any type name; "text" only for the reader)
    reasons_type = "jsonb" if connection.vendor == "postgresql" else "text"  # pragma: no mutate
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {SCORED} (household_id bigint PRIMARY KEY,"
            f" score integer, reasons {reasons_type})"
        )
        cursor.execute(f"DELETE FROM {SCORED}")  # noqa: S608
        cursor.execute(
            f"""
            WITH {_hits_sql()}
            INSERT INTO {SCORED} (household_id, score, reasons)
            SELECT h.household_id, SUM(h.weight), {_json_reasons()}
            FROM hits h GROUP BY h.household_id
            """,  # noqa: S608 (table names from the models; values are parameters)
            params,
        )
        return {
            "households_scored": _households_scored(cursor, params),
            "assessments_written": _upsert(cursor, params),
            "assessments_removed": _remove_unmatched(cursor, params),
        }


def _params(county: Region, period: str) -> dict[str, Any]:
    settings = ScreeningSettings.current()
    return {
        "period": period,
        "item_kind": RuleKind.ITEM,
        "income_kind": RuleKind.INCOME,
        "year": int(period[:4]),
        "prefix": county.code + "%",
        "high": settings.high_score,
        "medium": settings.medium_score,
        "low": settings.low_score,
        "now": timezone.now(),
    }


def _upsert(cursor, params: dict[str, Any]) -> int:
    """Write the households' assessments where they changed; how many were written."""
    level = (
        "CASE WHEN s.score >= %(high)s THEN 'high' WHEN s.score >= %(medium)s THEN 'medium'"
        " WHEN s.score >= %(low)s THEN 'low' ELSE 'none' END"
    )
    changed = (
        "a.score IS DISTINCT FROM excluded.score OR a.reasons IS DISTINCT FROM excluded.reasons"
        " OR a.level IS DISTINCT FROM excluded.level"
        if connection.vendor == "postgresql"
        else "a.score IS NOT excluded.score OR a.reasons IS NOT excluded.reasons"
        " OR a.level IS NOT excluded.level"
    )
    return _written(
        cursor,
        f"""
        INSERT INTO {T["assessment"]} AS a
            (household_id, period, score, level, reasons, computed_at)
        SELECT s.household_id, CAST(%(period)s AS VARCHAR(7)), s.score, {level},
               s.reasons, %(now)s
        FROM {SCORED} s WHERE true
        ON CONFLICT (household_id, period) DO UPDATE
        SET score = excluded.score, level = excluded.level, reasons = excluded.reasons,
            computed_at = excluded.computed_at
        WHERE {changed}
        """,  # noqa: S608
        params,
    )


def _remove_unmatched(cursor, params: dict[str, Any]) -> int:
    """Remove the period's assessments of the county's households that match no rule
    now; how many were removed."""
    return _written(
        cursor,
        f"""
        DELETE FROM {T["assessment"]}
        WHERE period = %(period)s
          AND household_id IN (
              SELECT hh.id FROM {T["household"]} hh
              JOIN {T["region"]} g ON g.id = hh.village_id WHERE g.code LIKE %(prefix)s)
          AND household_id NOT IN (SELECT household_id FROM {SCORED})
        """,  # noqa: S608
        params,
    )


def _written(cursor, sql: str, params: dict[str, Any]) -> int:
    """Run an INSERT, UPDATE or DELETE; how many rows it wrote. On PostgreSQL the rows it
    returns are counted: a Citus coordinator's row count of an INSERT … SELECT it pulls to
    itself (from the temporary table here) is the rows selected, not the rows written
    (decision 110)."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
    cursor.execute(f"WITH w AS ({sql} RETURNING 1) SELECT count(*) FROM w", params)  # noqa: S608
    return cursor.fetchone()[0]


def _households_scored(cursor, params: dict[str, Any]) -> int:
    """Households with folded values or an income of the year: the ones assessed."""
    cursor.execute(
        f"""
        SELECT COUNT(*) FROM (
            SELECT household_id FROM {FOLDED}
            UNION
            SELECT i.household_id FROM {INCOMES} i
        ) scored
        """,  # noqa: S608
        params,
    )
    return cursor.fetchone()[0]
