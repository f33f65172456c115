"""Writes to the registry. Each runs in a transaction and validates before it saves.

History rows come from django-simple-history in the same transaction; the acting user is
passed explicitly (`_history_user`) so commands and imports are attributed too.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.bulk import insert_with_history
from common.caching import bump_after_commit, version
from common.crypto import keyed_hash
from common.images import clean_photo
from common.masking import has_id_number, has_mobile_number, mask_id_numbers
from households.idnumbers import IdCheck, encrypt, id_hash, validate_id_number
from households.masking import mask
from households.models import (
    IDENTITY_DOCUMENTS,
    STATUS_AFTER_EVENT,
    AccessEvent,
    AccessKind,
    DisabilityGrade,
    Document,
    Health,
    Household,
    Inflow,
    LifeEvent,
    LifeEventKind,
    Listing,
    ListingKind,
    ListingStatus,
    LivingEnvironment,
    Political,
    PovertyStatus,
    Presence,
    PublicInfo,
    Resident,
    ResidentStatus,
    RetiredCode,
    VillageStats,
    new_public_token,
    product_key,
)
from households.phones import clean_phone
from households.roles import (
    PRESENCE_KEEPERS,
    PRODUCE_MODERATORS,
    REGISTRY_KEEPERS,
    REGISTRY_READERS,
)
from villages.models import Region, Role
from villages.notifications import Kind, notify, users_over
from villages.registry import portal
from villages.scoping import may_see_identity, may_see_identity_everywhere, require_role_at


class _Keep:
    """The default of an update's parameters: keep what the record has."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def _save(obj, user, *, reason: str = "") -> None:
    obj.full_clean()
    obj._history_user = user
    if reason:
        obj._change_reason = reason
    obj.save()
    # the home page's figures of the village no longer hold (households.stats)
    stats_mark_stale([obj.village_id if isinstance(obj, Household) else obj.household.village_id])


def _village_codes(village_ids: Iterable[int]) -> list[str]:
    return list(Region.objects.filter(pk__in=list(village_ids)).values_list("code", flat=True))


def stats_mark_stale(village_ids: Iterable[int | None]) -> None:
    """The home page's figures of these villages no longer hold (households.stats): every
    registry write calls this in its transaction."""
    ids = {pk for pk in village_ids if pk is not None}
    if ids:
        VillageStats.objects.filter(village_id__in=ids, stale=False).update(stale=True)


def _apply(obj, changes: dict[str, Any]) -> bool:
    """Set the changes that differ from the record; True when any did."""
    changed = False
    for name, value in changes.items():
        if value is not KEEP and getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


# --- Households ---------------------------------------------------------------------------


@dataclass(kw_only=True)
class NewHousehold:
    """One household to register. The monitored-household mirror is not here: only
    monitoring's service sets it (monitoring_mirror_set)."""

    village: Region
    number: str
    group: Region | None = None
    address: str = ""
    poverty_status: str = PovertyStatus.NONE
    is_dibao: bool = False
    is_tekun: bool = False
    land_area_mu: Decimal | None = None
    living_environment: str = LivingEnvironment.UNRATED
    motto: str = ""
    notes: str = ""


def _household_of(item: NewHousehold) -> Household:
    fields = {f.name: getattr(item, f.name) for f in dataclass_fields(item)}
    fields["number"] = item.number.strip()
    return Household(**fields)


def household_create(
    *,
    user,
    village: Region,
    number: str,
    group: Region | None = None,
    address: str = "",
    poverty_status: str = PovertyStatus.NONE,
    is_dibao: bool = False,
    is_tekun: bool = False,
    land_area_mu: Decimal | None = None,
    living_environment: str = LivingEnvironment.UNRATED,
    motto: str = "",
    notes: str = "",
) -> Household:
    """Register a household (its number unique in its village)."""
    household = _household_of(
        NewHousehold(
            village=village,
            number=number,
            group=group,
            address=address,
            poverty_status=poverty_status,
            is_dibao=is_dibao,
            is_tekun=is_tekun,
            land_area_mu=land_area_mu,
            living_environment=living_environment,
            motto=motto,
            notes=notes,
        )
    )
    require_role_at(user, REGISTRY_KEEPERS, village.code)
    with transaction.atomic():
        _save(household, user)
    return household


