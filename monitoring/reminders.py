"""Portraits that send people back (issue 24, item 5): the county reminds every village a
portrait colours yellow or red, in its staff's inboxes, with the households to revisit;
staff record each visit with one click; the county sees which revisits were made.

Which households a reminder lists, by the rules the village met (at most MAX_REVISITS):
its open alerts past their deadline, its confirmed risks with no measure after their
week, its alerts dismissed this year when many were raised and few enrolled, and when it
has no monitored household, the households the latest screening scored at risk.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.masking import mask_id_numbers
from monitoring import portraits
from monitoring.models import (
    Alert,
    Assessment,
    Monitored,
    PortraitKind,
    Reminder,
    Revisit,
    RevisitReason,
    RiskLevel,
    Stage,
)
from monitoring.roles import COUNTY_STEPS, MONITORING_READERS, TOWNSHIP_STEPS, VILLAGE_STEPS
from villages.models import Region
from villages.notifications import Kind, notify, users_over
from villages.scoping import has_role_at, require_role_at

MAX_REVISITS = 50


def _households(village: Region, kinds: set[str], year: int) -> list[tuple[int, str]]:
    """(household id, reason) to revisit, in the order of the reasons above."""
    today = timezone.localdate()
    alerts = Alert.objects.filter(village=village)
    found: list[tuple[int, str]] = []
    if PortraitKind.OVERDUE in kinds:
        found += [
            (h, RevisitReason.OVERDUE)
            for h in alerts.open().filter(due_date__lt=today).values_list("household_id", flat=True)
        ]
    if PortraitKind.MEASURES_LATE in kinds:
        found += [
            (h, RevisitReason.MEASURES_LATE)
            for h in alerts.measures_overdue(today).values_list("household_id", flat=True)
        ]
    if PortraitKind.FEW_ENROLLED in kinds:
        found += [
            (h, RevisitReason.DISMISSED)
            for h in alerts.filter(stage=Stage.DISMISSED, opened_at__year=year).values_list(
                "household_id", flat=True
            )
        ]
    if PortraitKind.NO_MONITORED in kinds:
        latest = (
            Assessment.objects.filter(household__village=village)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        if latest:
            monitored = Monitored.objects.current().values("household_id")
            found += [
                (h, RevisitReason.AT_RISK)
                for h in Assessment.objects.filter(
                    household__village=village,
                    period=latest,
                    level__in=(RiskLevel.HIGH, RiskLevel.MEDIUM),
                )
                .exclude(household_id__in=monitored)
                .order_by("-score")
                .values_list("household_id", flat=True)[:MAX_REVISITS]
            ]
    seen: set[int] = set()
    unique = []
    for household, reason in found:
        if household not in seen:
            seen.add(household)
            unique.append((household, reason))
    return unique[:MAX_REVISITS]


def remind(*, user, county: Region, year: int) -> list[Reminder]:
    """Send this month's reminder to every village of the county the portraits colour
    yellow or red (a village reminded this month already is left as it is); its cadres,
    work team and township officers are told."""
    require_role_at(user, COUNTY_STEPS, county.code)
    villages = Region.objects.filter(code__startswith=county.code, level="village")
    month = timezone.localdate().strftime("%Y-%m")
    already = set(
        Reminder.objects.filter(village__in=villages, month=month).values_list(
            "village_id", flat=True
        )
    )
    sent = []
    for row in portraits.villages_of(portraits.area_portrait(villages, year)):
        if row.colour == "green" or row.region.pk in already:
            continue
        kinds = sorted({rule.kind for rule in row.met})
        with transaction.atomic():
            reminder = Reminder.objects.create(
                village=row.region, month=month, colour=row.colour, kinds=kinds, sent_by=user
            )
            Revisit.objects.bulk_create(
                Revisit(reminder=reminder, household_id=h, reason=reason)
                for h, reason in _households(row.region, set(kinds), year)
            )
        notify(
            users_over(row.region.code, VILLAGE_STEPS | TOWNSHIP_STEPS),
            kind=Kind.ALERT,
            title=_("%(village)s is %(colour)s on the portraits: %(n)d household(s) to revisit")
            % {
                "village": row.region.name,
                "colour": reminder.get_colour_display(),
                "n": reminder.revisits.count(),
            },
            link=reverse("monitoring:reminder", args=[reminder.pk]),
        )
        sent.append(reminder)
    return sent


def revisit_done(*, revisit: Revisit, user, note: str = "") -> Revisit:
    """Record the visit back to the door (county, township or village staff)."""
    if not has_role_at(user, MONITORING_READERS, revisit.reminder.village.code):
        raise PermissionDenied
    if revisit.visited_on is not None:
        raise ValidationError(_("This revisit is already recorded."))
    revisit.visited_on = timezone.localdate()
    revisit.visited_by = user
    revisit.note = mask_id_numbers(note.strip())[:300]
    revisit.save(update_fields=["visited_on", "visited_by", "note"])
    return revisit
