"""The one way into the points bank: every page, import and the demo call these.

- An entry is recorded by a village cadre and counts once a second cadre approves it.
  A pending one is revoked (refused) with a reason; an approved one is revoked by an
  equal and opposite entry, approved like any other: the ledger is append-only.
- A household's balance is the sum of its approved entries less its redemptions and its
  points discounts at the co-op, moved in the transaction of each approval, redemption
  and discount (decision 54). A deduction may take it below zero; a redemption or a
  discount takes its points in one conditional UPDATE (balance >= cost), so two clerks
  at once cannot take more than the household has (PostgreSQL re-reads the row the
  first one changed).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.caching import bump_after_commit, version
from common.masking import mask_id_numbers
from households import services as registry
from households.models import Household, Listing, Resident, ResidentStatus
from points import versions
from points.models import (
    CoopTerms,
    Discount,
    EntryStatus,
    Good,
    Honour,
    HonourKind,
    PointAccount,
    PointEntry,
    PointRule,
    ProduceBuy,
    Redemption,
)
from points.roles import COOP_CLERKS, POINTS_KEEPERS
from villages.models import Region
from villages.scoping import require_role_at


class PointsRefused(Exception):
    """The request cannot be carried out; str(exc) says why, in the user's language."""


def _codes_of(village_ids: list[int]) -> list[str]:
    return list(Region.objects.filter(pk__in=village_ids).values_list("code", flat=True))


def good_save(good: Good, *, user) -> Good:
    """Stock, price or take off the shelf a good of a village's co-op (its clerk's)."""
    require_role_at(user, COOP_CLERKS, good.village.code)
    good.full_clean()
    good.save()
    return good


def rule_save(rule: PointRule, *, user) -> PointRule:
    """Add or change a line of a village's points catalogue (its cadres' own)."""
    require_role_at(user, POINTS_KEEPERS, rule.village.code)
    rule.full_clean()
    rule.save()
    return rule


def public_key(village_id: int) -> str:
    """The cache key of the version of what the village's public pages show of its points
    (totals, entries, honours, the leaderboard): changed after every approval, revocation
    and honour in the village, once committed."""
    return f"points-public:{village_id}"


def public_version(village_id: int) -> str:
    return version(public_key(village_id))


def _public_changed(village_id: int) -> None:
    bump_after_commit(f"points-public:{village_id}")


def _move_balance(household_id: int, points: int) -> None:
    """Add (or take) an approved entry's points to the household's balance, all of them:
    a floor at zero here would make a later revocation of the deduction add points that
    were never taken."""
    PointAccount.objects.get_or_create(household_id=household_id)
    PointAccount.objects.filter(household_id=household_id).update(balance=F("balance") + points)
    versions.household_changed(household_id)  # an UPDATE sends no signal


def _check_entry(household: Household, rule: PointRule, resident: Resident | None) -> None:
    if rule.village_id != household.village_id:
        raise PointsRefused(_("This rule belongs to another village's catalogue."))
    if not rule.active:
        raise PointsRefused(_("This rule is no longer in use."))
    if resident is not None and resident.household_id != household.pk:
        raise PointsRefused(_("This person is not a member of the household."))


def entry_record(
    *,
    household: Household,
    rule: PointRule,
    occurred_on: datetime.date,
    place: str,
    description: str,
    user,
    resident: Resident | None = None,
    event: str = "",
) -> PointEntry:
    """Record an entry, awaiting a second cadre's approval."""
    require_role_at(user, POINTS_KEEPERS, household.village.code)
    _check_entry(household, rule, resident)
    if occurred_on > timezone.localdate():
        raise PointsRefused(_("The date is in the future."))
    return PointEntry.objects.create(
        household=household,
        resident=resident,
        rule=rule,
        points=rule.signed_points,
        occurred_on=occurred_on,
        place=mask_id_numbers(place.strip()),
        description=mask_id_numbers(description.strip()),  # free text: no full ID number
        event=event,
        recorded_by=user,
    )


@dataclass(frozen=True)  # pragma: no mutate (immutability: no caller changes one)
class BulkResult:
    entries: list[PointEntry]
    event: str