def household_build(item: NewHousehold) -> Household:
    """The unsaved household, its fields checked as household_create checks them (the
    village and group are saved records; the database enforces the number's uniqueness)."""
    household = _household_of(item)
    household.full_clean(
        exclude=["village", "group"], validate_unique=False, validate_constraints=False
    )
    return household


def households_insert(*, user, households: list[Household], reason: str) -> list[Household]:
    """Insert built households (household_build) at once, with their history rows."""
    keys = [(h.village_id, h.number) for h in households]
    require_role_at(user, REGISTRY_KEEPERS, *_village_codes({h.village_id for h in households}))
    if len(set(keys)) != len(keys):
        raise ValidationError(_("A household number appears twice in one village."))
    with transaction.atomic():
        try:
            saved = insert_with_history(households, Household, user=user, reason=reason)
        except IntegrityError as exc:
            raise ValidationError(_("A household number is already used in its village.")) from exc
        stats_mark_stale({h.village_id for h in saved})
        return saved


def households_create_many(*, user, households: list[NewHousehold], reason: str) -> list[Household]:
    """Register many households at once (the demo, the import) with the same validation
    as household_create; numbers unique in their village, within the batch and against
    the registry. All or nothing."""
    built = [household_build(item) for item in households]
    return households_insert(user=user, households=built, reason=reason)


def household_update(
    *,
    household: Household,
    user,
    number: str = KEEP,
    group: Region | None = KEEP,
    address: str = KEEP,
    poverty_status: str = KEEP,
    is_dibao: bool = KEEP,
    is_tekun: bool = KEEP,
    land_area_mu: Decimal | None = KEEP,
    living_environment: str = KEEP,
    motto: str = KEEP,
    notes: str = KEEP,
) -> bool:
    """Change a household's registry fields (a household stays in its village). Saves, and
    writes a history row, only when something changed; says whether it did."""
    require_role_at(user, REGISTRY_KEEPERS, household.village.code)
    changed = _apply(
        household,
        {
            "number": number.strip() if isinstance(number, str) else number,
            "group": group,
            "address": address,
            "poverty_status": poverty_status,
            "is_dibao": is_dibao,
            "is_tekun": is_tekun,
            "land_area_mu": land_area_mu,
            "living_environment": living_environment,
            "motto": motto,
            "notes": notes,
        },
    )
    if changed:
        with transaction.atomic():
            _save(household, user)
    return changed


def household_rotate_code(*, household: Household, user) -> str:
    """Give the household a new public code (a lost or copied plaque): the old plaque's
    page stops opening at once. Recorded in the household's history."""
    require_role_at(user, REGISTRY_KEEPERS, household.village.code)
    old = household.public_token
    household.public_token = new_public_token()
    with transaction.atomic():
        _save(household, user, reason="public code rotated")
        RetiredCode.objects.get_or_create(code_hash=keyed_hash(old), household=household)
    return household.public_token


def public_info_save(*, region: Region, user, **fields) -> PublicInfo:
    """Publish what the public pages say of a village or villager group (its change time
    renews the kept public pages of its households; a village's also its market's page,
    which shows the committee's phone)."""
    require_role_at(user, REGISTRY_KEEPERS, region.code)
    info = PublicInfo.objects.filter(region=region).first() or PublicInfo(region=region)
    for name, value in fields.items():
        setattr(info, name, value.strip() if isinstance(value, str) else value)
    info.full_clean()
    info.save()
    bump_after_commit(f"market-public:{region.pk}")
    return info


def monitoring_mirror_set(*, household: Household, category: str, user, reason: str) -> None:
    """Mirror monitoring's enrolment on the household (DESIGN §2: monitoring's enrolment
    records own "monitored household"). Called by monitoring's service only, in the
    transaction that changes the enrolment; "" when the household leaves monitoring."""
    if household.monitoring_category == category:
        return
    household.monitoring_category = category
    with transaction.atomic():
        _save(household, user, reason=reason)


# --- Residents ----------------------------------------------------------------------------


class DuplicateResident(ValidationError):
    """One person is one resident: the ID number is registered already. Carries the
    existing record; the caller decides whether the user may be told where it is."""

    def __init__(self, existing: Resident | None):
        super().__init__({"id_number": [ValidationError(DUPLICATE_MESSAGE, code="duplicate")]})
        self.existing = existing


