"""What a household's staff page shows of monitoring changes with these versions (issue
26: the page keeps the apps' panels, villages.registry.household_panels).

Every alert, enrolment, income and pairing row of a household moves the household's
version when it is saved or deleted (common.caching.versions_follow: no write path that
saves a row can forget it); the monitoring lines move one version for every household,
and so does the nightly screening, which raises its alerts in one INSERT
(monitoring.screening.alerts)."""

from __future__ import annotations

from common.caching import versions_follow

LINES_KEY = "monitoring-lines"
RAISED_KEY = "monitoring-raised"


def household_key(household_id: int) -> str:
    return f"monitoring-household:{household_id}"


def household_keys(household) -> list[str]:
    """The version keys of the household panel."""
    return [household_key(household.pk), LINES_KEY, RAISED_KEY]


def connect() -> None:
    from monitoring.models import Alert, HouseholdIncome, Monitored, MonitoringLine, Pairing

    for model in (Alert, HouseholdIncome, Monitored, Pairing):
        versions_follow(model, lambda row: [household_key(row.household_id)])
    versions_follow(MonitoringLine, lambda row: [LINES_KEY])
