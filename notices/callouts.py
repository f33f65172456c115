"""Broadcasts to residents (天音, decision 99): the one way in for the form, the demo and
the task.

A cadre (for the village) or a township officer (for the township or one of its villages)
writes a broadcast for the whole area, some villager groups or grids of it, or a list of
households (those of an open hazard, an alert: the text never says why). It goes out
through the channels chosen:

- the loudspeakers of the zones that cover the households (notices.speakers);
- a text message to each household's registered phone (its head's, else a living
  member's; notices.sms), unless the household opted out of non-emergency texts on its
  door page;
- the board and the door pages of the area, until `shows_until`.

Each delivery is recorded (sent, failed, no phone, opted out). An emergency goes out at
once; a policy or a notice written outside the daytime hours (CALLOUT_DAY_HOURS) waits
for the morning, sent by the periodic task. The sending is a Celery task that writes its
progress (done of total households) as it goes, batch by batch, and can be run again: a
household already reached is not texted twice.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.caching import bump_after_commit
from common.masking import has_id_number, has_mobile_number
from common.queue import enqueue
from grid.models import Grid, GridHousehold
from households.models import Household, Relation, Resident, ResidentStatus
from notices import sms, speakers
from notices.models import (
    EMERGENCY_KINDS,
    Callout,
    CalloutStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    SpeakerZone,
    TextOptOut,
)
from notices.roles import CALLERS
from villages.models import Level, Region
from villages.scoping import require_role_at

logger = logging.getLogger("notices.callouts")

BATCH = 200
MAX_HOURS = 24 * 14  # a broadcast shows on the board and door pages two weeks at most
#: Words that name a household's or a person's sensitive category (DESIGN §5): a
#: broadcast to a list of households would tell the whole village why they were chosen.
#: A policy may still name its programme (低保政策), not the people in it (低保户).
SENSITIVE_WORDS = (
    "低保户",
    "低保对象",
    "特困户",
    "特困人员",
    "五保户",
    "监测户",
    "监测对象",
    "脱贫户",
    "贫困户",
    "返贫",
    "致贫",
    "残疾人",
    "残疾户",
    "精神病",
    "精神障碍",
    "艾滋",
    "吸毒",
    "刑满释放",
    "社区矫正",
)


def check_text(*texts: str) -> None:
    """Refuse, with a sentence, a text that holds an ID number, a phone number or a
    sensitive category: it is spoken aloud and shown on public pages."""
    typed = " ".join(texts)
    if has_id_number(typed):
        raise ValidationError(
            {"text": _("Remove the ID number: a broadcast is read aloud and shown publicly.")}
        )
    if has_mobile_number(typed):
        raise ValidationError(
            {
                "text": _(
                    "Remove the phone number: a broadcast is read aloud and shown publicly. "
                    "Residents call the village committee's number on their door page."
                )
            }
        )
    found = [word for word in SENSITIVE_WORDS if word in typed]
    if found:
        raise ValidationError(
            {
                "text": _(
                    "Remove “%(word)s”: a broadcast names no one's sensitive category "
                    "(assistance, disability, health, monitoring)."
                )
                % {"word": found[0]}
            }
        )


def goes_out_at(kind: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """When a broadcast of this kind written now goes out: an emergency at once; another
    at once in the daytime, else at the start of the next day's hours (Asia/Shanghai)."""
    now = now or timezone.now()
    if kind in EMERGENCY_KINDS:
        return now
    start, end = settings.CALLOUT_DAY_HOURS
    local = timezone.localtime(now)
    if start <= local.hour < end:
        return now
    day = local.date() if local.hour < start else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(start)))


def version_key(village_code: str) -> str:
    return f"callouts-public:{village_code[:9]}"


def this_hour(_obj=None) -> str:
    """Part of the broadcasts' version: a broadcast whose time is over leaves the kept
    pages within the hour."""
    return timezone.localtime().strftime("%Y%m%d%H")