DUPLICATE_MESSAGE = gettext_lazy(
    "This person is already registered (one person is one resident). "
    "Move the existing record instead of registering again."
)


def registered_residents(hashes: list[str]) -> dict[str, Resident]:
    """The duplicate rule: which of these ID hashes belong to a registered resident (one
    person is one resident, whatever their status). Forms, the import and the demo all
    ask here, directly or through resident_register."""
    # The hashes' index alone first, then the few found with their household and village:
    # joined at once, PostgreSQL planned a hash join over every household for each 5,000
    # hashes (70 ms; 25 alone), and an import of new people finds none (issue 26).
    ids: list[int] = []
    for start in range(0, len(hashes), 5000):  # bounded parameter lists (SQLite, PostgreSQL)
        chunk = hashes[start : start + 5000]
        ids += Resident.objects.filter(id_hash__in=chunk).order_by().values_list("pk", flat=True)
    found: dict[str, Resident] = {}
    for start in range(0, len(ids), 5000):
        qs = Resident.objects.filter(pk__in=ids[start : start + 5000]).order_by()
        found |= {r.id_hash: r for r in qs.select_related("household__village")}
    return found


def resident_by_id_number(number: str) -> Resident | None:
    """The resident registered under this (validated) ID number, if any."""
    key = id_hash(number)
    return registered_residents([key]).get(key)


@dataclass(kw_only=True)
class NewResident:
    """One person to register: their household, ID number, phone and registry fields."""

    household: Household
    id_number: str
    name: str
    relation: str
    labour_ability: str
    employment: str
    phone: str = ""
    ethnicity: str = "汉族"
    education: str = ""
    health: str = Health.HEALTHY
    disability_grade: int = DisabilityGrade.NONE
    disability_kind: str = ""
    work_place: str = ""
    political_status: str = Political.MASSES
    skills: str = ""
    religion: str = ""
    is_floating: bool = False
    notes: str = ""
    status: str = ResidentStatus.LIVING
    # 现住 (issue 25): here, or away for work, study or elsewhere
    presence: str = Presence.HERE
    away_reason: str = ""
    away_place: str = ""
    presence_since: datetime.date | None = None
    # the number's check when the caller made it already (the import checks each row's
    # number as it parses it; a second check was a tenth of its time, issue 26)
    id_check: IdCheck | None = None


def _apply_identity(resident: Resident, check: IdCheck) -> None:
    resident.id_hash = id_hash(check.number)
    resident.set_identity_secrets(id_number=check.number)
    # Sex and birth date are read off the validated number so they never disagree with it.
    resident.birth_date = check.birth_date
    resident.sex = check.sex


def _resident_of(item: NewResident) -> Resident:
    """The unsaved resident, its ID number validated and its identity fields applied."""
    check = item.id_check
    if check is None or check.number != item.id_number:
        check = validate_id_number(item.id_number)
    fields = {f.name: getattr(item, f.name) for f in dataclass_fields(item)}
    fields.pop("id_number")
    fields.pop("id_check")
    phone = fields.pop("phone")
    resident = Resident(**fields)
    _apply_identity(resident, check)
    resident.set_identity_secrets(phone=phone)
    return resident


def _save_resident(resident: Resident, user) -> None:
    try:
        with transaction.atomic():
            _save(resident, user)
    except IntegrityError as exc:  # two clerks registering the same person at once
        raise DuplicateResident(None) from exc


def resident_register(
    *,
    household: Household,
    user,
    id_number: str,
    name: str,
    relation: str,
    labour_ability: str,
    employment: str,
    phone: str = "",
    ethnicity: str = "汉族",
    education: str = "",
    health: str = Health.HEALTHY,
    disability_grade: int = DisabilityGrade.NONE,
    disability_kind: str = "",
    work_place: str = "",
    political_status: str = Political.MASSES,
    skills: str = "",
    religion: str = "",
    is_floating: bool = False,
    notes: str = "",
) -> Resident:
    """Register one person. DuplicateResident when the ID number is registered already."""
    require_role_at(user, REGISTRY_KEEPERS, household.village.code)
    resident = _resident_of(
        NewResident(
            household=household,
            id_number=id_number,
            phone=phone,
            name=name,
            relation=relation,
            labour_ability=labour_ability,
            employment=employment,
            ethnicity=ethnicity,
            education=education,
            health=health,
            disability_grade=disability_grade,
            disability_kind=disability_kind,
            work_place=work_place,
            political_status=political_status,
            skills=skills,
            religion=religion,
            is_floating=is_floating,
            notes=notes,
        )
    )
    existing = registered_residents([resident.id_hash]).get(resident.id_hash)
    if existing is not None:
        raise DuplicateResident(existing)
    _save_resident(resident, user)
    return resident