def entries_record_bulk(
    *,
    village_id: int,
    numbers: list[str],
    rule: PointRule,
    occurred_on: datetime.date,
    place: str,
    description: str,
    user,
) -> BulkResult:
    """One event, many households (typed by household number): all or nothing. Unknown
    numbers are named and nothing is recorded."""
    require_role_at(user, POINTS_KEEPERS, *_codes_of([village_id]))
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not wanted:
        raise PointsRefused(_("Type at least one household number."))
    found = {
        h.number: h for h in Household.objects.filter(village_id=village_id, number__in=wanted)
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise PointsRefused(
            _("No household with the number %(numbers)s in this village. Nothing was recorded.")
            % {"numbers": "、".join(missing[:20])}
        )
    event = secrets.token_hex(8)  # pragma: no mutate (an opaque id: its length is no behaviour)
    with transaction.atomic():
        entries = [
            entry_record(
                household=found[number],
                rule=rule,
                occurred_on=occurred_on,
                place=place,
                description=description,
                user=user,
                event=event,
            )
            for number in wanted
        ]
    return BulkResult(entries=entries, event=event)


def entry_approve(*, entry: PointEntry, user) -> PointEntry:
    """A second cadre approves: the entry counts and moves the balance."""
    require_role_at(user, POINTS_KEEPERS, entry.household.village.code)
    if entry.recorded_by_id == user.pk:
        raise PointsRefused(_("Another cadre approves what you recorded."))
    with transaction.atomic():
        versions.household_changed(entry.household_id)  # its UPDATEs send no signal
        done = PointEntry.objects.filter(pk=entry.pk, status=EntryStatus.PENDING).update(
            status=EntryStatus.APPROVED, approved_by=user, approved_at=timezone.now()
        )
        if not done:
            raise PointsRefused(_("This entry is no longer awaiting approval."))
        _move_balance(entry.household_id, entry.points)
        _public_changed(entry.household.village_id)
    entry.refresh_from_db()
    return entry


def entry_revoke(*, entry: PointEntry, user, reason: str) -> PointEntry:
    """Revoke an entry, with the reason. A pending one is refused (it never counted); an
    approved one gets its reversal: an entry of the opposite points that points at it,
    awaiting a second cadre's approval like any entry. Returns the entry that records the
    revocation (the refused entry, or the reversal)."""
    require_role_at(user, POINTS_KEEPERS, entry.household.village.code)
    reason = mask_id_numbers(reason.strip())[:200]
    if not reason:
        raise PointsRefused(_("Say why the entry is revoked."))
    with transaction.atomic():
        entry = PointEntry.objects.select_for_update().get(pk=entry.pk)
        standing = entry.reversals.exclude(status=EntryStatus.REVOKED).exists()
        if entry.status == EntryStatus.REVOKED or standing:
            raise PointsRefused(_("This entry is already revoked."))
        if entry.reverses_id is not None and entry.status == EntryStatus.APPROVED:
            raise PointsRefused(
                _("A revocation stands once approved; if the entry was right, record it again.")
            )
        versions.household_changed(entry.household_id)  # its UPDATEs send no signal
        if entry.status == EntryStatus.PENDING:
            PointEntry.objects.filter(pk=entry.pk).update(
                status=EntryStatus.REVOKED,
                revoked_by=user,
                revoked_at=timezone.now(),
                revoke_reason=reason,
            )
            entry.refresh_from_db()
            return entry
        return PointEntry.objects.create(
            household_id=entry.household_id,
            resident_id=entry.resident_id,
            rule_id=entry.rule_id,
            points=-entry.points,
            occurred_on=entry.occurred_on,  # it takes back the points of that day
            place=entry.place,
            description=(_("Revoked: %(reason)s") % {"reason": reason})[:200],
            recorded_by=user,
            revoke_reason=reason,
            reverses=entry,
        )


def honour_award(
    *, household: Household, kind: str, year: int, user, stars: int | None = None
) -> Honour:
    require_role_at(user, POINTS_KEEPERS, household.village.code)
    if kind == HonourKind.STAR_FAMILY and not (stars and 1 <= stars <= 5):
        raise PointsRefused(_("A star civilised household has 1 to 5 stars."))
    if kind != HonourKind.STAR_FAMILY:
        stars = None
    honour, created = Honour.objects.get_or_create(
        household=household, kind=kind, year=year, defaults={"stars": stars, "awarded_by": user}
    )
    if not created:
        raise PointsRefused(
            _("The household already has this honour for %(year)s.") % {"year": year}
        )
    _public_changed(household.village_id)
    return honour


def balance_of(household_id: int) -> int:
    return (
        PointAccount.objects.filter(household_id=household_id)
        .values_list("balance", flat=True)
        .first()
        or 0
    )


def redeem(*, household: Household, good: Good, quantity: int, clerk) -> Redemption:
    """Points for co-op goods: all or nothing, never below a zero balance or stock."""
    require_role_at(clerk, COOP_CLERKS, household.village.code)
    if good.village_id != household.village_id:
        raise PointsRefused(_("These goods belong to another village's co-op."))
    if quantity < 1:
        raise PointsRefused(_("Redeem at least one."))
    cost = good.price * quantity
    with transaction.atomic():
        versions.household_changed(household.pk)  # the balance's UPDATE sends no signal
        took = PointAccount.objects.filter(household=household, balance__gte=cost).update(
            balance=F("balance") - cost
        )
        if not took:
            raise PointsRefused(
                _("Not enough points: the household has %(balance)d, this costs %(cost)d.")
                % {"balance": balance_of(household.pk), "cost": cost}
            )
        stocked = Good.objects.filter(pk=good.pk, active=True, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if not stocked:
            raise PointsRefused(_("Not enough of these goods in stock."))
        return Redemption.objects.create(
            household=household, good=good, quantity=quantity, points=cost, clerk=clerk
        )


def discount_max(household: Household, amount: Decimal) -> int:
    """The most points a purchase of `amount` yuan may use at the village's co-op (its
    terms' share of the amount, in whole points; 0 without terms)."""
    terms = CoopTerms.objects.filter(village_id=household.village_id).first()
    if terms is None or amount <= 0:
        return 0
    cover = amount * terms.discount_share / 100
    return int((cover / terms.yuan_per_point).to_integral_value(rounding=ROUND_FLOOR))


def discount(
    *, household: Household, amount: Decimal, points: int, clerk, description: str = ""
) -> Discount:
    """A purchase paid partly with points: at most the terms' share of it, never more than
    the household has (one conditional UPDATE, as a redemption: two clerks at once cannot
    overdraw it)."""
    require_role_at(clerk, COOP_CLERKS, household.village.code)
    terms = CoopTerms.objects.filter(village_id=household.village_id).first()
    if terms is None:
        raise PointsRefused(_("The village has not set how far points go at its co-op."))
    if amount <= 0:
        raise PointsRefused(_("Enter the purchase's amount."))
    if points < 1:
        raise PointsRefused(_("Use at least one point."))
    most = discount_max(household, amount)
    if points > most:
        raise PointsRefused(
            _("Points cover at most %(share)d %% of a purchase: %(most)d points for this one.")
            % {"share": terms.discount_share, "most": most}
        )
    with transaction.atomic():
        versions.household_changed(household.pk)  # the balance's UPDATE sends no signal
        took = PointAccount.objects.filter(household=household, balance__gte=points).update(
            balance=F("balance") - points
        )
        if not took:
            raise PointsRefused(
                _("Not enough points: the household has %(balance)d, this uses %(cost)d.")
                % {"balance": balance_of(household.pk), "cost": points}
            )
        done = Discount.objects.create(
            household=household,
            amount=amount,
            points=points,
            discount=(points * terms.yuan_per_point).quantize(Decimal("0.01")),
            description=mask_id_numbers(description.strip())[:100],
            clerk=clerk,
        )
    _public_changed(household.village_id)
    return done


def terms_save(terms: CoopTerms, *, user) -> CoopTerms:
    require_role_at(user, POINTS_KEEPERS, terms.village.code)
    terms.full_clean()
    terms.save()
    return terms


def produce_buy(
    *, listing: Listing, quantity: Decimal, price: Decimal, clerk, bought_on=None
) -> ProduceBuy:
    """The co-op buys a household's listed produce: the purchase is recorded against the
    listing, the listing closes, and the family reads it on its page."""
    require_role_at(clerk, COOP_CLERKS, listing.village.code)
    if quantity <= 0 or price < 0:
        raise PointsRefused(_("Enter the quantity and the price."))
    if listing.quantity is not None and quantity > listing.quantity:
        raise PointsRefused(
            _("The listing offers %(quantity)s: the co-op cannot buy more.")
            % {"quantity": f"{listing.quantity.normalize():f}{listing.unit}"}
        )
    bought_on = bought_on or timezone.localdate()
    # the family reads it on its door page, in the portal's language, whoever the clerk
    with translation.override(settings.LANGUAGE_CODE):
        unit = listing.unit or _("unit")
        note = _("bought by the village co-op: %(quantity)s%(unit)s at ¥%(price)s a %(unit)s") % {
            "quantity": f"{quantity.normalize():f}",
            "unit": unit,
            "price": f"{price.normalize():f}",
        }
    with transaction.atomic():
        try:
            registry.listing_sold(listing, note=note)
        except ValidationError as exc:
            raise PointsRefused(" ".join(exc.messages)) from None
        return ProduceBuy.objects.create(
            listing=listing, quantity=quantity, price=price, bought_on=bought_on, clerk=clerk
        )


def living_members(household_id: int) -> list[Resident]:
    return list(
        Resident.objects.filter(household_id=household_id, status=ResidentStatus.LIVING)
        .only("pk", "name", "relation")
        .order_by("pk")
    )
