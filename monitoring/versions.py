"""What a household's staff page shows of monitoring changes with these versions (issue
26: the page keeps the apps' panels, villages.registry.household_panels).

Every alert, enrolment, income and pairing row of a household moves the household's
version when it is saved or deleted (the signals below: no write path can forget it);
the monitoring lines move one version for every household, and so does the nightly
screening, which raises its alerts in one INSERT (monitoring.screening.alerts)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from common.caching import bump_after_commit

LINES_KEY = "monitoring-lines"
RAISED_KEY = "monitoring-raised"


def household_key(household_id: int) -> str:
    return f"monitoring-household:{household_id}"


def household_keys(household) -> list[str]:
    """The version keys of the household panel."""
    return [household_key(household.pk), LINES_KEY, RAISED_KEY]


def _household_row(sender, instance, **kwargs) -> None:
    bump_after_commit(household_key(instance.household_id))


def _line(sender, instance, **kwargs) -> None:
    bump_after_commit(LINES_KEY)


def connect() -> None:
    from monitoring.models import Alert, HouseholdIncome, Monitored, MonitoringLine, Pairing

    for model in (Alert, HouseholdIncome, Monitored, Pairing):
        for signal in (post_save, post_delete):
            signal.connect(_household_row, sender=model, dispatch_uid=f"panel-{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_line, sender=MonitoringLine, dispatch_uid="panel-MonitoringLine")