def resident_build(item: NewResident) -> Resident:
    """The unsaved resident with the checks of resident_register except the duplicate rule
    (residents_insert applies it to a whole batch): a valid ID number, the identity fields
    read off it, field validation."""
    resident = _resident_of(item)
    # what _resident_of wrote itself from the validated number is not checked again
    resident.full_clean(exclude=DERIVED_FIELDS, validate_unique=False, validate_constraints=False)
    return resident


#: a resident's fields made from the validated ID number and phone (and the household,
#: set by the caller): resident_build's field validation leaves them out
DERIVED_FIELDS = [
    "household",
    "id_hash",
    "id_cipher",
    "id_masked",
    "phone_cipher",
    "phone_masked",
    "sex",
    "birth_date",
]


def residents_insert(*, user, residents: list[Resident], reason: str) -> list[Resident]:
    """Insert built residents (resident_build) at once with their history rows, after the
    duplicate rule (against the registry and within the batch). All or nothing."""
    villages = {r.household.village_id for r in residents}
    require_role_at(user, REGISTRY_KEEPERS, *_village_codes(villages))
    hashes = [r.id_hash for r in residents]
    if len(set(hashes)) != len(hashes):
        raise DuplicateResident(None)
    existing = registered_residents(hashes)
    if existing:
        raise DuplicateResident(next(iter(existing.values())))
    with transaction.atomic():
        try:
            saved = insert_with_history(residents, Resident, user=user, reason=reason)
        except IntegrityError as exc:  # registered meanwhile by someone else
            raise DuplicateResident(None) from exc
        stats_mark_stale({r.household.village_id for r in saved})
        return saved


def residents_register_many(*, user, residents: list[NewResident], reason: str) -> list[Resident]:
    """Register many people at once (the demo, the import), with the same rules as
    resident_register: validated numbers, identity fields from the number, the duplicate
    rule, field validation. All or nothing; the rows stream to the database with COPY."""
    built = [resident_build(item) for item in residents]
    return residents_insert(user=user, residents=built, reason=reason)


def resident_update(
    *,
    resident: Resident,
    user,
    id_number: str = KEEP,
    phone: str = KEEP,
    name: str = KEEP,
    relation: str = KEEP,
    labour_ability: str = KEEP,
    employment: str = KEEP,
    ethnicity: str = KEEP,
    education: str = KEEP,
    health: str = KEEP,
    disability_grade: int = KEEP,
    disability_kind: str = KEEP,
    work_place: str = KEEP,
    political_status: str = KEEP,
    skills: str = KEEP,
    religion: str = KEEP,
    is_floating: bool = KEEP,
    notes: str = KEEP,
) -> bool:
    """Change a resident's registry fields. KEEP (the default) keeps a field; an empty
    id_number keeps the stored number too. Saves only when something changed."""
    require_role_at(user, REGISTRY_KEEPERS, resident.household.village.code)
    changed = _apply(
        resident,
        {
            "name": name,
            "relation": relation,
            "labour_ability": labour_ability,
            "employment": employment,
            "ethnicity": ethnicity,
            "education": education,
            "health": health,
            "disability_grade": disability_grade,
            "disability_kind": disability_kind,
            "work_place": work_place,
            "political_status": political_status,
            "skills": skills,
            "religion": religion,
            "is_floating": is_floating,
            "notes": notes,
        },
    )
    if id_number is not KEEP and id_number:
        check = validate_id_number(id_number)
        if id_hash(check.number) != resident.id_hash:
            existing = registered_residents([id_hash(check.number)])
            if existing:
                raise DuplicateResident(next(iter(existing.values())))
            _apply_identity(resident, check)
            changed = True
    if phone is not KEEP and phone != resident.phone():
        resident.set_identity_secrets(phone=phone)
        changed = True
    if changed:
        _save_resident(resident, user)
    return changed


