"""What monitoring brings to the shared pages: its menu entries, its home panel (open
and overdue alerts of the area) and its household panel (the household's alerts and
enrolment), registered from MonitoringConfig.ready()."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.models import Alert, Monitored
from monitoring.reasons import reasons_text
from monitoring.roles import CATALOGUE_KEEPERS, MONITORING_READERS, QUEUE_WORKERS
from villages.registry import MenuEntry, Panel, portal


def home_panel(request, region) -> dict | None:
    alerts = Alert.objects.visible_to(request.user).open()
    if region is not None:
        alerts = alerts.filter(village__code__startswith=region.code)
    today = timezone.localdate()
    figures = {
        "open": alerts.count(),
        "overdue": alerts.filter(due_date__lt=today).count(),
        "high": alerts.filter(level="high").count(),
    }
    monitored = Monitored.objects.visible_to(request.user).current()
    if region is not None:
        monitored = monitored.filter(household__village__code__startswith=region.code)
    figures["monitored"] = monitored.count()
    return figures


def household_panel(request, household) -> dict | None:
    alerts = list(Alert.objects.filter(household=household).order_by("-opened_at")[:5])
    # the household's mirror of the enrolment says whether there is one to read
    enrolment = None
    if household.monitoring_category:
        enrolment = Monitored.objects.filter(household=household).current().first()
    if not alerts and enrolment is None:
        return None
    for alert in alerts:
        alert.reason_lines = reasons_text(alert.reasons)
    return {"alerts": alerts, "enrolment": enrolment}


def register() -> None:
    portal.add_menu(
        MenuEntry(
            key="alerts",
            label=_("Alerts"),
            url_name="monitoring:queue",
            roles=MONITORING_READERS,
            order=40,
            active_for=("monitoring:alert",),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="portrait",
            label=_("Portraits"),
            url_name="monitoring:portrait",
            roles=QUEUE_WORKERS,
            order=42,
        )
    )
    portal.add_menu(
        MenuEntry(
            key="feeds",
            label=_("Department data"),
            url_name="monitoring:feeds",
            roles=CATALOGUE_KEEPERS,
            order=45,
            active_for=(
                "monitoring:catalogue",
                "monitoring:item_new",
                "monitoring:item_edit",
                "monitoring:rules",
                "monitoring:rule_new",
                "monitoring:rule_edit",
            ),
        )
    )
    portal.add_home_panel(
        Panel(
            key="monitoring_alerts",
            template="monitoring/_home_panel.html",
            context=home_panel,
            roles=MONITORING_READERS,
            order=20,
        )
    )
    portal.add_household_panel(
        Panel(
            key="monitoring_household",
            template="monitoring/_household_panel.html",
            context=household_panel,
            roles=MONITORING_READERS,
            order=20,
        )
    )
