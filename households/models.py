"""Households and residents: the registry of people (DESIGN §1.1, §5)."""

from __future__ import annotations

import datetime
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from common.partitions import this_period
from households.idnumbers import decrypt, encrypt
from households.masking import mask
from households.roles import PRODUCE_READERS, REGISTRY_READERS
from villages.models import Region
from villages.scoping import ScopedQuerySet


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Brother or sister")
    OTHER = "other", _("Other relative")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):
    PRESCHOOL = "preschool", _("Pre-school")
    ILLITERATE = "illiterate", _("Illiterate or semi-literate")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Vocational secondary")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor or above")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Long-term chronic illness")
    SERIOUS = "serious", _("Serious illness")


class DisabilityGrade(models.IntegerChoices):
    NONE = 0, _("Not disabled")
    GRADE_1 = 1, _("Grade 1 (most severe)")
    GRADE_2 = 2, _("Grade 2")
    GRADE_3 = 3, _("Grade 3")
    GRADE_4 = 4, _("Grade 4")


class DisabilityKind(models.TextChoices):
    NONE = "", _("None")
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class LabourAbility(models.TextChoices):
    NORMAL = "normal", _("Ordinary labourer")
    SKILLED = "skilled", _("Skilled labourer")
    WEAK = "weak", _("Weak or half labourer")
    LOST = "lost", _("Lost labour ability")
    NONE = "none", _("No labour ability (child, elderly)")


ABLE_TO_WORK = (LabourAbility.NORMAL, LabourAbility.SKILLED, LabourAbility.WEAK)


class Employment(models.TextChoices):
    FARMING = "farming", _("Farming")
    LOCAL = "local", _("Working within the county")
    MIGRANT = "migrant", _("Migrant work outside the county")
    BUSINESS = "business", _("Self-employed")
    PUBLIC_POST = "public_post", _("Public-welfare post")
    STUDENT = "student", _("In school")
    UNEMPLOYED = "unemployed", _("Not employed")
    RETIRED = "retired", _("Retired or aged")
    NOT_APPLICABLE = "na", _("Not applicable (child)")


EMPLOYED = (
    Employment.FARMING,
    Employment.LOCAL,
    Employment.MIGRANT,
    Employment.BUSINESS,
    Employment.PUBLIC_POST,
)


class Political(models.TextChoices):
    MASSES = "masses", _("Ordinary citizen")
    CPC = "cpc", _("CPC member")
    PROBATIONARY = "probationary", _("CPC probationary member")
    CYL = "cyl", _("Communist Youth League member")
    DEMOCRATIC = "democratic", _("Member of a democratic party")


class ResidentStatus(models.TextChoices):
    LIVING = "living", _("Registered")
    MOVED = "moved", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Presence(models.TextChoices):
    """Whether a registered resident actually lives in the village (现住)."""

    HERE = "here", _("Lives here")
    AWAY = "away", _("Away")


class AwayReason(models.TextChoices):
    WORK = "work", _("Work")
    STUDY = "study", _("Study")
    ELSEWHERE = "elsewhere", _("Lives elsewhere")


class InflowReason(models.TextChoices):
    WORK = "work", _("Work")
    FAMILY = "family", _("Family (marriage, joining relatives)")
    STUDY = "study", _("Study")
    OTHER = "other", _("Other")


class PovertyStatus(models.TextChoices):
    """The registry's own fact: was the household lifted out of poverty (脱贫户)?"""

    NONE = "none", _("General household")
    LIFTED = "lifted", _("Lifted out of poverty")


class MonitoringCategory(models.TextChoices):
    """The three categories of monitored household (DESIGN §1.2). On a household this is
    only a mirror of monitoring's open enrolment, set by monitoring's service through
    households.services.monitoring_mirror_set; no form, import or demo writes it."""

    NONE = "", _("Not monitored")
    UNSTABLE = "unstable", _("Unstable after lifting out of poverty")
    MARGINAL = "marginal", _("Marginal, at risk of poverty")
    SUDDEN = "sudden", _("Sudden severe hardship")


