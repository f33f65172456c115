"""The one way into notices, the voice of the people and notifications: pages, the demo
and other apps call these (DESIGN §2: who owns a fact owns its writes)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.caching import bump_after_commit
from common.crypto import encrypt
from common.images import clean_photo
from common.masking import mask_id_numbers
from common.pdfs import PdfRefused, check_pdf
from grid.models import MatterSource
from grid.services import matter_create
from households.masking import mask
from households.models import Household
from households.phones import clean_phone
from households.services import MAX_DOCUMENT_BYTES
from notices.models import (
    Attachment,
    AttachmentKind,
    Broadcast,
    Category,
    Direction,
    Feedback,
    FinanceLine,
    Notice,
    NoticeStatus,
    Notification,
    TextContact,
    VoiceStatus,
)
from notices.roles import BROADCASTERS, NOTICE_KEEPERS, VOICE_HANDLERS
from notices.tasks import send_texts, text_resident
from villages.models import Level, Region, Role
from villages.notifications import Kind, users_over, users_within
from villages.scoping import require_role_at

MAX_ATTACHMENT_BYTES = MAX_DOCUMENT_BYTES  # 8 MB, as the registry's documents
MAX_ATTACHMENTS = 10
MAX_FINANCE_LINES = 200
PDF_MAGIC = b"%PDF-"
IMAGE_MAGICS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


# --- Notices ---------------------------------------------------------------------------------


def public_key(code: str) -> str:
    # a village's board and household pages show its county's, township's and own
    # notices: one version per county
    return f"notices-public:{code[:6]}"


def _changed(notice: Notice) -> None:
    bump_after_commit(public_key(notice.region.code))


def _require_draft(notice: Notice) -> None:
    """Only a draft is written to. Judged on the stored notice, never on what a form
    sends (a form could claim another category or status)."""
    stored = Notice.objects.filter(pk=notice.pk).values_list("status", flat=True).first()
    if stored is not None and stored != NoticeStatus.DRAFT:
        raise ValidationError(
            _(
                "A published notice is not changed: write a correction. It is published as "
                "a new version, and this one stays readable, marked as replaced."
            )
        )


def _require_keeper(user, notice: Notice) -> None:
    """Notices are written by the keepers of the region they are published for."""
    require_role_at(user, NOTICE_KEEPERS, notice.region.code)


def notice_save(notice: Notice, *, user) -> Notice:
    """Create or change a draft notice. A published one is fixed: its correction is a new
    version (notice_correct)."""
    _require_keeper(user, notice)
    if notice.pk:
        _require_draft(notice)
    if notice.region.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        raise ValidationError(_("A notice is published for a county, a township or a village."))
    notice.title = mask_id_numbers(notice.title.strip())
    notice.body = mask_id_numbers(notice.body.strip())
    if notice.pk is None:
        notice.created_by = user
    notice.full_clean()
    with transaction.atomic():
        notice.save()
        _changed(notice)
    return notice


def notice_correct(notice: Notice, *, user) -> Notice:
    """A draft correction of a published notice: its text, lines and files copied, to be
    changed and published in its place (the published one stays until then)."""
    _require_keeper(user, notice)
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only a published notice is corrected."))
    existing = Notice.objects.filter(replaces=notice).first()
    if existing is not None:
        return existing  # one correction at a time: the draft already begun
    with transaction.atomic():
        draft = Notice.objects.create(
            region=notice.region,
            category=notice.category,
            title=notice.title,
            body=notice.body,
            pinned=notice.pinned,
            publish_on=timezone.localdate(),
            expires_on=notice.expires_on,
            created_by=user,
            replaces=notice,
        )
        FinanceLine.objects.bulk_create(
            FinanceLine(
                notice=draft,
                month=line.month,
                direction=line.direction,
                item=line.item,
                amount=line.amount,
            )
            for line in notice.lines.all()
        )
        for attachment in notice.attachments.all():
            with attachment.file.open("rb") as handle:
                data = handle.read()
            copy = Attachment(
                notice=draft, kind=attachment.kind, name=attachment.name, size=attachment.size
            )
            copy.file.save("upload", ContentFile(data), save=False)
            copy.save()
    return draft


def notice_publish(notice: Notice, *, user) -> Notice:
    _require_keeper(user, notice)
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("The notice is published already."))
    if notice.category == Category.FINANCE and not notice.lines.exists():
        raise ValidationError(_("Add the disclosure's income and expense lines first."))
    if notice.category != Category.FINANCE and not notice.body and not notice.attachments.exists():
        raise ValidationError(_("Write the notice's text or attach a file first."))
    with transaction.atomic():
        if notice.replaces_id:  # the corrected notice steps down, readable, in the same step
            Notice.objects.filter(pk=notice.replaces_id).update(
                status=NoticeStatus.REPLACED, pinned=False, updated_at=timezone.now()
            )
        Notice.objects.filter(pk=notice.pk).update(
            status=NoticeStatus.PUBLISHED, published_at=timezone.now(), updated_at=timezone.now()
        )
        notice.refresh_from_db()
        _changed(notice)
    return notice


def notice_archive(notice: Notice, *, user) -> Notice:
    _require_keeper(user, notice)
    if notice.status in (NoticeStatus.ARCHIVED, NoticeStatus.REPLACED):
        raise ValidationError(_("The notice is archived already."))
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(
            status=NoticeStatus.ARCHIVED, pinned=False, updated_at=timezone.now()
        )
        notice.refresh_from_db()
        _changed(notice)
    return notice


def notice_pin(notice: Notice, *, pinned: bool, by) -> Notice:
    _require_keeper(by, notice)
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(pinned=pinned)
        notice.pinned = pinned
        _changed(notice)
    return notice


def _draft_finance(notice: Notice) -> None:
    if notice.category != Category.FINANCE:
        raise ValidationError(_("Only a financial disclosure has income and expense lines."))
    _require_draft(notice)


def finance_line_add(
    notice: Notice, *, month: datetime.date, direction: str, item: str, amount: Decimal, by
) -> FinanceLine:
    _require_keeper(by, notice)
    _draft_finance(notice)
    if notice.lines.count() >= MAX_FINANCE_LINES:
        raise ValidationError(
            _("A disclosure holds at most %(n)d lines.") % {"n": MAX_FINANCE_LINES}
        )
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if direction not in Direction.values:
        raise ValidationError({"direction": _("Choose income or expense.")})
    with transaction.atomic():
        line = FinanceLine.objects.create(
            notice=notice,
            month=month.replace(day=1),
            direction=direction,
            item=mask_id_numbers(item.strip()),
            amount=amount,
        )
        _changed(notice)
    return line


def finance_line_delete(line: FinanceLine, *, by) -> None:
    _require_keeper(by, line.notice)
    _draft_finance(line.notice)
    line.delete()


def finance_table(lines: Iterable[FinanceLine]) -> dict:
    """The disclosure as a table: per month its income and expense lines with their
    totals and the month's balance, and the totals of the whole period."""
    months: dict[datetime.date, dict] = {}
    for line in lines:
        month = months.setdefault(
            line.month,
            {
                "month": line.month,
                "income": [],
                "expense": [],
                "income_total": Decimal(0),
                "expense_total": Decimal(0),
            },
        )
        month[line.direction].append(line)
        month[f"{line.direction}_total"] += line.amount
    rows = []
    for month in sorted(months.values(), key=lambda m: m["month"]):
        month["balance"] = month["income_total"] - month["expense_total"]
        rows.append(month)
    income = sum((m["income_total"] for m in rows), Decimal(0))
    expense = sum((m["expense_total"] for m in rows), Decimal(0))
    return {"months": rows, "income": income, "expense": expense, "balance": income - expense}


