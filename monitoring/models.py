"""Return-to-poverty monitoring (DESIGN §1.2, §3): the data catalogue, department feeds
and what they load, risk rules, assessments, alerts and their workflow, monitored
households and their assistance."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from common.partitions import months_back
from households.models import Household, MonitoringCategory, Resident
from monitoring.roles import MONITORING_READERS, QUEUE_WORKERS
from villages.models import Region
from villages.scoping import ScopedQuerySet

PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
period_validator = RegexValidator(PERIOD_RE, _("Enter a month as YYYY-MM, e.g. 2026-10."))


def period_label(period: str) -> str:
    """2026-10 → 2026年10月 in Chinese, 2026/10 in English (pages and files)."""
    year, month = period.split("-")
    return gettext("%(year)s/%(month)s") % {"year": year, "month": int(month)}


def previous_period(today: datetime.date) -> str:
    """The month before `today`'s, as YYYY-MM: the period the departments deliver."""
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def first_kept_period(today: datetime.date | None = None) -> str:
    """The oldest month whose feed values are kept (FEED_RETENTION_MONTHS): a run or a
    delivery of a month before it is refused, its values having been dropped."""
    return months_back(today or timezone.localdate(), settings.FEED_RETENTION_MONTHS)


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
    meaning = models.CharField(_("meaning (English)"), max_length=200, blank=True)
    meaning_zh = models.CharField(_("meaning (Chinese)"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data item")
        verbose_name_plural = _("data items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def meaning_shown(self) -> str:
        """The meaning in the reader's language: Chinese where it is written, else the
        English the catalogue started with."""
        chinese = translation.get_language().lower().startswith("zh")
        return (self.meaning_zh if chinese else self.meaning) or self.meaning or self.meaning_zh


class FeedMapping(models.Model):
    """How a department's own wide file (Chinese headers, one row a person) becomes
    long-format values. `spec` is JSON (monitoring.screening.stage.mapping explains it and
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

    def newest_loaded(self, period: str):
        """The newest loaded batch of each county and department for the period: a
        corrected file supersedes the earlier one (as the scoring reads them)."""
        newest = (
            self.filter(period=period, status=BatchStatus.LOADED)
            .values("county", "department")
            .annotate(newest=models.Max("pk"))
            .values("newest")
        )
        return self.filter(pk__in=newest)


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
    # while loading: the loader's lease, renewed by its progress (common.leases)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

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


def _unchecked_key(to, on_delete, related_name: str = "+") -> models.ForeignKey:
    """A foreign key the database neither checks nor indexes (FeedValue's, below)."""
    return models.ForeignKey(
        to, on_delete=on_delete, db_constraint=False, db_index=False, related_name=related_name
    )


class FeedValue(models.Model):
    """A loaded value (filled by COPY): a resident's value of one item in the batch's
    period. The person is the resident the row's number was matched to (by its keyed
    hash, monitoring.screening.match), never the number."""

    # A feed writes millions of these by COPY: no database constraint and no index but the
    # primary key and (batch, household), which the scoring, the evidence and a batch's
    # removal read by. Foreign key checks cost PostgreSQL a query a row (deferred
    # triggers: four million a 2,000,000-row feed), more than the rest of the load. The
    # load writes only its batch, its department's items and matched residents; Django
    # still cascades a batch's removal and protects a used item. Residents are never
    # deleted: they move or die (DESIGN §1.1).
    batch = _unchecked_key(FeedBatch, models.CASCADE, related_name="values")
    # the batch's period, kept on the row: the table is partitioned by it on PostgreSQL
    # (common.partitions), so a month past retention is a partition dropped
    period = models.CharField(_("period"), max_length=7)
    line = models.PositiveIntegerField(_("line"))
    item = _unchecked_key(DataItem, models.PROTECT)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    resident = _unchecked_key(Resident, models.DO_NOTHING)
    household = _unchecked_key(Household, models.DO_NOTHING)

    class Meta:
        verbose_name = _("loaded value")
        verbose_name_plural = _("loaded values")
        indexes = [
            models.Index(fields=["batch", "household"], name="feedvalue_batch_household"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.item_id}"


class FeedFold(models.Model):
    """A batch's values folded per household and item, made once as the batch loads
    (issue 26): amounts summed over the members and rows, counts, flags and grades their
    highest. The nightly scoring reads these (some 600,000 rows a county's file) instead
    of grouping the batch's millions of values again every run. An item's department and
    type never change once it exists (DataItemForm), so a batch's fold stays true; it goes
    with its batch."""

    # the key is the one index: the fold step reads by batch, and a fold is written in
    # its order (an id and an index of the batch beside it tripled the COPY's time)
    pk = models.CompositePrimaryKey("batch", "household", "item")
    batch = _unchecked_key(FeedBatch, models.CASCADE, related_name="folds")
    period = models.CharField(_("period"), max_length=7)  # the batch's (as FeedValue's)
    household = _unchecked_key(Household, models.DO_NOTHING)
    item = _unchecked_key(DataItem, models.PROTECT)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("folded value")
        verbose_name_plural = _("folded values")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.household_id} {self.item_id}"


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


# --- Scoring ------------------------------------------------------------------------------


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Stopped")


class RunStage(models.TextChoices):
    LOADING = "loading", _("Loading department files")
    SCORING = "scoring", _("Scoring households")
    ALERTS = "alerts", _("Raising alerts")


RUN_STAGES = list(RunStage)


class ScreeningRunQuerySet(ScopedQuerySet):
    # A run screens a whole county: its officers see it, and so do the staff of its
    # townships, who work the alerts it raises.
    scope_path = "county__code"
    scope_roles = QUEUE_WORKERS
    scope_enclosing = True

    def active(self):
        return self.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


class ScreeningRun(models.Model):
    """One screening of one county for one period: the nightly job's (started_by empty)
    or one a county officer started. What it used and did is kept, for the staff who
    wonder why an alert appeared or did not. One at a time a county (a constraint)."""

    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7, validators=[period_validator])
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=8, choices=RunStage.choices, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    batches = models.PositiveIntegerField(_("department files used"), default=0)
    rows = models.PositiveIntegerField(_("values used"), default=0)
    households_scored = models.PositiveIntegerField(_("households scored"), default=0)
    alerts_new = models.PositiveIntegerField(_("alerts raised"), default=0)
    errors = models.TextField(_("errors"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScreeningRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        constraints = [
            models.UniqueConstraint(
                fields=["county"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_screening_run_a_county",
            )
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.period} #{self.pk}"

    @property
    def running(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def stage_number(self) -> int:
        """1, 2 or 3 while running (0 before the first stage)."""
        return RUN_STAGES.index(RunStage(self.stage)) + 1 if self.stage else 0

    @property
    def stage_count(self) -> int:
        return len(RUN_STAGES)


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    EDUCATION = "education", _("Education costs")
    DISASTER = "disaster", _("Natural disaster")
    ACCIDENT = "accident", _("Accident")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    LABOURER_DEATH = "death", _("Death of the main labourer")
    HOUSING = "housing", _("Unsafe housing")
    DEBT = "debt", _("Debt")
    LOW_INCOME = "income", _("Low or falling income")
    OTHER = "other", _("Other")


#: what makes a household 突发严重困难户: a sudden event, not a slow decline
SUDDEN_CAUSES = (Cause.ILLNESS, Cause.DISASTER, Cause.ACCIDENT, Cause.LABOURER_DEATH)


class RuleKind(models.TextChoices):
    ITEM = "item", _("A data item's value")
    INCOME = "income", _("Per-capita net income against the monitoring line")


class Comparison(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    LT = "lt", "<"
    EQ = "eq", "="


COMPARISON_SQL = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "="}


class RiskRule(models.Model):
    """One sign of risk, edited by county staff: an item's value (summed over the
    household's members for amounts; the highest for counts, flags and grades) compared
    with a threshold, or the household's per-capita net income below the monitoring line
    times the threshold (1.0: below the line; 1.5: below one and a half times it)."""

    kind = models.CharField(_("kind"), max_length=6, choices=RuleKind.choices)
    item = models.ForeignKey(
        DataItem, verbose_name=_("data item"), on_delete=models.PROTECT, null=True, blank=True
    )
    comparison = models.CharField(
        _("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.GTE
    )
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    weight = models.PositiveSmallIntegerField(_("weight"))
    cause = models.CharField(_("cause"), max_length=12, choices=Cause.choices)
    label = models.CharField(
        _("wording of the reason"),
        max_length=40,
        blank=True,
        help_text=_("How the reason begins, e.g. 近12个月住院自付; the item's name if empty."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-weight", "pk"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="income", item__isnull=True)
                | models.Q(kind="item", item__isnull=False),
                name="risk_rule_item_iff_item_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.wording()

    def wording(self) -> str:
        if self.kind == RuleKind.INCOME:
            return self.label or "人均纯收入低于监测标准"
        return self.label or (self.item.name if self.item is not None else "")


class MonitoringLine(models.Model):
    """The yearly monitoring income line (元 a person a year), set by the county."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.DecimalField(_("line (yuan a person a year)"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("monitoring line")
        verbose_name_plural = _("monitoring lines")

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    NONE = "none", _("None")


LEVEL_RANK: dict[str, int] = {
    RiskLevel.HIGH: 3,
    RiskLevel.MEDIUM: 2,
    RiskLevel.LOW: 1,
    RiskLevel.NONE: 0,
}


def level_rank() -> models.Case:
    """LEVEL_RANK as an expression on `level`: the queue sorts by it."""
    whens = [
        models.When(level=level, then=models.Value(rank)) for level, rank in LEVEL_RANK.items()
    ]
    return models.Case(*whens, default=models.Value(0), output_field=models.IntegerField())


def level_rank_sql(column: str) -> str:
    """LEVEL_RANK as SQL on a column of code (the set-based alert raising)."""
    whens = " ".join(f"WHEN '{level}' THEN {rank}" for level, rank in LEVEL_RANK.items())
    return f"CASE {column} {whens} ELSE 0 END"


class ScreeningSettings(models.Model):
    """The county's screening settings (one row): score bands of the levels, the level
    that raises an alert, and the days each step of an alert may take."""

    high_score = models.PositiveSmallIntegerField(_("high from score"), default=60)
    medium_score = models.PositiveSmallIntegerField(_("medium from score"), default=40)
    low_score = models.PositiveSmallIntegerField(_("low from score"), default=20)
    alert_level = models.CharField(
        _("alert from level"),
        max_length=6,
        choices=[c for c in RiskLevel.choices if c[0] != RiskLevel.NONE],
        default=RiskLevel.MEDIUM,
    )
    verify_days = models.PositiveSmallIntegerField(_("days for on-site verification"), default=15)
    appraise_days = models.PositiveSmallIntegerField(_("days for the appraisal"), default=10)
    notice_days = models.PositiveSmallIntegerField(_("days of public notice"), default=5)
    township_days = models.PositiveSmallIntegerField(_("days for township review"), default=10)
    county_days = models.PositiveSmallIntegerField(_("days for county approval"), default=10)
    # the practice: measures are fixed within a week of the verification that confirmed
    # the risk (at the village's appraisal), not after the county's approval
    measure_days = models.PositiveSmallIntegerField(
        _("days to fix measures after verification"), default=7
    )
    # 边缘易致贫户: per-capita net income at most this many times the monitoring line
    marginal_factor = models.DecimalField(
        _("marginal households: income up to this many times the line"),
        max_digits=4,
        decimal_places=2,
        default=decimal.Decimal("1.50"),
        validators=[MinValueValidator(decimal.Decimal("1"))],
    )

    class Meta:
        verbose_name = _("screening settings")
        verbose_name_plural = _("screening settings")

    def __str__(self) -> str:
        return str(_("screening settings"))

    @classmethod
    def current(cls) -> ScreeningSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()

    def level_of(self, score: int) -> str:
        if score >= self.high_score:
            return RiskLevel.HIGH
        if score >= self.medium_score:
            return RiskLevel.MEDIUM
        if score >= self.low_score:
            return RiskLevel.LOW
        return RiskLevel.NONE


class HouseholdIncomeQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = MONITORING_READERS


class HouseholdIncome(models.Model):
    """A household's income and large expenses of a year (明白卡), entered by a cadre or
    imported. Scoring compares its per-capita net income with the monitoring line."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    wages = models.DecimalField(_("wages"), max_digits=12, decimal_places=2, default=0)
    business = models.DecimalField(
        _("production and business"), max_digits=12, decimal_places=2, default=0
    )
    property_income = models.DecimalField(
        _("property income"), max_digits=12, decimal_places=2, default=0
    )
    transfers = models.DecimalField(
        _("transfers (低保, pensions, subsidies)"), max_digits=12, decimal_places=2, default=0
    )
    medical = models.DecimalField(_("medical expenses"), max_digits=12, decimal_places=2, default=0)
    education = models.DecimalField(
        _("education expenses"), max_digits=12, decimal_places=2, default=0
    )
    disaster = models.DecimalField(_("disaster losses"), max_digits=12, decimal_places=2, default=0)
    members = models.PositiveSmallIntegerField(_("members"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdIncomeQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("household income")
        verbose_name_plural = _("household incomes")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_once_a_year"),
            models.CheckConstraint(condition=models.Q(members__gte=1), name="income_members_1"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.year}"

    @property
    def income(self):
        return self.wages + self.business + self.property_income + self.transfers

    @property
    def expenses(self):
        return self.medical + self.education + self.disaster

    @property
    def per_capita_net(self):
        return ((self.income - self.expenses) / self.members).quantize(decimal.Decimal("0.01"))


class AssessmentQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = MONITORING_READERS


class Assessment(models.Model):
    """A household's risk in a period: the score (sum of the matched rules' weights), its
    level and the reasons in plain Chinese with the figures."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7)
    score = models.PositiveIntegerField(_("score"))
    level = models.CharField(_("level"), max_length=6, choices=RiskLevel.choices)
    # each reason: its rule, its cause and its text (近12个月住院自付 48,200 元)
    reasons = models.JSONField(_("reasons"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "-score"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="assessment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.period} {self.level}"


# --- Alerts -------------------------------------------------------------------------------


class Source(models.TextChoices):
    SCREENING = "screening", _("Department data")
    SELF_REPORT = "self_report", _("Resident's self-report")
    VISIT = "visit", _("Visit by a cadre or grid worker")
    RECHECK = "recheck", _("Re-check campaign (回头看)")
    CHECK = "check", _("Three-level check (三级排查)")


class Stage(models.TextChoices):
    """Where an alert is: the step it waits for, or how it ended."""

    VERIFY = "verify", _("On-site verification")
    APPRAISE = "appraise", _("Democratic appraisal")
    NOTICE = "notice", _("Public notice")
    TOWNSHIP = "township", _("Township review")
    COUNTY = "county", _("County approval")
    ENROLLED = "enrolled", _("Enrolled as monitored household")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_STAGES = (Stage.VERIFY, Stage.APPRAISE, Stage.NOTICE, Stage.TOWNSHIP, Stage.COUNTY)


class CampaignQuerySet(ScopedQuerySet):
    scope_path = "county__code"
    scope_roles = MONITORING_READERS


class Campaign(models.Model):
    """A re-check campaign (回头看): county staff pick households, each becomes an alert
    waiting for its village's verification."""

    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=100)
    criteria = models.CharField(_("households picked"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("re-check campaign")
        verbose_name_plural = _("re-check campaigns")

    def __str__(self) -> str:
        return self.name


class AlertQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = MONITORING_READERS

    def open(self):
        return self.filter(closed_at__isnull=True)

    def measures_overdue(self, today: datetime.date):
        """Alerts whose risk verification confirmed, with no measure fixed by their
        measures' due date (that date itself is still in time), while still open or
        enrolled."""
        fixed = AssistanceMeasure.objects.filter(alert=OuterRef("pk"))
        return (
            self.filter(measures_due__lt=today)
            .exclude(stage=Stage.DISMISSED)
            .filter(~Exists(fixed))
        )


class Alert(models.Model):
    """A household at risk, pushed to its village, through the workflow to enrolment or
    dismissal. At most one open alert a household (a partial unique index)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    # the household's village when the alert was raised: the queue filters by region
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    stage = models.CharField(_("step"), max_length=10, choices=Stage.choices, default=Stage.VERIFY)
    level = models.CharField(_("level"), max_length=6, choices=RiskLevel.choices)
    score = models.PositiveIntegerField(_("score"), default=0)
    period = models.CharField(_("period"), max_length=7, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    causes = models.JSONField(_("causes"), default=list)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, null=True, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due"))
    opened_at = models.DateTimeField(_("raised at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # dismissed at verification: re-alerted only on worse evidence (a higher score)
    dismissed_at_verification = models.BooleanField(default=False)
    # set when verification confirms the risk: measures are fixed by then (measure_days)
    measures_due = models.DateField(_("measures due"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    # set on a page of alerts by the queue's view (monitoring.views._rows), not stored
    head_name: str
    overdue: bool
    measures_late: bool
    reason_lines: list[str]

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_alert_a_household",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "closed_at"], name="alert_village_open"),
            models.Index(fields=["household", "closed_at"], name="alert_household"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_stage_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_open and self.due_date < today


class AlertEvent(models.Model):
    """One step of an alert's log: who did what, when, with the step's record."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(_("record"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("alert step")
        verbose_name_plural = _("alert steps")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action}"


# --- Monitored households -----------------------------------------------------------------


class MonitoredQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = MONITORING_READERS

    def current(self):
        return self.filter(eliminated_at__isnull=True)


class Monitored(models.Model):
    """A household enrolled as monitored (its category and causes), until its risk is
    eliminated after review. Owns the fact the household's record only mirrors."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    alert = models.OneToOneField(
        Alert, verbose_name=_("alert"), on_delete=models.PROTECT, related_name="enrolment"
    )
    category = models.CharField(_("category"), max_length=10, choices=MonitoringCategory.choices)
    causes = models.JSONField(_("causes"), default=list)
    enrolled_on = models.DateField(_("enrolled on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # the members enrolled (the living members at enrolment, as the county approved them)
    members = models.ManyToManyField(
        Resident, verbose_name=_("members enrolled"), related_name="+", blank=True
    )
    # 突发严重困难户: the sudden expense or loss behind the enrolment (yuan)
    sudden_amount = models.DecimalField(
        _("sudden expense or loss (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    elimination_proposed_on = models.DateField(_("elimination proposed on"), null=True, blank=True)
    elimination_note = models.CharField(_("why the risk is gone"), max_length=500, blank=True)
    # who proposed it: the one person who may not confirm it
    elimination_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("elimination proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    eliminated_at = models.DateTimeField(_("risk eliminated at"), null=True, blank=True)
    eliminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eliminated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MonitoredQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_on", "-pk"]
        verbose_name = _("monitored household")
        verbose_name_plural = _("monitored households")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(eliminated_at__isnull=True),
                name="monitored_once_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_category_display()}"


class MeasureKind(models.TextChoices):
    # kinds of help, not the registry's fields of the same English word (就业状况 is a
    # resident's employment; 就业帮扶 the help with it): their own context
    INDUSTRY = "industry", pgettext_lazy("assistance measure", "Industry")
    EMPLOYMENT = "employment", pgettext_lazy("assistance measure", "Employment")
    MICROCREDIT = "microcredit", pgettext_lazy("assistance measure", "Microcredit")
    HEALTH = "health", pgettext_lazy("assistance measure", "Health")
    EDUCATION = "education", pgettext_lazy("assistance measure", "Education")
    HOUSING = "housing", pgettext_lazy("assistance measure", "Housing")
    SOCIAL = "social", pgettext_lazy("assistance measure", "Social security")
    INSURANCE = "insurance", pgettext_lazy("assistance measure", "Insurance")
    MINIMUM = "minimum", pgettext_lazy("assistance measure", "Minimum living support")


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Under way")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")


#: a measure in one of these states is over: its record is final
MEASURE_FINAL = (MeasureStatus.DONE, MeasureStatus.STOPPED)


class AssistanceMeasure(models.Model):
    """Help for a household at risk: proposed at the village's appraisal (on the alert)
    and carried on after enrolment (the monitored household), or added for a monitored
    household directly. Its state moves by MeasureUpdates, never by rewriting."""

    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )
    monitored = models.ForeignKey(
        Monitored, on_delete=models.CASCADE, null=True, blank=True, related_name="measures"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MeasureKind.choices)
    description = models.CharField(_("description"), max_length=300)
    responsible = models.CharField(_("responsible person"), max_length=50)
    start = models.DateField(_("start"))
    status = models.CharField(
        _("status"), max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    expected_effect = models.CharField(_("expected effect"), max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # set by the alert's page: the form of the next report on it, or None
    update_form: Any

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alert__isnull=False) | models.Q(monitored__isnull=False),
                name="measure_of_an_alert_or_a_monitored_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class MeasureUpdate(models.Model):
    """A measure's state as its responsible person reported it on a date: the measure's
    record (appended, never rewritten)."""

    measure = models.ForeignKey(AssistanceMeasure, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=8, choices=MeasureStatus.choices)
    on = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("measure update")
        verbose_name_plural = _("measure updates")

    def __str__(self) -> str:
        return f"{self.measure} {self.get_status_display()} {self.on}"


class PairingQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = MONITORING_READERS

    def current(self):
        return self.filter(ended_on__isnull=True)


class Pairing(models.Model):
    """结对帮扶: the cadre responsible for a household at risk (monitored, or its alert
    past verification), named by the township; who visits it and follows its measures.
    A new pairing ends the one before (the record keeps both)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paired cadre"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    started_on = models.DateField(_("paired on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paired by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_pairing_a_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.cadre}"


# --- Portraits that send people back (issue 24, item 5) -----------------------------------


class PortraitKind(models.TextChoices):
    """What a portrait rule looks at. The first two colour the area portrait (risk across
    villages), the rest the work portrait (how a village handles what is pushed)."""

    FEW_ENROLLED = "few_enrolled", _("Many alerts, few enrolled")
    NO_MONITORED = "no_monitored", _("No monitored household")
    OVERDUE = "overdue", _("Alerts past their deadline")
    MEASURES_LATE = "measures_late", _("Measures not fixed within their week")
    LATE_VERIFICATION = "late_verify", _("Few verifications on time")


AREA_KINDS = (PortraitKind.FEW_ENROLLED, PortraitKind.NO_MONITORED)


class Colour(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")


class PortraitRule(models.Model):
    """One rule of the portraits' colours, as the county sets it: a village (and a
    township, from its villages' sums) matching a red rule is red, else matching a yellow
    rule is yellow, else green. `threshold` is "at least N" (alerts past their deadline,
    measures late, alerts decided) or, for verifications on time, "below N %"; `share` is
    the enrolled share below which "many alerts, few enrolled" holds."""

    kind = models.CharField(_("looks at"), max_length=14, choices=PortraitKind.choices)
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices)
    threshold = models.PositiveIntegerField(_("threshold"), default=1)
    share = models.PositiveSmallIntegerField(
        _("enrolled below (%)"), default=5, validators=[MaxValueValidator(100)]
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["colour", "kind", "pk"]  # red before yellow
        verbose_name = _("portrait rule")
        verbose_name_plural = _("portrait rules")

    def __str__(self) -> str:
        return self.describe()

    @property
    def area(self) -> bool:
        return self.kind in AREA_KINDS

    def describe(self) -> str:
        """The rule as a sentence in the reader's language."""
        n = self.threshold
        if self.kind == PortraitKind.FEW_ENROLLED:
            text = gettext("%(n)d or more alerts decided of which fewer than %(share)d %% enrolled")
            return text % {"n": n, "share": self.share}
        if self.kind == PortraitKind.NO_MONITORED:
            return gettext("no monitored household")
        if self.kind == PortraitKind.OVERDUE:
            return gettext("%(n)d or more open alerts past their deadline") % {"n": n}
        if self.kind == PortraitKind.MEASURES_LATE:
            return gettext("%(n)d or more confirmed risks without a measure after their week") % {
                "n": n
            }
        return gettext("fewer than %(n)d %% of verifications on time") % {"n": n}

    def matches(self, row: Any) -> bool:
        """Whether a portrait row (monitoring.portraits.Row) meets this rule."""
        if self.kind == PortraitKind.FEW_ENROLLED:
            # among the alerts decided, not those still being worked: a fresh push of
            # alerts is not "few enrolled" before anyone could enrol them
            rate = row.decided_enrolled
            return row.decided >= self.threshold and rate is not None and rate < self.share
        if self.kind == PortraitKind.NO_MONITORED:
            return not row.monitored
        if self.kind == PortraitKind.OVERDUE:
            return row.overdue >= self.threshold
        if self.kind == PortraitKind.MEASURES_LATE:
            return row.measures_late >= self.threshold
        rate = row.on_time_rate
        return rate is not None and rate < self.threshold


class ReminderQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = MONITORING_READERS


class Reminder(models.Model):
    """The county's pointed reminder to a village a portrait colours yellow or red, with
    its list of households to revisit (one a village a month)."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.CharField(_("month"), max_length=7, validators=[period_validator])
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices)
    # the rules it met, as their kinds (their sentences are shown in the reader's language)
    kinds = models.JSONField(_("why"), default=list)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("portrait reminder")
        verbose_name_plural = _("portrait reminders")
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="one_reminder_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.month}"

    def why(self) -> list[str]:
        return [str(PortraitKind(k).label) for k in self.kinds if k in PortraitKind.values]


class RevisitReason(models.TextChoices):
    OVERDUE = "overdue", _("Alert past its deadline")
    MEASURES_LATE = "measures_late", _("No measure after the week")
    DISMISSED = "dismissed", _("Dismissed this year: verify again")
    AT_RISK = "at_risk", _("Scored at risk, not monitored")


class Revisit(models.Model):
    """A household a reminder sends staff back to, and the visit when it was made."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="revisits")
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=14, choices=RevisitReason.choices)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("what the visit found"), max_length=300, blank=True)

    # set on a page of revisits by the reminder's page, not stored
    form: Any

    class Meta:
        ordering = ["household__number", "pk"]
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "household"], name="one_revisit_a_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.reminder} · {self.household}"


# --- Three-level checks (issue 24, item 6) ---------------------------------------------------


class CheckLevel(models.TextChoices):
    VILLAGE = "village", _("Village: every household")
    TOWNSHIP = "township", _("Township: key households")
    COUNTY = "county", _("County: sample of high-risk households")


class CheckCampaignQuerySet(ScopedQuerySet):
    scope_path = "county__code"
    scope_roles = MONITORING_READERS
    scope_enclosing = True  # a village's and a township's staff read their county's campaign


class CheckCampaign(models.Model):
    """三级排查 for a period: the village checks every household, the township its key
    list, the county a random sample of high-risk households drawn with `seed` (anyone
    can draw it again: monitoring.checks.draw_sample)."""

    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    sample_share = models.PositiveSmallIntegerField(
        _("county sample (percent of high-risk households)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    seed = models.CharField(_("sample seed"), max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)

    objects = CheckCampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("three-level check")
        verbose_name_plural = _("three-level checks")

    def __str__(self) -> str:
        return self.name

    def is_running(self, today: datetime.date) -> bool:
        return self.starts_on <= today <= self.ends_on


class CheckTarget(models.Model):
    """A household on the township's key list or in the county's sample, fixed when the
    campaign starts (the village's list is every household of the village)."""

    campaign = models.ForeignKey(CheckCampaign, on_delete=models.CASCADE, related_name="targets")
    level = models.CharField(_("level"), max_length=8, choices=CheckLevel.choices)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    why = models.CharField(_("why"), max_length=12)

    class Meta:
        ordering = ["household__village__code", "household__number"]
        verbose_name = _("household to check")
        verbose_name_plural = _("households to check")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "level", "household"], name="one_target_a_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.level} {self.household}"


class CheckResult(models.TextChoices):
    FINE = "fine", _("Checked: no risk found")
    CONCERN = "concern", _("Checked: a risk found")


class CheckMark(models.Model):
    """A household checked at a level of a campaign (once a level), and the alert its
    finding raised."""

    campaign = models.ForeignKey(CheckCampaign, on_delete=models.CASCADE, related_name="marks")
    level = models.CharField(_("level"), max_length=8, choices=CheckLevel.choices)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=8, choices=CheckResult.choices)
    note = models.CharField(_("what was found"), max_length=300, blank=True)
    checked_on = models.DateField(_("checked on"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT
    )
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("alert raised"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-checked_on", "-pk"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "level", "household"], name="one_check_a_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.level} {self.household}"


# --- The village's month (issue 24, item 7) -------------------------------------------------


class ReviewMeetingQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = MONITORING_READERS


class ReviewMeeting(models.Model):
    """The village's monthly 防返贫工作研判会: when, who sat, the agenda the portal
    prepared for it (kept as it stood), the minutes and the decisions."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.CharField(_("month"), max_length=7, validators=[period_validator])
    held_on = models.DateField(_("held on"))
    attendees = models.CharField(_("attendees"), max_length=300)
    minutes = models.TextField(_("minutes"), max_length=4000)
    agenda = models.JSONField(_("agenda"), default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ReviewMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "village__code"]
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="one_meeting_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.month}"


class MeetingDecision(models.Model):
    """A decision of the meeting, linked to what it is about."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(_("decision"), max_length=300)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("alert"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    measure = models.ForeignKey(
        AssistanceMeasure,
        verbose_name=_("measure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")

    def __str__(self) -> str:
        return self.text


class LookBack(models.Model):
    """The village's monthly 回头看 of one monitored household: still at risk, are its
    measures working, is it ready for elimination."""

    monitored = models.ForeignKey(
        Monitored,
        verbose_name=_("monitored household"),
        on_delete=models.CASCADE,
        related_name="lookbacks",
    )
    month = models.CharField(_("month"), max_length=7, validators=[period_validator])
    still_at_risk = models.BooleanField(_("still at risk"))
    measures_working = models.BooleanField(_("measures working"))
    ready = models.BooleanField(_("ready for risk elimination"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    on = models.DateField(_("looked at on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["-month", "pk"]
        verbose_name = _("look-back")
        verbose_name_plural = _("look-backs")
        constraints = [
            models.UniqueConstraint(fields=["monitored", "month"], name="one_lookback_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.monitored} {self.month}"
