"""Notices and open affairs (三务公开), the voice of the people (群众之声) and the staff's
notifications (DESIGN §1.4, §2).

A notice belongs to a county, a township or a village; a village's board shows its own
and its ancestors' published notices between their publication and expiry dates. A
financial disclosure (财务公开) carries structured monthly income and expense lines.

A message to the village (Feedback) is named or anonymous. An anonymous one keeps no name,
no phone, no address of the sender and not even the household whose plaque it was sent
from (that would name the family to the cadres it may complain about): only the village,
the day and a random receipt with which the sender reads the reply (decision 50).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.crypto import decrypt
from common.partitions import this_period
from households.models import Household
from notices.roles import BROADCASTERS, CALLOUT_READERS, NOTICE_READERS, VOICE_READERS
from villages.models import Region
from villages.notifications import Kind, ancestor_codes
from villages.scoping import ScopedQuerySet


class Category(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")  # 公告
    PARTY = "party", _("Party affairs")  # 党务公开
    VILLAGE = "village", _("Village affairs")  # 村务公开
    FINANCE = "finance", _("Financial disclosure")  # 财务公开
    RULES = "rules", _("Village rules")  # 村规民约
    POLICY = "policy", _("Policy explainer")  # 政策明白纸
    POINTS = "points", _("Points rules")  # 积分细则


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")
    # a published notice is never rewritten: its correction is a new notice, and this
    # one stays readable, marked as replaced (DESIGN §5)
    REPLACED = "replaced", _("Replaced by a correction")


class NoticeQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = NOTICE_READERS

    def showing(self, on: datetime.date | None = None) -> NoticeQuerySet:
        """Published, and between its publication and expiry dates (the expiry day is
        the last day it shows)."""
        on = on or timezone.localdate()
        return self.filter(status=NoticeStatus.PUBLISHED, publish_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on)
        )

    def for_board(self, village_code: str) -> NoticeQuerySet:
        """The notices a village's board shows: its own, its township's and its county's."""
        return self.showing().filter(region__code__in=ancestor_codes(village_code[:12]))

    def readable_on_board(self, village_code: str) -> NoticeQuerySet:
        """What a village's board page opens: what it shows, and the replaced versions
        of those (a correction keeps the old text readable, marked as replaced)."""
        return self.filter(
            Q(pk__in=self.for_board(village_code).values("pk"))
            | Q(status=NoticeStatus.REPLACED, region__code__in=ancestor_codes(village_code[:12]))
        )

    def board_order(self) -> NoticeQuerySet:
        return self.order_by("-pinned", "-publish_on", "-pk")