def targets(callout: Callout) -> QuerySet[Household]:
    """The households the broadcast is for: the area's, narrowed to the chosen groups,
    grids and households when some are chosen."""
    qs = Household.objects.filter(village__code__startswith=callout.region.code)
    narrowed = Q()
    groups = list(callout.groups.values_list("pk", flat=True))
    grids = list(callout.grids.values_list("pk", flat=True))
    chosen = list(callout.households.values_list("pk", flat=True))
    if groups:
        narrowed |= Q(group_id__in=groups)
    if grids:
        narrowed |= Q(pk__in=_grid_households(grids))
    if chosen:
        narrowed |= Q(pk__in=chosen)
    if groups or grids or chosen:
        qs = qs.filter(narrowed)
    return qs


def _grid_households(grid_ids: list[int]):
    return GridHousehold.objects.filter(grid_id__in=grid_ids).values("household_id")


def callout_create(
    *,
    sender,
    region: Region,
    kind: str,
    title: str,
    text: str,
    groups: Iterable[Region] = (),
    grids: Iterable[Grid] = (),
    households: Iterable[Household] = (),
    by_speaker: bool = True,
    by_text: bool = True,
    on_board: bool = True,
    hours: int = 24,
    now: datetime.datetime | None = None,
) -> Callout:
    """Write a broadcast; it goes out now (a task) or waits for the daytime."""
    require_role_at(sender, CALLERS, region.code)
    if region.level not in (Level.TOWNSHIP, Level.VILLAGE):
        raise ValidationError(_("A broadcast is for a township or a village."))
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise ValidationError(_("Give the broadcast a title and a text."))
    check_text(title, text)
    if not (by_speaker or by_text or on_board):
        raise ValidationError(_("Choose at least one way to reach the residents."))
    if not 1 <= hours <= MAX_HOURS:
        raise ValidationError(
            {"hours": _("A broadcast shows for 1 to %(max)d hours.") % {"max": MAX_HOURS}}
        )
    groups, grids, households = list(groups), list(grids), list(households)
    inside = region.code
    if any(g.level != Level.GROUP or not g.code.startswith(inside) for g in groups):
        raise ValidationError(_("Choose villager groups of the broadcast's area."))
    if any(not g.village.code.startswith(inside) for g in grids):
        raise ValidationError(_("Choose grids of the broadcast's area."))
    if any(not h.village.code.startswith(inside) for h in households):
        raise ValidationError(_("Choose households of the broadcast's area."))
    now = now or timezone.now()
    with transaction.atomic():
        callout = Callout.objects.create(
            region=region,
            sender=sender,
            kind=kind,
            title=title,
            text=text,
            by_speaker=by_speaker,
            by_text=by_text,
            on_board=on_board,
            shows_until=goes_out_at(kind, now) + datetime.timedelta(hours=hours),
            send_after=goes_out_at(kind, now),
            created_at=now,
        )
        callout.groups.set(groups)
        callout.grids.set(grids)
        callout.households.set(households)
        total = targets(callout).count()
        if not total:
            raise ValidationError(_("No household lives in the area chosen."))
        Callout.objects.filter(pk=callout.pk).update(total=total)
        callout.total = total
        if callout.send_after <= now:
            _dispatch_after_commit(callout.pk)
    return callout


def _dispatch_after_commit(pk: int) -> None:
    enqueue("notices.tasks.callout_send_task", pk)


#: a broadcast still going out this long after its time had its worker die: taken up again
STALLED = datetime.timedelta(hours=1)


def due() -> tuple[list[int], list[int]]:
    """The waiting broadcasts whose time has come, and those whose sending stopped
    midway (a worker replaced): the periodic task sends the first and resumes the second."""
    now = timezone.now()
    waiting = Callout.objects.filter(status=CalloutStatus.WAITING, send_after__lte=now)
    stalled = Callout.objects.filter(status=CalloutStatus.SENDING, send_after__lte=now - STALLED)
    return list(waiting.values_list("pk", flat=True)), list(stalled.values_list("pk", flat=True))


def household_phones(household_ids: list[int]) -> dict[int, str]:
    """Each household's number for broadcasts: its head's, else a living member's
    (decrypted here, in the task; never passed on)."""
    phones: dict[int, str] = {}
    rows = (
        Resident.objects.filter(household_id__in=household_ids, status=ResidentStatus.LIVING)
        .exclude(phone_cipher="")
        .order_by("household_id", "pk")
    )
    heads: set[int] = set()
    for resident in rows.only("household_id", "relation", "phone_cipher"):
        is_head = resident.relation == Relation.HEAD
        if resident.household_id in heads or (resident.household_id in phones and not is_head):
            continue
        phone = resident.phone()
        if phone.startswith("1"):  # a landline takes no text message
            phones[resident.household_id] = phone
            if is_head:
                heads.add(resident.household_id)
    return phones


