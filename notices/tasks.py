"""Celery tasks of the notices app."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from notices import sms
from notices.models import Notification, TextContact


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
