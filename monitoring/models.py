"""Return-to-poverty monitoring (DESIGN §1.2, §3): the data catalogue, department feeds
and what they load, risk rules, assessments, alerts and their workflow, monitored
households and their assistance."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from households.models import Household, Resident
from monitoring.roles import MONITORING_READERS
from villages.models import Region
from villages.scoping import ScopedQuerySet

PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
period_validator = RegexValidator(PERIOD_RE, _("Enter a month as YYYY-MM, e.g. 2026-10."))


def period_label(period: str) -> str:
    """2026-10 → 2026年10月 (how a period is written on every page and file)."""
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def previous_period(today: datetime.date) -> str:
    """The month before `today`'s, as YYYY-MM: the period the departments deliver."""
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


# --- The catalogue ------------------------------------------------------------------------


class Department(models.Model):
    """A department or the financial institutions as one source (DESIGN §1.2)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class ItemType(models.TextChoices):
    AMOUNT = "amount", _("Amount")
    COUNT = "count", _("Count")
    FLAG = "flag", _("Flag (0/1)")
    GRADE = "grade", _("Grade")


class DataItem(models.Model):
    """One data item a department delivers. Its code is stable: once a feed has used it,
    it never changes (the edit form does not offer it; DataItem.code_locked)."""

    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}\d{2,3}$", _("Codes look like MZ07."))],
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    type = models.CharField(_("type"), max_length=6, choices=ItemType.choices)
    meaning = models.CharField(_("meaning"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data item")
        verbose_name_plural = _("data items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FeedMapping(models.Model):
    """How a department's own wide file (Chinese headers, one row a person) becomes
    long-format values. `spec` is JSON (monitoring.screening.mapping explains it and
    checks it): the ID column, columns that are items, and a column whose value says
    which items a row holds."""

    department = models.OneToOneField(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="mapping"
    )
    spec = models.JSONField(_("column mapping"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self) -> str:
        return str(self.department)


# --- Feeds --------------------------------------------------------------------------------


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    LOADING = "loading", _("Loading")
    LOADED = "loaded", _("Loaded")
    FAILED = "failed", _("Not readable")


class FeedBatchQuerySet(ScopedQuerySet):
    scope_path = "county__code"
    scope_roles = MONITORING_READERS


class FeedBatch(models.Model):
    """One delivered file: (department, period, sha256 of the file) is the batch, so the
    same file delivered twice is one batch. The file is kept encrypted (it holds full ID
    numbers) until `expires_at`; what it loaded stays."""

    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT
    )
    period = models.CharField(_("period"), max_length=7, validators=[period_validator])
    sha256 = models.CharField(_("checksum"), max_length=64)
    original_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="feeds/", blank=True)
    expires_at = models.DateTimeField(_("file kept until"))
    status = models.CharField(
        _("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    # the uploader's language, for the rejection reasons and the message
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    loaded = models.PositiveIntegerField(_("values loaded"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)

    objects = FeedBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("feed batch")
        verbose_name_plural = _("feed batches")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "department", "period", "sha256"], name="feed_batch_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.period} #{self.pk}"

    @property
    def running(self) -> bool:
        return self.status in (BatchStatus.QUEUED, BatchStatus.LOADING)

    @property
    def percent(self) -> int:
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class FeedValue(models.Model):
    """A loaded value (the staging table, filled by COPY): a person's value of one item in
    the batch's period. The person is their keyed hash only, never the number; the
    resident and household are set by the match step."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="values")
    line = models.PositiveIntegerField(_("line"))
    id_hash = models.CharField(max_length=64)
    # for the rejection of a number no resident has (the match step writes it)
    id_masked = models.CharField(max_length=20)
    item = models.ForeignKey(DataItem, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    # set by the match step; no database constraint, so that COPY checks nothing per row
    # (residents are never deleted: they move or die, DESIGN §1.1)
    resident = models.ForeignKey(
        Resident, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    household = models.ForeignKey(
        Household, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("loaded value")
        verbose_name_plural = _("loaded values")
        indexes = [
            models.Index(fields=["batch", "household"], name="feedvalue_batch_household"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.item_id}"


class FeedRejection(models.Model):
    """A row a feed could not load, with its line in the file and the reason. The person
    is shown masked: the line number finds the row in the department's own file."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveIntegerField(_("line"))
    id_masked = models.CharField(_("ID number (masked)"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["batch", "line", "pk"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"