def attachment_add(notice: Notice, upload, *, by) -> Attachment:
    """A PDF or a picture (JPEG, PNG, GIF) of at most 8 MB, known by its first bytes, not
    by its name; a picture is re-encoded without its metadata (GPS position, camera)."""
    _require_keeper(by, notice)
    _require_draft(notice)
    if notice.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(_("A notice holds at most %(n)d files.") % {"n": MAX_ATTACHMENTS})
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The file is larger than 8 MB."))
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The file is larger than 8 MB."))
    if data.startswith(PDF_MAGIC):
        kind = AttachmentKind.PDF
        if b"%%EOF" not in data[-1024:]:
            raise ValidationError(_("The PDF file is incomplete or damaged."))
        try:
            check_pdf(data)  # public once published: no script, action or embedded file
        except PdfRefused as exc:
            raise ValidationError(str(exc)) from exc
    elif data.startswith(IMAGE_MAGICS):
        kind = AttachmentKind.IMAGE
        data = clean_photo(data, formats=("JPEG", "PNG", "GIF"))
    else:
        raise ValidationError(_("Attach a PDF file or a picture (JPEG, PNG or GIF)."))
    name = mask_id_numbers((upload.name or "").rsplit("/", 1)[-1].strip())[:80] or _("File")
    attachment = Attachment(notice=notice, kind=kind, name=name, size=len(data))
    with transaction.atomic():
        attachment.file.save("upload", ContentFile(data), save=False)
        attachment.save()
        _changed(notice)
    return attachment