class LivingEnvironment(models.TextChoices):
    UNRATED = "", _("Not rated")
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


def today_local() -> datetime.date:
    return timezone.localdate()


class HouseholdQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = REGISTRY_READERS

    def with_head(self) -> HouseholdQuerySet:
        """Head name and member count in the same query as the households."""
        living = Resident.objects.filter(household=OuterRef("pk"), status=ResidentStatus.LIVING)
        # Correlated subqueries rather than a JOIN + GROUP BY: the paginator's COUNT stays a
        # plain count of households, and a page costs 2 index lookups per row shown.
        members = living.order_by().values("household").annotate(n=Count("pk")).values("n")
        return self.select_related("village", "group").annotate(
            head_name=Subquery(living.filter(relation=Relation.HEAD).values("name")[:1]),
            member_count=Coalesce(Subquery(members), 0),
        )


def new_public_token() -> str:
    """A household's public code: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


class Household(models.Model):
    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": "village"},
    )
    group = models.ForeignKey(
        Region,
        verbose_name=_("villager group"),
        on_delete=models.PROTECT,
        related_name="group_households",
        null=True,
        blank=True,
        limit_choices_to={"level": "group"},
    )
    number = models.CharField(
        _("household number"), max_length=20, help_text=_("Unique within the village.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    motto = models.CharField(_("family motto"), max_length=100, blank=True)
    living_environment = models.CharField(
        _("living environment"),
        max_length=10,
        choices=LivingEnvironment.choices,
        blank=True,
        default=LivingEnvironment.UNRATED,
    )
    poverty_status = models.CharField(
        _("poverty status"),
        max_length=10,
        choices=PovertyStatus.choices,
        default=PovertyStatus.NONE,
    )
    monitoring_category = models.CharField(
        _("monitored household"),
        max_length=10,
        choices=MonitoringCategory.choices,
        blank=True,
        default=MonitoringCategory.NONE,
        editable=False,  # the mirror of monitoring's enrolment records, see MonitoringCategory
    )
    is_dibao = models.BooleanField(_("low-income allowance (低保)"), default=False)
    is_tekun = models.BooleanField(_("destitute support (特困/五保)"), default=False)
    land_area_mu = models.DecimalField(
        _("contracted land (mu)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    notes = models.TextField(_("notes"), blank=True)
    # the door plaque's code: /h/<token>/ (DESIGN §5: random, not the id or number;
    # rotated by staff, and the old plaque stops working).
    public_token = models.CharField(
        _("public code"), max_length=43, unique=True, default=new_public_token, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["village__code", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"], name="household_number_unique_in_village"
            ),
        ]
        indexes = [
            # The list's order (village code, number) read from the index alone, with the
            # ids the page needs: page 900 of a county 120 → 34 ms (docs/benchmarks.md).
            models.Index(
                fields=["village", "number"], include=["id"], name="household_list_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.number}"

    def get_absolute_url(self) -> str:
        """The staff page of the household (shared templates link here by this name)."""
        return reverse("households:detail", args=[self.pk])

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitoring_category)

    def unique_error_message(self, model_class, unique_check):
        if set(unique_check) == {"village", "number"}:
            return ValidationError(
                _("Household number %(number)s is already used in this village."),
                code="unique_together",
                params={"number": self.number},
            )
        return super().unique_error_message(model_class, unique_check)

    def clean(self) -> None:
        if self.village_id and self.village.level != "village":
            raise ValidationError({"village": _("Choose a village.")})
        if self.group is not None and self.village_id and self.group.parent_id != self.village_id:
            raise ValidationError({"group": _("This villager group belongs to another village.")})

    @cached_property
    def head(self) -> Resident | None:
        return (
            self.residents.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING)
            .order_by("pk")
            .first()
        )

    def public_url(self) -> str:
        """The absolute address the plaque's QR code holds (PUBLIC_BASE_URL)."""
        path = reverse("households:public", args=[self.public_token])
        return settings.PUBLIC_BASE_URL.rstrip("/") + path

    def masked_name(self) -> str:
        """How public pages name a household: number and masked head name (张*力家)."""
        name = getattr(self, "head_name", None)
        if name is None and "head_name" not in self.__dict__:
            head = self.head
            name = head.name if head else ""
        return mask(name, "name")