def message_of(callout: Callout) -> str:
    return f"【{callout.get_kind_display()}】{callout.title}：{callout.text}"


def send(callout_id: int, *, resume: bool = False) -> Callout | None:
    """Send a broadcast whose time has come, through its channels, recording each
    delivery; None when another run has it or it went out already (one conditional
    update claims it). `resume`: a run stopped midway (a worker replaced) is taken up
    again, the households already reached skipped. Residents hear and read it in the
    portal's language (zh-hans), whatever the language of the page that wrote it."""
    with translation.override(settings.LANGUAGE_CODE):
        return _send(callout_id, resume)


def _send(callout_id: int, resume: bool) -> Callout | None:
    claimed = Callout.objects.filter(
        pk=callout_id,
        status=CalloutStatus.SENDING if resume else CalloutStatus.WAITING,
        send_after__lte=timezone.now(),
    ).update(status=CalloutStatus.SENDING)
    if not claimed:
        return None
    callout = Callout.objects.select_related("region").get(pk=callout_id)
    bump_after_commit(version_key(callout.region.code))
    done_channels = set(
        Delivery.objects.filter(callout=callout)
        .exclude(channel=Channel.TEXT)
        .values_list("channel", flat=True)
    )
    households = targets(callout).order_by("pk")
    if callout.on_board and Channel.BOARD not in done_channels:
        # until when: the broadcast's shows_until, shown by the page in its language
        Delivery.objects.create(callout=callout, channel=Channel.BOARD, status=DeliveryStatus.SENT)
    if callout.by_speaker and Channel.SPEAKER not in done_channels:
        _speak(callout, households)
    if callout.by_text:
        _text(callout, households)
    Callout.objects.filter(pk=callout.pk).update(
        status=CalloutStatus.SENT, done=callout.total, finished_at=timezone.now()
    )
    callout.refresh_from_db()
    return callout


def zones_for(callout: Callout, households: QuerySet[Household]) -> list[SpeakerZone]:
    """The loudspeaker zones that reach these households: every zone of the area for a
    broadcast to the whole area; else, in each village, the zones of their villager
    groups, or, where no zone names a group of theirs, the village-wide zones."""
    pairs = set(households.values_list("village_id", "group_id"))
    villages = {v for v, _g in pairs}
    zones = list(SpeakerZone.objects.filter(village_id__in=villages).prefetch_related("groups"))
    narrowed = callout.groups.exists() or callout.grids.exists() or callout.households.exists()
    if not narrowed:
        return zones
    chosen = []
    for village in villages:
        groups = {g for v, g in pairs if v == village}
        mine = [z for z in zones if z.village_id == village]
        covering = [z for z in mine if {g.pk for g in z.groups.all()} & groups]
        chosen += covering or [z for z in mine if not z.groups.all()]
    return chosen


def _speak(callout: Callout, households: QuerySet[Household]) -> None:
    backend = speakers.backend()
    spoken = _("%(kind)s. %(title)s. %(text)s") % {
        "kind": callout.get_kind_display(),
        "title": callout.title,
        "text": callout.text,
    }
    rows = []
    for zone in zones_for(callout, households):
        try:
            backend.speak(
                speakers.Announcement(
                    zone=zone.zone_id, text=spoken, emergency=callout.is_emergency
                )
            )
        except OSError as exc:
            logger.warning("broadcast %s: zone %s failed: %s", callout.pk, zone.zone_id, exc)
            rows.append(_delivery(callout, Channel.SPEAKER, DeliveryStatus.FAILED, zone=zone))
        else:
            rows.append(_delivery(callout, Channel.SPEAKER, DeliveryStatus.SENT, zone=zone))
    if not rows:
        rows.append(
            _delivery(
                callout,
                Channel.SPEAKER,
                DeliveryStatus.FAILED,
                detail=_("The village has no loudspeaker zone."),
            )
        )
    Delivery.objects.bulk_create(rows)


def _delivery(callout, channel, status, *, household_id=None, zone=None, detail="") -> Delivery:
    return Delivery(
        callout=callout,
        channel=channel,
        status=status,
        household_id=household_id,
        zone=zone,
        detail=detail[:200],
    )