def attachment_delete(attachment: Attachment, *, by) -> None:
    _require_keeper(by, attachment.notice)
    _require_draft(attachment.notice)
    with transaction.atomic():
        attachment.file.delete(save=False)
        attachment.delete()
        _changed(attachment.notice)


# --- The voice of the people ---------------------------------------------------------------


def voice_key(household_id: int) -> str:
    """The cache key of the version of the replies a household's public page shows."""
    return f"voice-public:{household_id}"


def feedback_receive(
    *,
    household: Household,
    topic: str,
    text: str,
    anonymous: bool,
    name: str = "",
    phone: str = "",
    publish_reply: bool = False,
) -> Feedback:
    """A message from a household's public page. Anonymous: nothing of the sender is
    kept, not even the household (only its village)."""
    text = mask_id_numbers(text.strip())
    if len(text) < 5:
        raise ValidationError({"text": _("Write at least a few words.")})
    if anonymous:
        feedback = Feedback(
            village_id=household.village_id,
            topic=topic,
            text=text,
            anonymous=True,
            publish_reply=publish_reply,
        )
    else:
        name = mask_id_numbers(name.strip())
        if not name:
            raise ValidationError({"name": _("Give your name, or send the message anonymously.")})
        phone = clean_phone(phone)
        feedback = Feedback(
            village_id=household.village_id,
            household=household,
            topic=topic,
            text=text,
            name=name,
            phone_cipher=encrypt(phone),
            phone_masked=mask(phone, "phone") if phone else "",
            publish_reply=publish_reply,
        )
    feedback.full_clean(exclude=["receipt"])
    with transaction.atomic():
        feedback.save()
        village = Region.objects.only("code").get(pk=household.village_id)
        notify(
            users_over(village.code, {Role.VILLAGE_CADRE}),
            kind=Kind.VOICE,
            title=_("A new message from the voice of the people"),
            body=feedback.get_topic_display(),
            link=reverse("notices:voice_detail", args=[feedback.pk]),
            # an anonymous message's notification keeps the day, as the message does: an
            # exact time would match a request line of that second (decision 50)
            at=_start_of_today() if anonymous else None,
        )
    return feedback


def _start_of_today() -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))


def _moved(feedback: Feedback, expected: Iterable[str], **changes) -> Feedback:
    done = Feedback.objects.filter(pk=feedback.pk, status__in=list(expected)).update(**changes)
    if not done:
        raise ValidationError(_("The message has moved on meanwhile."))
    feedback.refresh_from_db()
    return feedback


def _require_handler(user, feedback: Feedback) -> None:
    require_role_at(user, VOICE_HANDLERS, feedback.village.code)


def feedback_take(feedback: Feedback, *, user) -> Feedback:
    _require_handler(user, feedback)
    return _moved(feedback, [VoiceStatus.NEW], status=VoiceStatus.HANDLING, handled_by=user)


