"""The moral-points bank (道德积分, DESIGN §1.4): a village's rule catalogue, the points
ledger of its households, honours, and the co-op's goods and redemptions.

The ledger is append-only: a booked entry is never rewritten or deleted; a wrong one is
revoked by an equal and opposite entry (who, when, why). An entry counts once a second
cadre has approved it. A household's balance (PointAccount) is the sum of its approved
entries less what it redeemed and used as discounts at the co-op, always; each takes its
points in one conditional UPDATE, so two clerks at once cannot overdraw it
(points.services).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from households.models import Household, Resident
from points.roles import COOP_READERS, POINTS_READERS
from villages.models import Region
from villages.scoping import ScopedQuerySet


class Category(models.TextChoices):
    GOOD_DEEDS = "good_deeds", _("Good deeds (好人好事)")
    VOLUNTEERING = "volunteering", _("Volunteering (志愿服务)")
    PUBLIC_VIRTUE = "public_virtue", _("Public virtue (公德美德)")
    FILIAL = "filial", _("Filial piety and family care (孝老爱亲)")
    ENVIRONMENT = "environment", _("Living environment (人居环境)")
    DEDUCTION = "deduction", _("Deductions (扣分)")


class RuleQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = POINTS_READERS


class PointRule(models.Model):
    """One line of a village's catalogue: what earns (or costs) how many points."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("points category"), max_length=16, choices=Category.choices)
    name = models.CharField(_("rule"), max_length=80)
    # the points an entry of this rule gives: positive, a deduction's taken off
    points = models.PositiveSmallIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    active = models.BooleanField(_("in use"), default=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="point_rule_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def signed_points(self) -> int:
        return -self.points if self.category == Category.DEDUCTION else self.points


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REVOKED = "revoked", _("Revoked")


class EntryQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = POINTS_READERS


class PointEntry(models.Model):
    """Points given to (or taken from) a household, for one of its members or the whole
    family: when, where and what, by the rule. Counted once approved."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="point_entries",
    )
    rule = models.ForeignKey(
        PointRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.SmallIntegerField(_("points"))  # signed, as the rule gave it
    occurred_on = models.DateField(_("date"))
    place = models.CharField(_("where"), max_length=80)
    description = models.CharField(_("what"), max_length=200)
    # entries recorded together for one event (bulk entry) share it
    event = models.CharField(_("event"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)
    # A booked entry is never rewritten: it is revoked by an equal and opposite entry that
    # points at it (approved, like any entry, by a cadre other than its maker).
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("revokes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [
            # a household's entries, newest first (its public page, its staff panel)
            models.Index(fields=["household", "status", "-occurred_on"], name="entry_household"),
        ]
        constraints = [
            # one revocation of an entry stands (pending or approved); a refused one does
            # not stop another
            models.UniqueConstraint(
                fields=["reverses"],
                condition=~models.Q(status="revoked"),
                name="entry_one_standing_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.points:+d} {self.description}"


class PointAccount(models.Model):
    """A household's points balance: the sum of its approved entries (revocations are
    entries of the opposite sign) less its redemptions. Written only by points.services,
    in the same transaction as the entry or redemption that moves it. A deduction can take
    it below zero (the household earns points back before it redeems); a redemption never
    does (it takes points only from a balance that holds them)."""

    household = models.OneToOneField(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        primary_key=True,
    )
    balance = models.IntegerField(_("balance"), default=0)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")

    def __str__(self) -> str:
        return f"{self.household_id}: {self.balance}"


class HonourKind(models.TextChoices):
    MODEL_FAMILY = "model_family", _("Moral model family (道德模范之家)")
    STAR_FAMILY = "star_family", _("Star civilised household (星级文明户)")


class HonourQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = POINTS_READERS


class Honour(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("honour"), max_length=16, choices=HonourKind.choices)
    stars = models.PositiveSmallIntegerField(
        _("stars"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    awarded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = HonourQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "year"], name="honour_once_a_year"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="star_family", stars__isnull=False)
                    | models.Q(~models.Q(kind="star_family"), stars__isnull=True)
                ),
                name="honour_stars_for_star_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()}"


class GoodQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = COOP_READERS


class Good(models.Model):
    """Something the village co-op gives for points."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("goods"), max_length=60)
    price = models.PositiveIntegerField(_("points each"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    objects = GoodQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("co-op goods")
        verbose_name_plural = _("co-op goods")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="good_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = COOP_READERS


class Redemption(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    good = models.ForeignKey(
        Good, verbose_name=_("goods"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    points = models.PositiveIntegerField(_("points"))
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("redeemed at"), auto_now_add=True)

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self) -> str:
        return f"{self.household_id} {self.good_id} ×{self.quantity}"


# --- The co-op's discounts and produce buying (issue 25, item 7) ------------------------------


class CoopTerms(models.Model):
    """How far points go at a village's co-op: a purchase's discount in points covers at
    most `discount_share` % of it, each point worth `yuan_per_point`. Set by the village's
    points keepers; a village without terms offers no discount."""

    village = models.OneToOneField(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    discount_share = models.PositiveSmallIntegerField(
        _("points cover at most (percent of a purchase)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    yuan_per_point = models.DecimalField(
        _("a point is worth (yuan)"),
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.01)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("co-op terms")
        verbose_name_plural = _("co-op terms")

    def __str__(self) -> str:
        return f"{self.village} {self.discount_share}%"


class DiscountQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = COOP_READERS


class Discount(models.Model):
    """A purchase at the co-op paid partly with points (积分抵扣): the ledger's third kind
    of movement, beside entries and redemptions; never rewritten."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("purchase (yuan)"), max_digits=10, decimal_places=2)
    points = models.PositiveIntegerField(_("points used"))
    discount = models.DecimalField(_("discount (yuan)"), max_digits=10, decimal_places=2)
    description = models.CharField(_("what was bought"), max_length=100, blank=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = DiscountQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("points discount")
        verbose_name_plural = _("points discounts")

    def __str__(self) -> str:
        return f"{self.household_id} −{self.points}"


class ProduceBuyQuerySet(ScopedQuerySet):
    scope_path = "listing__village__code"
    scope_roles = COOP_READERS


class ProduceBuy(models.Model):
    """The co-op bought a household's listed produce (to sell outside the village)."""

    listing = models.OneToOneField(
        "households.Listing", verbose_name=_("listing"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    price = models.DecimalField(_("price a unit (yuan)"), max_digits=10, decimal_places=2)
    bought_on = models.DateField(_("bought on"))
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ProduceBuyQuerySet.as_manager()

    class Meta:
        ordering = ["-bought_on", "-pk"]
        verbose_name = _("produce bought by the co-op")
        verbose_name_plural = _("produce bought by the co-op")

    def __str__(self) -> str:
        return f"{self.listing_id} {self.quantity}×{self.price}"

    @property
    def total(self):
        return (self.quantity * self.price).quantize(self.price)