def _text(callout: Callout, households: QuerySet[Household]) -> None:
    backend = sms.backend()
    message = message_of(callout)
    reached = set(
        Delivery.objects.filter(callout=callout, channel=Channel.TEXT).values_list(
            "household_id", flat=True
        )
    )
    ids = [pk for pk in households.values_list("pk", flat=True) if pk not in reached]
    done = len(reached)
    Callout.objects.filter(pk=callout.pk).update(done=done)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        opted_out = (
            set()
            if callout.is_emergency
            else set(
                TextOptOut.objects.filter(household_id__in=batch).values_list(
                    "household_id", flat=True
                )
            )
        )
        phones = household_phones(batch)
        rows = []
        for pk in batch:
            status, detail = _text_one(backend, message, pk in opted_out, phones.get(pk))
            if status == DeliveryStatus.FAILED:
                logger.warning("broadcast %s: a text failed: %s", callout.pk, detail)
            rows.append(_delivery(callout, Channel.TEXT, status, household_id=pk, detail=detail))
        with transaction.atomic():
            Delivery.objects.bulk_create(rows)
            done += len(batch)
            Callout.objects.filter(pk=callout.pk).update(done=done)


def _text_one(backend, message: str, opted_out: bool, phone: str | None) -> tuple[str, str]:
    """Text one household: its delivery's status and detail."""
    if opted_out:
        return DeliveryStatus.OPTED_OUT, ""
    if not phone:
        return DeliveryStatus.NO_PHONE, ""
    try:
        backend.send([sms.TextMessage(to=phone, text=message)])
    except OSError as exc:
        # the error may quote the request (the number): only its kind is kept
        return DeliveryStatus.FAILED, type(exc).__name__
    return DeliveryStatus.SENT, ""


def summary(callout: Callout) -> list[dict]:
    """Per channel, how many deliveries ended in each status (the detail page)."""
    counts: dict[tuple[str, str], int] = {}
    for channel, status in Delivery.objects.filter(callout=callout).values_list(
        "channel", "status"
    ):
        counts[(channel, status)] = counts.get((channel, status), 0) + 1
    rows = []
    for channel, channel_label in Channel.choices:
        cells = [
            {"status": status, "label": label, "n": counts.get((channel, status), 0)}
            for status, label in DeliveryStatus.choices
        ]
        if any(c["n"] for c in cells):
            rows.append({"channel": channel, "label": channel_label, "cells": cells})
    return rows


def opt_out_set(household: Household, *, opted_out: bool) -> bool:
    """The household takes (False) or declines (True) texts of non-emergency broadcasts;
    chosen on its door page."""
    with transaction.atomic():
        if opted_out:
            TextOptOut.objects.get_or_create(household=household)
        else:
            TextOptOut.objects.filter(household=household).delete()
    return opted_out


def is_opted_out(household_id: int) -> bool:
    return TextOptOut.objects.filter(household_id=household_id).exists()


# --- Loudspeaker zones ------------------------------------------------------------------


def zone_add(*, user, village: Region, name: str, zone_id: str, groups: Iterable[Region] = ()):
    """A zone of the village's loudspeaker system, as the system names it."""
    require_role_at(user, CALLERS, village.code)
    if village.level != Level.VILLAGE:
        raise ValidationError(_("A loudspeaker zone belongs to a village."))
    groups = list(groups)
    if any(g.level != Level.GROUP or not g.code.startswith(village.code) for g in groups):
        raise ValidationError(_("Choose villager groups of the zone's village."))
    name, zone_id = name.strip(), zone_id.strip()
    if not name or not zone_id:
        raise ValidationError(_("Give the zone a name and its id in the loudspeaker system."))
    if SpeakerZone.objects.filter(village=village, zone_id=zone_id).exists():
        raise ValidationError({"zone_id": _("The village has a zone with this id already.")})
    with transaction.atomic():
        zone = SpeakerZone.objects.create(village=village, name=name, zone_id=zone_id)
        zone.groups.set(groups)
    return zone


def zone_delete(zone: SpeakerZone, *, user) -> None:
    """A zone taken out of use; what was delivered to it stays recorded (without it)."""
    require_role_at(user, CALLERS, zone.village.code)
    zone.delete()