def feedback_reply(feedback: Feedback, *, user, reply: str) -> Feedback:
    _require_handler(user, feedback)
    reply = mask_id_numbers(reply.strip())
    if not reply:
        raise ValidationError({"reply": _("Write the reply.")})
    with transaction.atomic():
        _moved(
            feedback,
            [VoiceStatus.NEW, VoiceStatus.HANDLING, VoiceStatus.REPLIED],
            status=VoiceStatus.REPLIED,
            reply=reply,
            replied_at=timezone.now(),
            handled_by=user,
        )
        if feedback.household_id:
            bump_after_commit(f"voice-public:{feedback.household_id}")
        text_resident_after_commit("feedback_answered", feedback)
    return feedback


def text_resident_after_commit(kind: str, record) -> None:
    """Text the resident who left a phone on this message or listing what became of it
    (notices.tasks.text_resident: the task takes the record's id, never the number)."""
    if record.phone_cipher:
        pk = record.pk
        transaction.on_commit(lambda: text_resident.delay(kind, pk))


def text_listing_refused(*, listing, **details) -> None:
    text_resident_after_commit("listing_refused", listing)


def text_listing_sold(*, listing, **details) -> None:
    text_resident_after_commit("listing_sold", listing)


def feedback_close(feedback: Feedback, *, user) -> Feedback:
    _require_handler(user, feedback)
    with transaction.atomic():
        closed = _moved(
            feedback,
            [VoiceStatus.NEW, VoiceStatus.HANDLING, VoiceStatus.REPLIED],
            status=VoiceStatus.CLOSED,
            closed_at=timezone.now(),
            handled_by=user,
        )
        if not closed.reply:  # closed without an answer: the sender hears it was not taken up
            text_resident_after_commit("feedback_closed", closed)
    return closed


def feedback_to_matter(feedback: Feedback, *, user, category: str, urgency: str):
    """Turn a message into a grid matter (source "feedback"), handled and escalated with
    the grid's deadlines; the message is then being handled and links to it."""
    _require_handler(user, feedback)
    if feedback.matter_id:
        raise ValidationError(_("The message is a matter already."))
    if feedback.status == VoiceStatus.CLOSED:
        raise ValidationError(_("The message is closed."))
    title = feedback.text.splitlines()[0][:60]
    with transaction.atomic():
        matter = matter_create(
            village=feedback.village,
            user=user,
            source=MatterSource.FEEDBACK,
            category=category,
            urgency=urgency,
            title=f"{feedback.get_topic_display()}：{title}",
            description=feedback.text,
            household=feedback.household,
            notify_resident=bool(feedback.household_id and feedback.publish_reply),
        )
        Feedback.objects.filter(pk=feedback.pk).update(
            matter=matter, status=VoiceStatus.HANDLING, handled_by=user
        )
        feedback.refresh_from_db()
    return matter


def reply_from_matter(*, matter, **details) -> int:
    """A grid announcement: the matter a message became is resolved; the message gets
    its reply (an anonymous sender reads it with the receipt). Its public reply, when
    the sender allowed one, is the matter's, among the grid's replies."""
    answered = list(Feedback.objects.filter(matter=matter).exclude(status=VoiceStatus.CLOSED))
    for feedback in answered:
        text_resident_after_commit("feedback_answered", feedback)
    return Feedback.objects.filter(pk__in=[f.pk for f in answered]).update(
        reply=matter.reply, replied_at=matter.resolved_at, status=VoiceStatus.REPLIED
    )


# --- Notifications -----------------------------------------------------------------------------

AUDIENCE_ROLES = {
    "cadres": {Role.VILLAGE_CADRE},
    "grid": {Role.GRID_WORKER},
    "all": {Role.VILLAGE_CADRE, Role.GRID_WORKER},
}


def _unread_key(user_id: int) -> str:
    return f"inbox-unread:{user_id}"


def _count_changed(user_ids: Iterable[int], by: int) -> None:
    """After the commit, the kept unread counts move by `by` (a count not kept is read
    from the table on the next page); a large broadcast forgets them instead."""
    keys = [_unread_key(pk) for pk in user_ids]

    def apply() -> None:
        if len(keys) > 100:
            cache.delete_many(keys)
            return
        for key in keys:
            try:
                if cache.incr(key, by) < 0:
                    cache.delete(key)
            except ValueError:  # not kept: read afresh when next shown
                pass

    transaction.on_commit(apply)