def resident_move(*, resident: Resident, to_household: Household, user) -> Resident:
    """Move a person to another household: the same record moves, nothing is copied."""
    require_role_at(
        user, REGISTRY_KEEPERS, resident.household.village.code, to_household.village.code
    )
    if resident.household_id == to_household.pk:
        raise ValidationError(_("The resident already belongs to this household."))
    with transaction.atomic():
        stats_mark_stale([resident.household.village_id])
        resident.household = to_household
        resident.status = ResidentStatus.LIVING
        _save(resident, user)
    return resident


def life_event_record(
    *, resident: Resident, user, kind: str, date, note: str = "", reason: str = ""
) -> LifeEvent:
    """Record a life event and the status it leaves the resident in (STATUS_AFTER_EVENT:
    the one place that rule is applied)."""
    require_role_at(user, REGISTRY_KEEPERS, resident.household.village.code)
    with transaction.atomic():
        event = LifeEvent(resident=resident, kind=kind, date=date, note=note, recorded_by=user)
        event.full_clean()
        event.save()
        stats_mark_stale([resident.household.village_id])  # the household page lists it
        status = STATUS_AFTER_EVENT.get(LifeEventKind(kind))
        if status and resident.status != status:
            resident.status = status
            _save(resident, user, reason=reason or str(event.get_kind_display()))
    return event


def access_record(
    *,
    user,
    kind: AccessKind | str,
    region: Region | None,
    reason: str = "",
    resident: Resident | None = None,
    detail: str = "",
) -> AccessEvent:
    """Record a look at residents' data. A full number or a document leaves the portal
    only under the reveal rule (DESIGN §5): the user may see identities where it lies
    (everywhere they read the registry, for an export of several regions)."""
    if kind in REVEALS and user is not None:
        allowed = (
            may_see_identity(user, region.code)
            if region is not None
            else may_see_identity_everywhere(user, REGISTRY_READERS)
        )
        if not allowed:
            raise PermissionDenied
    with transaction.atomic():
        event = AccessEvent(
            user=user, kind=kind, region=region, resident=resident, reason=reason, detail=detail
        )
        event.full_clean()
        event.save()
    return event


MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: the looks that let a full number out, under the reveal rule (a document: an identity
#: document only, which document_open checks)
REVEALS = {AccessKind.VIEW_ID, AccessKind.VIEW_PHONE, AccessKind.EXPORT_FULL}


def document_upload(
    *, household: Household, user, kind: str, upload, resident: Resident | None = None
) -> Document:
    require_role_at(user, REGISTRY_KEEPERS, household.village.code)
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."))
    data = clean_photo(upload.read())
    with transaction.atomic():
        document = Document(household=household, resident=resident, kind=kind, uploaded_by=user)
        document.file.save("photo.jpg", ContentFile(data), save=False)
        document.full_clean()
        document.save()
        stats_mark_stale([household.village_id])  # the household page lists it
    return document


def document_open(document: Document, *, user, reason: str = "") -> bytes:
    """A stored photo's bytes, recorded. ID cards and hukou pages show the full ID number,
    so they follow the reveal rule (the right at the household's village and a reason);
    other documents open for whoever sees the household (the caller's scope)."""
    village = document.household.village
    if document.kind in IDENTITY_DOCUMENTS:
        if user is not None and not may_see_identity(user, village.code):
            raise PermissionDenied
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for opening it.")})
    # a re-encoded photo of at most 8 MB: read whole, so no file stays open
    with document.file.open("rb") as handle:
        photo = handle.read()
    access_record(
        user=user,
        kind=AccessKind.VIEW_DOCUMENT,
        region=village,
        resident=document.resident,
        reason=reason.strip(),
        detail=f"{document.get_kind_display()} · {document.household.number}",
    )
    return photo


# --- The produce market (我家有农货) -------------------------------------------------------

NO_PHONE_IN_LISTING = gettext_lazy(
    "Do not write a phone number: buyers reach you through the village committee."
)
#: days a listing shows once approved (then it expires; the household posts it again)
LISTING_DAYS = 30


def market_key(village_id: int) -> str:
    """The cache key of the version of what public pages show of a village's listings."""
    return f"market-public:{village_id}"


def market_version(village_id: int) -> str:
    return version(market_key(village_id))


def listing_post(
    *,
    household: Household,
    kind: str,
    product: str,
    quantity: Decimal | None = None,
    unit: str = "",
    price: Decimal | None = None,
    note: str = "",
    phone: str = "",
) -> Listing:
    """A listing from a household's public page: waits for a cadre's approval. Its close
    code is shown once to the poster, who closes it with that. A mobile number, if the
    poster leaves one, is kept encrypted to text them when it is refused or bought."""
    phone = clean_phone(phone)
    if phone and not phone.startswith("1"):
        raise ValidationError({"phone": _("Text messages go to a mobile number.")})
    listing = Listing(
        household=household,
        village_id=household.village_id,
        kind=kind,
        product=mask_id_numbers(product.strip()),
        quantity=quantity,
        unit=mask_id_numbers(unit.strip()),
        price=price,
        note=mask_id_numbers(note.strip()),
        expires_on=timezone.localdate() + datetime.timedelta(days=LISTING_DAYS),
        close_code=secrets.token_urlsafe(16),
    )
    if phone:
        listing.phone_cipher = encrypt(phone)
        listing.phone_masked = mask(phone, "phone")
    listing.product_key = product_key(listing.product)
    if has_mobile_number(f"{product} {unit} {note}"):
        # the public pages show no resident's phone (DESIGN §5): buyers ask the village
        raise ValidationError({"note": NO_PHONE_IN_LISTING})
    if not listing.product_key:
        raise ValidationError({"product": _("Say what the product is.")})
    listing.full_clean()
    with transaction.atomic():
        listing.save()
        # the village's cadres approve it before the market shows it
        village = Region.objects.only("code").get(pk=listing.village_id)
        notify(
            users_over(village.code, {Role.VILLAGE_CADRE}),
            kind=Kind.PRODUCE,
            title=_("A produce listing waits for approval: %(product)s")
            % {"product": listing.product},
            link=reverse("households:market_queue"),
        )
    return listing


def _listing_moved(listing: Listing, expected: list[str], **changes) -> Listing:
    done = Listing.objects.filter(pk=listing.pk, status__in=expected).update(**changes)
    if not done:
        raise ValidationError(_("The listing has changed meanwhile."))
    listing.refresh_from_db()
    bump_after_commit(f"market-public:{listing.village_id}")
    return listing


def listing_approve(listing: Listing, *, user) -> Listing:
    """Published from today for LISTING_DAYS days."""
    require_role_at(user, PRODUCE_MODERATORS, listing.village.code)
    return _listing_moved(
        listing,
        [ListingStatus.PENDING],
        status=ListingStatus.PUBLISHED,
        moderated_by=user,
        moderated_at=timezone.now(),
        expires_on=timezone.localdate() + datetime.timedelta(days=LISTING_DAYS),
    )


#: announced when a cadre refuses a listing, and when another app's purchase closes it
#: (notices texts the poster who left a phone)
LISTING_REFUSED = "households.listing_refused"
LISTING_SOLD = "households.listing_sold"


def listing_refuse(listing: Listing, *, user, reason: str) -> Listing:
    require_role_at(user, PRODUCE_MODERATORS, listing.village.code)
    reason = mask_id_numbers(reason.strip())
    if not reason:
        raise ValidationError({"refusal": _("Say why the listing is refused.")})
    with transaction.atomic():
        listing = _listing_moved(
            listing,
            [ListingStatus.PENDING],
            status=ListingStatus.REFUSED,
            moderated_by=user,
            moderated_at=timezone.now(),
            refusal=reason[:200],
        )
        portal.announce(LISTING_REFUSED, listing=listing)
    return listing


def listing_sold(listing: Listing, *, note: str) -> Listing:
    """A published sale closed by a purchase another app recorded (the co-op's, which
    checked its clerk): the note tells the family on its page how it closed."""
    if listing.kind != ListingKind.SELL:
        raise ValidationError(_("Only a listing that sells something can be bought."))
    with transaction.atomic():
        listing = _listing_moved(
            listing,
            [ListingStatus.PUBLISHED],
            status=ListingStatus.CLOSED,
            closed_at=timezone.now(),
            closed_note=mask_id_numbers(note)[:200],
        )
        portal.announce(LISTING_SOLD, listing=listing)
    return listing


def listing_close(listing: Listing, *, user=None, code: str = "") -> Listing:
    """Closed by the poster, with the close code (`code`; no account), or by a cadre who
    moderates the village's market (`user`): sold, bought, withdrawn."""
    if not (code and secrets.compare_digest(code, listing.close_code)):
        if user is None:
            raise PermissionDenied
        require_role_at(user, PRODUCE_MODERATORS, listing.village.code)
    return _listing_moved(
        listing,
        [ListingStatus.PENDING, ListingStatus.PUBLISHED],
        status=ListingStatus.CLOSED,
        closed_at=timezone.now(),
    )


# --- Who lives here (现住) and who came to live here (流入) ------------------------------------


def presence_set(
    *,
    resident: Resident,
    user,
    presence: str,
    away_reason: str = "",
    away_place: str = "",
    since: datetime.date | None = None,
) -> bool:
    """Record whether a registered resident actually lives in the village; when away,
    for what (work, study, elsewhere), where, and since when. A cadre or a grid worker of
    the village records it (they see it on their visits); a history row keeps each
    change. Says whether anything changed."""
    require_role_at(user, PRESENCE_KEEPERS, resident.household.village.code)
    if resident.status != ResidentStatus.LIVING:
        raise ValidationError(_("Only a registered resident lives here or is away."))
    away_place = mask_id_numbers(away_place.strip())
    if presence == Presence.AWAY:
        if not away_reason:
            raise ValidationError({"away_reason": _("Say what the resident is away for.")})
    else:
        away_reason, away_place = "", ""
    if since is not None and since > timezone.localdate():
        raise ValidationError({"since": _("The date is in the future.")})
    changed = _apply(
        resident,
        {
            "presence": presence,
            "away_reason": away_reason,
            "away_place": away_place,
            "presence_since": since,
        },
    )
    if changed:
        _save_resident(resident, user)
    return changed


def inflow_add(
    *,
    user,
    village: Region,
    name: str,
    sex: str,
    from_place: str,
    reason: str,
    arrived_on: datetime.date,
    household: Household | None = None,
    birth_year: int | None = None,
    address: str = "",
    phone: str = "",
) -> Inflow:
    """A person who came to live in the village registered elsewhere: recorded without
    an ID number (an ID number typed in any field is refused: this registry keeps none
    for them)."""
    require_role_at(user, PRESENCE_KEEPERS, village.code)
    if household is not None and household.village_id != village.pk:
        raise ValidationError(_("The household belongs to another village."))
    typed = f"{name} {from_place} {address}"
    if has_id_number(typed):
        raise ValidationError(
            _(
                "Do not write an ID number here: people registered elsewhere are "
                "recorded without one."
            )
        )
    if arrived_on > timezone.localdate():
        raise ValidationError({"arrived_on": _("The date is in the future.")})
    phone = clean_phone(phone)
    inflow = Inflow(
        village=village,
        household=household,
        name=" ".join(name.split()),
        sex=sex,
        birth_year=birth_year,
        from_place=from_place.strip(),
        reason=reason,
        address=address.strip(),
        arrived_on=arrived_on,
        recorded_by=user,
    )
    if phone:
        inflow.phone_cipher = encrypt(phone)
        inflow.phone_masked = mask(phone, "phone")
    inflow.full_clean()
    with transaction.atomic():
        inflow.save()
        stats_mark_stale([village.pk])
    return inflow


def inflow_leave(inflow: Inflow, *, user, left_on: datetime.date) -> Inflow:
    """The person left the village (the record stays, for the flows by month)."""
    require_role_at(user, PRESENCE_KEEPERS, inflow.village.code)
    if left_on < inflow.arrived_on:
        raise ValidationError({"left_on": _("They cannot leave before they arrived.")})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": _("The date is in the future.")})
    with transaction.atomic():
        done = Inflow.objects.filter(pk=inflow.pk, left_on__isnull=True).update(left_on=left_on)
        if not done:
            raise ValidationError(_("They have left already."))
        stats_mark_stale([inflow.village_id])
    inflow.refresh_from_db()
    return inflow
