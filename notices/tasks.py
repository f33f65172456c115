"""Celery tasks of the notices app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import partitions
from households.models import Listing
from notices import callouts, sms
from notices.models import Feedback, Notification, TextContact


def text_of(notification: Notification) -> str:
    """A text message's words: the title and where to read the rest (never a resident's
    data: titles are written for the inbox, which is the staff's)."""
    return _("%(title)s (read it in the portal's inbox)") % {"title": notification.title[:60]}


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_texts(notification_ids: list[int]) -> int:
    """Text the notifications to their recipients who gave a number. Takes ids, never
    numbers; a notification texted once is not texted again on a retry."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, texted_at__isnull=True).only(
            "pk", "title", "recipient_id"
        )
    )
    contacts = {
        c.user_id: c.phone
        for c in TextContact.objects.filter(user_id__in={n.recipient_id for n in pending})
    }
    sent = 0
    backend = sms.backend()
    for notification in pending:
        phone = contacts.get(notification.recipient_id)
        if not phone:
            continue
        backend.send([sms.TextMessage(to=phone, text=text_of(notification))])
        Notification.objects.filter(pk=notification.pk).update(texted_at=timezone.now())
        sent += 1
    return sent


# --- Broadcasts to residents (notices.callouts) -----------------------------------------


@shared_task
def callout_send_task(callout_id: int, resume: bool = False) -> int:
    """Send one broadcast; how many households it was for (0: not due, or taken)."""
    sent = callouts.send(callout_id, resume=resume)
    return sent.total if sent else 0


@shared_task
def callouts_due_task() -> int:
    """The waiting broadcasts whose daytime has come, and the stalled ones taken up
    again (every five minutes)."""
    waiting, stalled = callouts.due()
    for pk in waiting:
        callout_send_task.delay(pk)
    for pk in stalled:
        callout_send_task.delay(pk, resume=True)
    return len(waiting) + len(stalled)


# --- Text messages to residents who left a phone --------------------------------------


def resident_text(kind: str, pk: int) -> tuple[str, str] | None:
    """The number and the words of a text to the resident behind a listing or a named
    message; None when they left no number. No one's data but their own product's name."""
    if kind == "feedback_answered":
        feedback = Feedback.objects.select_related("village").filter(pk=pk).first()
        if feedback is None or not feedback.phone_cipher:
            return None
        return feedback.phone, _(
            "Your message to %(village)s has an answer: scan the code on your door plaque "
            "to read it."
        ) % {"village": feedback.village.name}
    if kind == "feedback_closed":
        feedback = Feedback.objects.select_related("village").filter(pk=pk).first()
        if feedback is None or not feedback.phone_cipher:
            return None
        return feedback.phone, _(
            "Your message to %(village)s was closed without an answer. You may write again "
            "or call the village committee."
        ) % {"village": feedback.village.name}
    listing = Listing.objects.filter(pk=pk).first()
    if listing is None or not listing.phone_cipher:
        return None
    if kind == "listing_refused":
        return listing.phone, _(
            "Your listing “%(product)s” was not approved; the reason is on the page you "
            "got when you posted it."
        ) % {"product": listing.product}
    if kind == "listing_sold":
        return listing.phone, _("The village co-op bought your “%(product)s”: %(note)s") % {
            "product": listing.product,
            "note": listing.closed_note,
        }
    return None


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def text_resident(kind: str, pk: int) -> int:
    """Text a resident what became of their listing or message. Takes the record's id,
    never a number."""
    with translation.override(settings.LANGUAGE_CODE):  # residents read the portal's language
        found = resident_text(kind, pk)
    if found is None:
        return 0
    phone, text = found
    return sms.backend().send([sms.TextMessage(to=phone, text=text)])


@shared_task
def notifications_drop_task() -> int:
    """Nightly: the months of notifications past NOTIFICATION_RETENTION_MONTHS, dropped a
    partition at a time (common.partitions)."""
    return partitions.retain(Notification._meta.db_table, settings.NOTIFICATION_RETENTION_MONTHS)