class RetiredCode(models.Model):
    """A plaque's code that was replaced (lost or copied plaque): its page no longer
    opens, but a scan of the old plaque is told it was replaced (410) instead of a 404
    that reads like a fault, and staff are told whose it was. Kept as a keyed hash: the
    old code opens nothing, and the table gives none away."""

    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    retired_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        verbose_name = _("replaced plaque code")
        verbose_name_plural = _("replaced plaque codes")

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.retired_at:%Y-%m-%d}"


class PublicInfoQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = REGISTRY_READERS


# an office's published phone (landline or mobile, digits and dashes)
OFFICIAL_PHONE = RegexValidator(r"^[0-9][0-9-]{6,19}$", _("Enter a phone number (digits and -)."))


class PublicInfo(models.Model):
    """What the public pages say of a village or a villager group (DESIGN §1.4): the
    village's slogan, and the villager representative's name and official phone (a
    group's, or the village's for a household without a group). Published by a cadre;
    nothing of it comes from the registry."""

    region = models.OneToOneField(
        Region, verbose_name=_("village or group"), on_delete=models.CASCADE, related_name="+"
    )
    slogan = models.CharField(_("village slogan"), max_length=60, blank=True)
    representative_name = models.CharField(_("villager representative"), max_length=40, blank=True)
    representative_phone = models.CharField(
        _("representative's official phone"),
        max_length=20,
        blank=True,
        validators=[OFFICIAL_PHONE],
    )
    # the village committee's office (a village's only): how a buyer on the market reaches
    # a seller, never the resident's own phone
    office_phone = models.CharField(
        _("village committee's phone"),
        max_length=20,
        blank=True,
        validators=[OFFICIAL_PHONE],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PublicInfoQuerySet.as_manager()

    class Meta:
        verbose_name = _("public information")
        verbose_name_plural = _("public information")

    def __str__(self) -> str:
        return str(self.region)


class ResidentQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = REGISTRY_READERS

    def living(self) -> ResidentQuerySet:
        return self.filter(status=ResidentStatus.LIVING)

    def aged_between(self, low: int | None, high: int | None, today=None) -> ResidentQuerySet:
        """Residents whose age in whole years lies in [low, high]."""
        today = today or today_local()
        qs = self
        if low is not None:
            qs = qs.filter(birth_date__lte=_years_before(today, low))
        if high is not None:
            qs = qs.filter(birth_date__gt=_years_before(today, high + 1))
        return qs


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class Resident(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("name"), max_length=50)
    # One person is one resident: the keyed hash of the ID number is unique (DESIGN §5).
    id_hash = models.CharField(_("ID number hash"), max_length=64, unique=True, editable=False)
    id_cipher = models.TextField(_("ID number (encrypted)"), editable=False)
    # The masked forms beside the ciphers (the one mask(), applied when the number is
    # written): lists and masked exports show them without decrypting a row (DESIGN §5).
    id_masked = models.CharField(_("ID number (masked)"), max_length=18, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    relation = models.CharField(
        _("relation to head"), max_length=20, choices=Relation.choices, default=Relation.HEAD
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    health = models.CharField(
        _("health"), max_length=10, choices=Health.choices, default=Health.HEALTHY
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"),
        choices=DisabilityGrade.choices,
        default=DisabilityGrade.NONE,
        validators=[MaxValueValidator(4)],
    )
    disability_kind = models.CharField(
        _("disability kind"), max_length=15, choices=DisabilityKind.choices, blank=True
    )
    labour_ability = models.CharField(
        _("labour ability"), max_length=10, choices=LabourAbility.choices
    )
    employment = models.CharField(_("employment"), max_length=15, choices=Employment.choices)
    work_place = models.CharField(_("place of work"), max_length=100, blank=True)
    political_status = models.CharField(
        _("political status"),
        max_length=15,
        choices=Political.choices,
        default=Political.MASSES,
    )
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    religion = models.CharField(_("religion"), max_length=50, blank=True)
    phone_cipher = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, editable=False)
    is_floating = models.BooleanField(
        _("floating population"),
        default=False,
        help_text=_("Lives here without local household registration, or the reverse."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.LIVING
    )
    # 现住: does the registered resident actually live here; when away, why and where,
    # since when (services.presence_set)
    presence = models.CharField(
        _("lives here"), max_length=5, choices=Presence.choices, default=Presence.HERE
    )
    away_reason = models.CharField(
        _("away for"), max_length=10, choices=AwayReason.choices, blank=True
    )
    away_place = models.CharField(_("where"), max_length=100, blank=True)
    presence_since = models.DateField(_("since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "birth_date"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [
            models.Index(fields=["status", "labour_ability"], name="resident_labour_idx"),
            models.Index(fields=["birth_date"], name="resident_birth_idx"),
            # head name and member count of each listed household (with_head)
            models.Index(fields=["household", "status"], name="resident_household_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability_grade__lte=4), name="resident_disability_grade_0_4"
            ),
        ]

    def __str__(self) -> str:
        return mask(self.name, "name")

    def id_number(self) -> str:
        """The full ID number. Callers showing it must have recorded an AccessEvent."""
        return decrypt(self.id_cipher)

    def phone(self) -> str:
        return decrypt(self.phone_cipher)

    def masked_id(self) -> str:
        return self.id_masked

    def masked_phone(self) -> str:
        return self.phone_masked

    def set_identity_secrets(self, *, id_number: str | None = None, phone: str | None = None):
        """Store a number encrypted, with its masked form beside it: the one place the
        cipher and the mask are written together, so they never disagree."""
        if id_number is not None:
            self.id_cipher = encrypt(id_number)
            self.id_masked = mask(id_number, "id")
        if phone is not None:
            self.phone_cipher = encrypt(phone)
            self.phone_masked = mask(phone, "phone")

    def age(self, today: datetime.date | None = None) -> int:
        today = today or today_local()
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def clean(self) -> None:
        if self.disability_grade and not self.disability_kind:
            raise ValidationError({"disability_kind": _("Choose the kind of disability.")})

    @property
    def is_disabled(self) -> bool:
        return self.disability_grade > 0


class LifeEventKind(models.TextChoices):
    # Event words (迁出), not the status they leave behind (已迁出): the context keeps
    # the translations apart from ResidentStatus's.
    BIRTH = "birth", pgettext_lazy("life event", "Birth")
    DEATH = "death", pgettext_lazy("life event", "Death")
    MOVE_IN = "move_in", pgettext_lazy("life event", "Move in")
    MOVE_OUT = "move_out", pgettext_lazy("life event", "Move out")
    MARRIAGE = "marriage", pgettext_lazy("life event", "Marriage")


# What each event does to the resident's status; marriage changes none.
STATUS_AFTER_EVENT = {
    LifeEventKind.BIRTH: ResidentStatus.LIVING,
    LifeEventKind.MOVE_IN: ResidentStatus.LIVING,
    LifeEventKind.DEATH: ResidentStatus.DECEASED,
    LifeEventKind.MOVE_OUT: ResidentStatus.MOVED,
}


class LifeEventQuerySet(ScopedQuerySet):
    scope_path = "resident__household__village__code"
    scope_roles = REGISTRY_READERS


class LifeEvent(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=10, choices=LifeEventKind.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,  # none for the system's own writes (the demo, a monitoring job)
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LifeEventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class AccessKind(models.TextChoices):
    VIEW_ID = "view_id", _("Viewed full ID number")
    VIEW_PHONE = "view_phone", _("Viewed full phone number")
    EXPORT_FULL = "export_full", _("Exported with full ID numbers")
    EXPORT_MASKED = "export_masked", _("Exported (masked)")
    VIEW_DOCUMENT = "view_document", _("Opened a document")


class AccessEventQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = REGISTRY_READERS


class AccessEvent(models.Model):
    """Who saw whose sensitive field or exported what, when and why (DESIGN §2, §5)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT
    )
    kind = models.CharField(_("kind"), max_length=15, choices=AccessKind.choices)
    # The village of the resident, or for an export the broadest region exported.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, null=True, blank=True
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # the month of the record: the table is partitioned by it on PostgreSQL
    # (common.partitions), so a month past ACCESS_RETENTION_MONTHS is dropped whole
    period = models.CharField(_("month"), max_length=7, default=this_period, editable=False)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("access record")
        verbose_name_plural = _("access records")

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    HUKOU = "hukou", _("Household register (hukou book)")
    OTHER = "other", _("Other")


# Documents that show a full ID number: opened only under the reveal rule (DESIGN §5).
IDENTITY_DOCUMENTS = frozenset({DocumentKind.ID_CARD, DocumentKind.HUKOU})


class DocumentQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = REGISTRY_READERS


def document_path(instance: Document, filename: str) -> str:
    # A random name: the stored path reveals neither the person nor the upload order.
    return f"documents/{instance.household_id}/{secrets.token_hex(16)}.jpg"


class Document(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="documents"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    # MEDIA_ROOT is outside the web root and no URL maps to it: the document view streams
    # the file after the household's scope check.
    file = models.FileField(_("file"), upload_to=document_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.get_kind_display()


class VillageStatsQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = REGISTRY_READERS


class VillageStats(models.Model):
    """The overview figures of one village (headline counts and the chart bars), so that
    the staff home sums a row per village instead of scanning a county's 680,000
    residents (issue 7: 920 ms in one pass, 3.1 s as it was). Every registry write marks
    its village stale (households.services); a stale row, or one from an earlier day (ages
    move on), is recomputed when read, by the periodic task, and by the nightly refresh."""

    village = models.OneToOneField(
        Region,
        verbose_name=_("village"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="figures",
    )
    counts = models.JSONField(_("counts"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    stale = models.BooleanField(_("stale"), default=False)

    objects = VillageStatsQuerySet.as_manager()

    class Meta:
        verbose_name = _("village figures")
        verbose_name_plural = _("village figures")

    def __str__(self) -> str:
        return str(self.village_id)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Not imported")


IMPORT_RUNNING = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportJobQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = REGISTRY_READERS


class ImportJob(models.Model):
    """An uploaded registry spreadsheet between its dry run and its confirmation."""

    token = models.CharField(max_length=43, unique=True, editable=False)
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    original_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="imports/")
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    # per failed row: its line in the file and the messages; never the values
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The failed rows as they were in the file (encrypted: they hold ID numbers), kept by
    # the task that read the file, so the error workbook is written without reading the
    # upload again inside a web request.
    failed_rows = models.BinaryField(_("failed rows"), blank=True, default=b"", editable=False)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    # while a task reads it: as long as the task's hard time limit (common.leases)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def running(self) -> bool:
        return self.status in IMPORT_RUNNING


class ExportKind(models.TextChoices):
    HOUSEHOLDS = "households", _("Households")
    RESIDENTS = "residents", _("Residents")
    PLAQUES = "plaques", _("Door plaques")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Writing")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


EXPORT_RUNNING = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportJob(models.Model):
    """A workbook of the registry written by a task (issue 7: a county's export took 30-67 s
    inside a request). Kept encrypted until it expires. It holds what its creator may
    read, so only its creator opens it (ExportJob.objects.of(user))."""

    token = models.CharField(max_length=43, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("exported by"), on_delete=models.PROTECT
    )
    kind = models.CharField(_("list"), max_length=12, choices=ExportKind.choices)
    # the list's filters as in its address (an ID number is there only as its keyed hash)
    params = models.CharField(_("filters"), max_length=2000, blank=True)
    full = models.BooleanField(_("full ID and phone numbers"), default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    # while a task writes it: as long as the task's hard time limit (common.leases)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.status in EXPORT_RUNNING


# --- The produce market (我家有农货) -------------------------------------------------------


class ListingKind(models.TextChoices):
    SELL = "sell", _("For sale")
    BUY = "buy", _("Wanted")


class ListingStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    PUBLISHED = "published", _("Published")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Closed")


def product_key(product: str) -> str:
    """A product's name as listings are matched by: no spaces, full-width letters and
    digits narrowed, lower case (赣南脐橙 and 赣南 脐橙 are the same product)."""
    return "".join(unicodedata.normalize("NFKC", product).split()).lower()[:30]


class ListingQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = PRODUCE_READERS

    def showing(self, on: datetime.date | None = None) -> ListingQuerySet:
        """Published and not expired (the expiry day is the last day it shows)."""
        on = on or timezone.localdate()
        return self.filter(status=ListingStatus.PUBLISHED, expires_on__gte=on)


class Listing(models.Model):
    """What a household sells or wants to buy, posted from its public page; shown once a
    cadre of the village approved it, until it expires or is closed."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="listings"
    )
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("sell or buy"), max_length=4, choices=ListingKind.choices)
    product = models.CharField(_("product"), max_length=30)
    product_key = models.CharField(max_length=30, editable=False, db_index=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    # None: price to be agreed (面议)
    price = models.DecimalField(
        _("price (yuan per unit)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.PENDING
    )
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    expires_on = models.DateField(_("shown until"))
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or refused by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("approved or refused at"), null=True, blank=True)
    refusal = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # how it closed when the family should hear it on its page (e.g. the co-op bought it)
    closed_note = models.CharField(_("how it closed"), max_length=200, blank=True)
    # a phone the poster left to be texted when the listing is refused or bought (kept
    # encrypted, never shown on a public page; DESIGN §5)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, editable=False)
    # the poster closes the listing with this (shown once, after posting); 128 bits
    close_code = models.CharField(max_length=32, unique=True, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("produce listing")
        verbose_name_plural = _("produce listings")
        indexes = [models.Index(fields=["village", "status", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product}"

    @property
    def phone(self) -> str:
        return decrypt(self.phone_cipher) if self.phone_cipher else ""


class InflowQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = REGISTRY_READERS

    def current(self) -> InflowQuerySet:
        return self.filter(left_on__isnull=True)


class Inflow(models.Model):
    """A person who lives in the village without being registered here (流入人口): a
    worker, a spouse, a tenant. Recorded without an ID number (they have none in this
    registry); with the household they live with, if any."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("lives with household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inflows",
    )
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    from_place = models.CharField(_("registered in"), max_length=100)
    reason = models.CharField(_("here for"), max_length=10, choices=InflowReason.choices)
    address = models.CharField(_("lives at"), max_length=200, blank=True)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    arrived_on = models.DateField(_("arrived on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = InflowQuerySet.as_manager()

    class Meta:
        ordering = ["-arrived_on", "-pk"]
        verbose_name = _("person living here registered elsewhere")
        verbose_name_plural = _("people living here registered elsewhere")
        indexes = [models.Index(fields=["village", "left_on"], name="inflow_current")]

    def __str__(self) -> str:
        return mask(self.name, "name")