class Notice(models.Model):
    region = models.ForeignKey(
        Region, verbose_name=_("published for"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("notice category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    pinned = models.BooleanField(_("pinned to the top"), default=False)
    publish_on = models.DateField(_("shown from"), default=timezone.localdate)
    expires_on = models.DateField(_("shown until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # the published notice this one corrects (it is marked replaced when this is published)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-publish_on", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["region", "status", "publish_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("publish_on")),
                name="notice_expires_after_publication",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finance(self) -> bool:
        return self.category == Category.FINANCE

    def is_showing(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == NoticeStatus.PUBLISHED
            and self.publish_on <= on
            and (self.expires_on is None or self.expires_on >= on)
        )


class Direction(models.TextChoices):
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class FinanceLine(models.Model):
    """One line of a financial disclosure: a month's income or expense item."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="lines")
    month = models.DateField(_("month"))  # the first day of the month
    direction = models.CharField(_("income or expense"), max_length=8, choices=Direction.choices)
    item = models.CharField(_("item"), max_length=60)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["month", "direction", "pk"]
        verbose_name = _("financial line")
        verbose_name_plural = _("financial lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_line_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.item} {self.amount}"


class AttachmentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    IMAGE = "image", _("Picture")


def attachment_path(instance: Attachment, filename: str) -> str:
    # a random name: the notice's title or the uploader's file name tell nothing on disk
    return f"notices/{secrets.token_hex(12)}.{'pdf' if instance.kind == 'pdf' else 'jpg'}"


class Attachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=6, choices=AttachmentKind.choices)
    name = models.CharField(_("file name"), max_length=100)
    # MEDIA_ROOT has no URL: the attachment view serves a published notice's files to
    # anyone and a draft's to the staff who see its region
    file = models.FileField(_("file"), upload_to=attachment_path)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


# --- The voice of the people (群众之声) ---------------------------------------------------


class Topic(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    QUESTION = "question", _("Question")
    PRAISE = "praise", _("Praise")


class VoiceStatus(models.TextChoices):
    NEW = "new", _("New")
    HANDLING = "handling", _("Being handled")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


def new_receipt() -> str:
    """The sender's receipt: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


class FeedbackQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = VOICE_READERS


class Feedback(models.Model):
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    # named messages only: an anonymous one does not keep the plaque it came from
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.CharField(_("about"), max_length=10, choices=Topic.choices)
    text = models.TextField(_("message"), max_length=1000)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    name = models.CharField(_("name"), max_length=40, blank=True)
    phone_cipher = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    publish_reply = models.BooleanField(_("reply may be shown publicly"), default=False)
    # the day only: a time would let a web server's log of the request find the sender
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    receipt = models.CharField(max_length=32, unique=True, default=new_receipt, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=VoiceStatus.choices, default=VoiceStatus.NEW
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reply = models.TextField(_("reply"), max_length=1000, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # the grid matter this message became (grid.Matter; notices sits above grid)
    matter = models.ForeignKey(
        "grid.Matter",
        verbose_name=_("matter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("message to the village")
        verbose_name_plural = _("voice of the people")
        indexes = [models.Index(fields=["village", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False)
                | Q(name="", phone_cipher="", phone_masked="", household__isnull=True),
                name="feedback_anonymous_keeps_no_sender",
            )
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.received_on} {self.get_topic_display()}"

    @property
    def phone(self) -> str:
        return decrypt(self.phone_cipher)


# --- Notifications (天音: the downward channel) -----------------------------------------


class Audience(models.TextChoices):
    CADRES = "cadres", _("Cadres")
    GRID = "grid", _("Grid workers")
    ALL = "all", _("Cadres and grid workers")


class BroadcastQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = BROADCASTERS


class Broadcast(models.Model):
    """A message a member of staff pushed to the cadres and grid workers of a region."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("to the staff of"), on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(_("who"), max_length=8, choices=Audience.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=1000, blank=True)
    by_text = models.BooleanField(_("also by text message"), default=False)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = BroadcastQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.CharField(_("text"), max_length=1000, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    texted_at = models.DateTimeField(_("text message sent at"), null=True, blank=True)
    # the month it was sent: the table is partitioned by it on PostgreSQL
    # (common.partitions), so a month past NOTIFICATION_RETENTION_MONTHS is dropped whole
    period = models.CharField(_("month"), max_length=7, default=this_period, editable=False)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TextContact(models.Model):
    """The mobile number at which a member of staff takes text messages (kept encrypted;
    they enter it themselves on their inbox page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="text_contact"
    )
    phone_cipher = models.TextField(editable=False)
    phone_masked = models.CharField(_("mobile number"), max_length=20)

    class Meta:
        verbose_name = _("text-message number")
        verbose_name_plural = _("text-message numbers")

    def __str__(self) -> str:
        return self.phone_masked

    @property
    def phone(self) -> str:
        return decrypt(self.phone_cipher)


# --- Broadcasts to residents (天音: loudspeakers, text messages, the board) -----------------


class CalloutKind(models.TextChoices):
    FLOOD = "flood", _("Flood warning")
    LANDSLIDE = "landslide", _("Landslide warning")
    FIRE = "fire", _("Fire warning")
    POLICY = "policy", _("Policy")
    NOTICE = "notice", _("Notice")


#: the kinds that go out at once, at any hour, and to those who opted out of texts
EMERGENCY_KINDS = frozenset({CalloutKind.FLOOD, CalloutKind.LANDSLIDE, CalloutKind.FIRE})


class CalloutStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for daytime")
    SENDING = "sending", _("Going out")
    SENT = "sent", _("Sent")


class CalloutQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = CALLOUT_READERS

    def showing(self, village_code: str, now: datetime.datetime | None = None):
        """What the village's board and door pages show now: gone out, on the board
        channel, for this village or its township, and not yet over."""
        now = now or timezone.now()
        return self.filter(
            region__code__in=ancestor_codes(village_code),
            on_board=True,
            status__in=[CalloutStatus.SENDING, CalloutStatus.SENT],
            shows_until__gt=now,
        )


class Callout(models.Model):
    """A broadcast to the residents of an area (a village or a township, narrowed to
    groups or grids) or to a list of households, through the loudspeakers, text messages
    and the board and door pages (喊话: 点对面, 点对点). Its text is spoken, texted and
    shown: it holds no ID number, phone or sensitive category (callouts.check_text)."""

    region = models.ForeignKey(
        Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CalloutKind.choices)
    title = models.CharField(_("title"), max_length=40)
    text = models.CharField(_("text"), max_length=300)
    groups = models.ManyToManyField(
        Region, verbose_name=_("villager groups"), blank=True, related_name="+"
    )
    grids = models.ManyToManyField(
        "grid.Grid", verbose_name=_("grids"), blank=True, related_name="+"
    )
    households = models.ManyToManyField(
        Household, verbose_name=_("households"), blank=True, related_name="+"
    )
    by_speaker = models.BooleanField(_("loudspeakers"), default=True)
    by_text = models.BooleanField(_("text messages"), default=True)
    on_board = models.BooleanField(_("board and door pages"), default=True)
    shows_until = models.DateTimeField(_("shown until"))
    status = models.CharField(
        _("status"), max_length=8, choices=CalloutStatus.choices, default=CalloutStatus.WAITING
    )
    send_after = models.DateTimeField(_("goes out at"))
    total = models.PositiveIntegerField(_("households"), default=0)
    done = models.PositiveIntegerField(_("households reached so far"), default=0)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = CalloutQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("broadcast to residents")
        verbose_name_plural = _("broadcasts to residents")
        indexes = [models.Index(fields=["status", "send_after"], name="callout_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_emergency(self) -> bool:
        return self.kind in EMERGENCY_KINDS

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class Channel(models.TextChoices):
    SPEAKER = "speaker", _("Loudspeaker")
    TEXT = "text", _("Text message")
    BOARD = "board", _("Board and door pages")


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_PHONE = "no_phone", _("No phone")
    OPTED_OUT = "opted_out", _("Opted out")


class SpeakerZone(models.Model):
    """A zone of the village's IP loudspeaker system (its id there), covering some
    villager groups, or the whole village when it names none."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("zone"), max_length=40)
    zone_id = models.CharField(_("zone id in the loudspeaker system"), max_length=40)
    groups = models.ManyToManyField(
        Region, verbose_name=_("villager groups"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["village_id", "name"]
        verbose_name = _("loudspeaker zone")
        verbose_name_plural = _("loudspeaker zones")
        constraints = [
            models.UniqueConstraint(fields=["village", "zone_id"], name="speaker_zone_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """How a broadcast reached one household by text, one loudspeaker zone, or the
    board of a village."""

    callout = models.ForeignKey(
        Callout, verbose_name=_("broadcast"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    zone = models.ForeignKey(
        SpeakerZone,
        verbose_name=_("zone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["callout", "channel", "status"], name="delivery_summary")]

    def __str__(self) -> str:
        return f"{self.callout_id} {self.channel} {self.status}"


class TextOptOut(models.Model):
    """A household that takes no text messages of non-emergency broadcasts (chosen on
    its door page; emergencies still reach it)."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")

    def __str__(self) -> str:
        return str(self.household_id)
