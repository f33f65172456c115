"""The village's month (issue 24, item 7): one 防返贫工作研判会 a month, with the agenda the
portal prepares and the minutes the township reads, and the monthly 回头看 over the
households the village monitors now (still at risk? measures working? ready for
elimination?).

A month is the calendar month in Asia/Shanghai: on the 1st a new month's meeting and
look-back are due, and what was recorded for the month before stays with it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.masking import mask_id_numbers
from households.models import Household
from monitoring.checks import near_line
from monitoring.models import (
    Alert,
    AssistanceMeasure,
    LookBack,
    MeetingDecision,
    Monitored,
    ReviewMeeting,
    Revisit,
    Source,
)
from monitoring.roles import TOWNSHIP_STEPS, VILLAGE_STEPS
from villages.models import Region
from villages.notifications import Kind, notify, users_over
from villages.scoping import has_role_at, require_role_at


def this_month(today: datetime.date | None = None) -> str:
    return (today or timezone.localdate()).strftime("%Y-%m")


def month_start(month: str) -> datetime.date:
    year, number = (int(p) for p in month.split("-"))
    return datetime.date(year, number, 1)


def agenda(village: Region, month: str) -> list[dict]:
    """What the meeting should look at, prepared from the village's records: new alerts of
    the month, households near the line, overdue measures, open revisits of a portrait
    reminder, residents' self-reports. Each item names its household by number and links
    to the alert or household (no name: the minutes are read by the township)."""
    start = month_start(month)
    today = timezone.localdate()
    items: list[dict] = []
    alerts = Alert.objects.filter(village=village).select_related("household")
    for alert in alerts.filter(opened_at__date__gte=start).order_by("opened_at"):
        kind = "self_report" if alert.source == Source.SELF_REPORT else "new_alert"
        items.append(
            {
                "kind": kind,
                "alert": alert.pk,
                "household": alert.household_id,
                "number": alert.household.number,
                "stage": alert.stage,
            }
        )
    for alert in alerts.measures_overdue(today):
        items.append(
            {
                "kind": "measures_late",
                "alert": alert.pk,
                "household": alert.household_id,
                "number": alert.household.number,
            }
        )
    for revisit in Revisit.objects.filter(
        reminder__village=village, visited_on__isnull=True
    ).select_related("household"):
        items.append(
            {
                "kind": "revisit",
                "household": revisit.household_id,
                "number": revisit.household.number,
            }
        )
    near = near_line(Household.objects.filter(village=village))
    monitored = set(
        Monitored.objects.current()
        .filter(household_id__in=near)
        .values_list("household_id", flat=True)
    )
    for household in Household.objects.filter(pk__in=near - monitored).order_by("number")[:30]:
        items.append({"kind": "near_line", "household": household.pk, "number": household.number})
    return items


def agenda_labels() -> dict[str, str]:
    return {
        "new_alert": _("New alerts this month"),
        "self_report": _("Residents' self-reports"),
        "measures_late": _("No measure after the week"),
        "revisit": _("Portrait revisits not yet made"),
        "near_line": _("Near the line, not monitored"),
    }


def agenda_view(items: list[dict]) -> list[tuple[str, list[dict]]]:
    """The agenda grouped under its headings, each item with its link (the alert's page,
    or the household's)."""
    groups = []
    for kind, label in agenda_labels().items():
        rows = [
            {
                **item,
                "url": reverse("monitoring:alert", args=[item["alert"]])
                if item.get("alert")
                else reverse("households:detail", args=[item["household"]]),
            }
            for item in items
            if item.get("kind") == kind
        ]
        groups.append((label, rows))
    return groups


def record_meeting(
    *,
    village: Region,
    user,
    held_on: datetime.date,
    attendees: str,
    minutes: str,
    decisions: list[dict],
) -> ReviewMeeting:
    """Record the month's meeting (the month of `held_on`, not in the future, one a month)
    with its agenda as prepared now and its decisions; the township is told."""
    require_role_at(user, VILLAGE_STEPS, village.code)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The meeting cannot be in the future.")})
    month = this_month(held_on)
    # only the alerts the decisions name (a village has hundreds), with their households
    named: list[int] = [d["alert"] for d in decisions if d.get("alert")]
    alerts = {
        a.pk: a
        for a in Alert.objects.filter(village=village, pk__in=named).select_related("household")
    }
    measures = AssistanceMeasure.objects.filter(alert__village=village)
    households = Household.objects.filter(village=village)
    rows = []
    for decision in decisions:
        text = mask_id_numbers(decision.get("text", "").strip())[:300]
        if not text:
            continue
        alert = alerts.get(decision.get("alert") or 0)
        measure = measures.filter(pk=decision.get("measure") or 0).first()
        household = households.filter(pk=decision.get("household") or 0).first()
        if alert is not None and household is None:
            household = alert.household
        rows.append(MeetingDecision(text=text, alert=alert, measure=measure, household=household))
    try:
        with transaction.atomic():
            meeting = ReviewMeeting.objects.create(
                village=village,
                month=month,
                held_on=held_on,
                attendees=mask_id_numbers(attendees.strip())[:300],
                minutes=mask_id_numbers(minutes.strip())[:4000],
                agenda=agenda(village, month),
                recorded_by=user,
            )
            for row in rows:
                row.meeting = meeting
            MeetingDecision.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationError({"held_on": _("This month's meeting is already recorded.")}) from None
    notify(
        users_over(village.code, TOWNSHIP_STEPS),
        kind=Kind.ALERT,
        title=_("%(village)s recorded its review meeting of %(month)s")
        % {"village": village.name, "month": month},
        link=reverse("monitoring:meeting", args=[meeting.pk]),
    )
    return meeting


def look_back(
    *,
    monitored: Monitored,
    user,
    still_at_risk: bool,
    measures_working: bool,
    ready: bool,
    note: str = "",
) -> LookBack:
    """This month's look-back at one monitored household (once a month; a second is
    refused, the first stays)."""
    if not has_role_at(user, VILLAGE_STEPS, monitored.household.village.code):
        raise PermissionDenied
    if monitored.eliminated_at is not None:
        raise ValidationError(_("The household's risk is eliminated: it is not looked back at."))
    if ready and still_at_risk:
        raise ValidationError(
            {"ready": _("A household still at risk is not ready for risk elimination.")}
        )
    try:
        with transaction.atomic():
            return LookBack.objects.create(
                monitored=monitored,
                month=this_month(),
                still_at_risk=still_at_risk,
                measures_working=measures_working,
                ready=ready,
                note=mask_id_numbers(note.strip())[:300],
                on=timezone.localdate(),
                by=user,
            )
    except IntegrityError:
        raise ValidationError(_("This household is already looked back at this month.")) from None


def village_month(village: Region, today: datetime.date | None = None) -> dict:
    """The month's rhythm for the village's home: meeting held, look-backs done of the
    households monitored now (two queries)."""
    month = this_month(today)
    figures = (
        Monitored.objects.current()
        .filter(household__village=village)
        .aggregate(
            monitored=Count("pk", distinct=True),
            looked=Count("lookbacks", filter=Q(lookbacks__month=month), distinct=True),
        )
    )
    return {
        "month": month,
        "meeting": ReviewMeeting.objects.filter(village=village, month=month).first(),
        **figures,
    }
