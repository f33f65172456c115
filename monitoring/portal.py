"""What monitoring brings to the shared pages: its menu entries, its home panels (open
and overdue alerts of the area; a paired cadre's households) and its household panel
(the household's alerts, enrolment and paired cadre), registered from
MonitoringConfig.ready()."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid.models import Visit
from households.models import Household
from monitoring import month, versions
from monitoring.models import (
    MEASURE_FINAL,
    Alert,
    AssistanceMeasure,
    CheckCampaign,
    CheckLevel,
    CheckMark,
    HouseholdIncome,
    Monitored,
    MonitoringLine,
    Pairing,
    Revisit,
    RiskLevel,
)
from monitoring.public import hardship_panel
from monitoring.reasons import figure, reasons_text
from monitoring.roles import (
    CATALOGUE_KEEPERS,
    COUNTY_STEPS,
    MONITORING_READERS,
    PAIRED,
    QUEUE_WORKERS,
    VILLAGE_STEPS,
)
from monitoring.services import visit_flag
from villages.models import Level, Region
from villages.registry import MenuEntry, Panel, PublicPanel, portal
from villages.scoping import has_role_at


def home_panel(request, region) -> dict | None:
    alerts = Alert.objects.visible_to(request.user).open()
    if region is not None:
        alerts = alerts.filter(village__code__startswith=region.code)
    figures = alerts.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_date__lt=timezone.localdate())),
        high=Count("pk", filter=Q(level=RiskLevel.HIGH)),
    )  # one query on every home page
    monitored = Monitored.objects.visible_to(request.user).current()
    if region is not None:
        monitored = monitored.filter(household__village__code__startswith=region.code)
    enrolled = monitored.aggregate(
        households=Count("pk", distinct=True), people=Count("members", distinct=True)
    )
    figures["monitored"], figures["monitored_people"] = enrolled["households"], enrolled["people"]
    # risk confirmed a week ago and no measure fixed yet (the village's and township's)
    confirmed = Alert.objects.visible_to(request.user)
    if region is not None:
        confirmed = confirmed.filter(village__code__startswith=region.code)
    figures["measures_overdue"] = confirmed.measures_overdue(timezone.localdate()).count()
    return figures


def paired_panel(request, region) -> dict | None:
    """The paired cadre's home: their households at risk, each with whether it was visited
    this month and how many measures wait for a report (three queries; nothing shown to
    someone paired with no household)."""
    pairings = list(
        Pairing.objects.filter(cadre=request.user)
        .current()
        .select_related("household__village")
        .order_by("household__village__code", "household__number")
    )
    if not pairings:
        return None
    ids = [p.household_id for p in pairings]
    month = timezone.localdate().replace(day=1)
    visited = set(
        Visit.objects.filter(household_id__in=ids, visited_on__gte=month).values_list(
            "household_id", flat=True
        )
    )
    open_measures = dict(
        AssistanceMeasure.objects.filter(alert__household_id__in=ids)
        .exclude(status__in=MEASURE_FINAL)
        .values_list("alert__household_id")
        .annotate(n=Count("pk"))
    )
    return {
        "rows": [
            {
                "household": p.household,
                "visit_due": p.household_id not in visited,
                # measures are reported on the alert's page, which monitoring's readers open
                "measures": open_measures.get(p.household_id, 0)
                if has_role_at(request.user, MONITORING_READERS, p.household.village.code)
                else 0,
            }
            for p in pairings
        ]
    }


def month_panel(request, region) -> dict | None:
    """The village's month for its cadres and work team: this month's review meeting and
    look-back, the portrait revisits still to make and the running check campaign (for
    one village: a cadre of several sees the first)."""
    villages = Region.objects.visible_to(request.user, roles=VILLAGE_STEPS).filter(
        level=Level.VILLAGE
    )
    if region is not None:
        villages = villages.filter(code__startswith=region.code)
    village = villages.order_by("code").first()
    if village is None:
        return None
    today = timezone.localdate()
    figures = month.village_month(village, today)
    figures["village"] = village
    figures["revisits"] = Revisit.objects.filter(
        reminder__village=village, visited_on__isnull=True
    ).count()
    campaign = (
        CheckCampaign.objects.filter(
            county__code=village.code[:6], starts_on__lte=today, ends_on__gte=today
        )
        .order_by("-starts_on")
        .first()
    )
    if campaign is not None:
        figures["campaign"] = campaign
        figures["households"] = Household.objects.filter(village=village).count()
        figures["checked"] = CheckMark.objects.filter(
            campaign=campaign, level=CheckLevel.VILLAGE, household__village=village
        ).count()
    return figures


def household_panel(request, household) -> dict | None:
    """The household's alerts, enrolment and income against the line (two queries when
    there is nothing to show: its alerts and its income)."""
    alerts = list(Alert.objects.filter(household=household).order_by("-opened_at")[:5])
    for alert in alerts:
        alert.reason_lines = reasons_text(alert.reasons)
    # the household's mirror of the enrolment says whether there is one to read
    enrolment = None
    if household.monitoring_category:
        enrolment = Monitored.objects.filter(household=household).current().first()
    income = HouseholdIncome.objects.filter(household=household).order_by("-year").first()
    line = MonitoringLine.objects.filter(year=income.year).first() if income else None
    return {
        "household": household,
        "pairing": Pairing.objects.filter(household=household)
        .current()
        .select_related("cadre")
        .first(),
        "alerts": alerts,
        "enrolment": enrolment,
        "income": income,
        "net": figure(income.per_capita_net) if income else "",
        "line": figure(line.amount) if line else "",
        "below": bool(income and line and income.per_capita_net < line.amount),
        "may_enter_income": has_role_at(request.user, VILLAGE_STEPS, household.village.code),
    }


def register() -> None:
    versions.connect()
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
            key="monitored",
            label=_("Monitored households"),
            url_name="monitoring:monitored_list",
            roles=MONITORING_READERS,
            order=41,
            active_for=("monitoring:monitored",),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="portrait",
            label=_("Portraits"),
            url_name="monitoring:portrait",
            roles=MONITORING_READERS,
            order=42,
            active_for=(
                "monitoring:portrait_rules",
                "monitoring:reminders",
                "monitoring:reminder",
            ),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="checks",
            label=_("Three-level checks"),
            url_name="monitoring:checks",
            roles=MONITORING_READERS,
            order=46,
            active_for=("monitoring:check",),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="meetings",
            label=_("Review meetings"),
            url_name="monitoring:meetings",
            roles=MONITORING_READERS,
            order=47,
            active_for=("monitoring:meeting", "monitoring:meeting_new", "monitoring:lookback"),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="campaigns",
            label=_("Re-check campaigns"),
            url_name="monitoring:campaigns",
            roles=COUNTY_STEPS,
            order=44,
        )
    )
    portal.add_menu(
        MenuEntry(
            key="runs",
            label=_("Screening runs"),
            url_name="monitoring:runs",
            roles=QUEUE_WORKERS,
            order=43,
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
            key="paired",
            template="monitoring/_paired_panel.html",
            context=paired_panel,
            roles=PAIRED,
            order=6,  # the cadre's own tasks first, before the area's figures
        )
    )
    portal.add_home_panel(
        Panel(
            key="village_month",
            template="monitoring/_month_panel.html",
            context=month_panel,
            roles=VILLAGE_STEPS,
            order=7,  # the village's own month, beside the paired cadre's tasks
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
            version_keys=versions.household_keys,
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="hardship",
            title=_("Report a hardship"),
            template="monitoring/_public_hardship.html",
            context=hardship_panel,
            order=60,
            version=lambda household: "1",  # a link: the same for every visit
        )
    )
    # a grid visit that suspects hardship: an alert of source "visit" (the grid app
    # announces it; it may not import monitoring)
    portal.on("grid.hardship_suspected", _visit_flag)


def _visit_flag(*, household, user, note: str) -> None:
    visit_flag(household=household, user=user, note=note)