def unread_count(user) -> int:
    """The user's unread notifications: kept in the cache from login on and moved by
    each arrival and reading, so a staff page reads no table for its menu badge."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, None)
    return count


def count_at_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: the count is read once at login (not on the first page)."""
    cache.set(
        _unread_key(user.pk),
        Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        None,
    )


def notify(
    users,
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    broadcast: Broadcast | None = None,
    by_text: bool = False,
    at: datetime.datetime | None = None,
) -> int:
    """A notification in the inbox of each of these users (a queryset; and a text message
    to those who gave a number, when `by_text`); how many were told. In the caller's
    transaction. `at` stands for the time when the exact one must not be kept (an
    anonymous message's)."""
    now = at or timezone.now()
    notes = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=mask_id_numbers(title)[:120],
            body=mask_id_numbers(body)[:1000],
            link=link[:200],
            broadcast=broadcast,
            created_at=now,
        )
        for pk in sorted(set(users.values_list("pk", flat=True)))
    ]
    return _keep(notes, texted=[by_text] * len(notes))


def notify_each(
    messages: Iterable[tuple[Iterable[int], str, bool]], *, kind: str, link: str = ""
) -> int:
    """Several notifications written at once, each (user ids, title, by text), for a
    caller with one message for each of many regions (the screening tells each of a
    county's villages of its new alerts: one write, not three round trips a village,
    issue 26); how many were told. In the caller's transaction."""
    now = timezone.now()
    notes: list[Notification] = []
    texted: list[bool] = []
    for user_ids, title, by_text in messages:
        masked = mask_id_numbers(title)[:120]
        for pk in sorted(set(user_ids)):
            notes.append(
                Notification(
                    recipient_id=pk, kind=kind, title=masked, link=link[:200], created_at=now
                )
            )
            texted.append(by_text)
    return _keep(notes, texted=texted)


def _keep(notes: list[Notification], *, texted: list[bool]) -> int:
    """Write the notifications, move their recipients' unread counts after the commit,
    and text those whose flag in `texted` is set."""
    made = Notification.objects.bulk_create(notes, batch_size=500)
    by_user = Counter(n.recipient_id for n in made)
    for by in sorted(set(by_user.values())):
        _count_changed([pk for pk, n in by_user.items() if n == by], by)
    # bulk_create gives the ids on PostgreSQL and SQLite alike; the task takes them, never
    # a phone number
    ids = [n.pk for n, text in zip(made, texted, strict=True) if text]
    if ids:
        transaction.on_commit(lambda: send_texts.delay(ids))
    return len(made)


def broadcast_send(
    *, sender, region: Region, audience: str, title: str, body: str = "", by_text: bool = False
) -> Broadcast:
    require_role_at(sender, BROADCASTERS, region.code)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the message a title.")})
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            sender=sender,
            region=region,
            audience=audience,
            title=mask_id_numbers(title),
            body=mask_id_numbers(body.strip()),
            by_text=by_text,
        )
        recipients = users_within(region.code, AUDIENCE_ROLES[audience]).exclude(pk=sender.pk)
        broadcast.recipients = notify(
            recipients,
            kind=Kind.MESSAGE,
            title=broadcast.title,
            body=broadcast.body,
            link=reverse("notices:inbox"),
            broadcast=broadcast,
            by_text=by_text,
        )
        Broadcast.objects.filter(pk=broadcast.pk).update(recipients=broadcast.recipients)
    return broadcast


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (these, or all); how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    with transaction.atomic():
        done = qs.update(read_at=timezone.now())
        if done:
            _count_changed([user.pk], -done)
    return done


def text_contact_set(user, phone: str) -> TextContact | None:
    """The user's number for text messages (empty: none). Mobile numbers only."""
    phone = clean_phone(phone)
    if not phone:
        TextContact.objects.filter(user=user).delete()
        return None
    if not phone.startswith("1"):
        raise ValidationError({"phone": _("Text messages go to a mobile number.")})
    contact, _created = TextContact.objects.update_or_create(
        user=user, defaults={"phone_cipher": encrypt(phone), "phone_masked": mask(phone, "phone")}
    )
    return contact
