"""Writes to the registry. Each runs in a transaction and validates before it saves.

History rows come from django-simple-history in the same transaction; the acting user is
passed explicitly (`_history_user`) so commands and imports are attributed too.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from households.idnumbers import IdCheck, encrypt, id_hash, validate_id_number
from households.models import (
    STATUS_AFTER_EVENT,
    AccessEvent,
    AccessKind,
    Document,
    Household,
    LifeEvent,
    LifeEventKind,
    Resident,
    ResidentStatus,
)
from villages.models import Region


def _save(obj, user) -> None:
    obj.full_clean()
    obj._history_user = user
    obj.save()


def household_create(*, user, village: Region, **fields: Any) -> Household:
    with transaction.atomic():
        household = Household(village=village, **fields)
        _save(household, user)
    return household


def household_update(*, household: Household, user, **fields: Any) -> Household:
    with transaction.atomic():
        for name, value in fields.items():
            setattr(household, name, value)
        _save(household, user)
    return household


class DuplicateResident(ValidationError):
    """One person is one resident: the ID number is registered already. Carries the
    existing record; the caller decides whether the user may be told where it is."""

    def __init__(self, existing: Resident | None):
        super().__init__({"id_number": [ValidationError(DUPLICATE_MESSAGE, code="duplicate")]})
        self.existing = existing


DUPLICATE_MESSAGE = _lazy(
    "This person is already registered (one person is one resident). "
    "Move the existing record instead of registering again."
)


def _ensure_unregistered(number: str, *, exclude_pk: int | None = None) -> None:
    qs = Resident.objects.filter(id_hash=id_hash(number)).select_related("household__village")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    existing = qs.first()
    if existing is not None:
        raise DuplicateResident(existing)


def _apply_identity(resident: Resident, check: IdCheck) -> None:
    resident.id_hash = id_hash(check.number)
    resident.id_cipher = encrypt(check.number)
    # Sex and birth date are read off the validated number so they never disagree with it.
    resident.birth_date = check.birth_date
    resident.sex = check.sex


def _save_resident(resident: Resident, user) -> None:
    try:
        with transaction.atomic():
            _save(resident, user)
    except IntegrityError as exc:  # two clerks registering the same person at once
        raise DuplicateResident(None) from exc


def resident_register(
    *, household: Household, user, id_number: str, phone: str = "", **fields: Any
) -> Resident:
    check = validate_id_number(id_number)
    _ensure_unregistered(check.number)
    resident = Resident(household=household, **fields)
    _apply_identity(resident, check)
    resident.phone_cipher = encrypt(phone)
    _save_resident(resident, user)
    return resident


def resident_update(
    *,
    resident: Resident,
    user,
    id_number: str = "",
    phone: str | None = None,
    **fields: Any,
) -> Resident:
    """Update a resident. An empty id_number keeps the stored one; phone None keeps it."""
    for name, value in fields.items():
        setattr(resident, name, value)
    if id_number:
        check = validate_id_number(id_number)
        _ensure_unregistered(check.number, exclude_pk=resident.pk)
        _apply_identity(resident, check)
    if phone is not None:
        resident.phone_cipher = encrypt(phone)
    _save_resident(resident, user)
    return resident


def resident_move(*, resident: Resident, to_household: Household, user) -> Resident:
    """Move a person to another household: the same record moves, nothing is copied."""
    if resident.household_id == to_household.pk:
        raise ValidationError(_("The resident already belongs to this household."))
    with transaction.atomic():
        resident.household = to_household
        resident.status = ResidentStatus.LIVING
        _save(resident, user)
    return resident


def life_event_record(*, resident: Resident, user, kind: str, date, note: str = "") -> LifeEvent:
    with transaction.atomic():
        event = LifeEvent(resident=resident, kind=kind, date=date, note=note, recorded_by=user)
        event.full_clean()
        event.save()
        status = STATUS_AFTER_EVENT.get(LifeEventKind(kind))
        if status and resident.status != status:
            resident.status = status
            resident._change_reason = event.get_kind_display()
            _save(resident, user)
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
    with transaction.atomic():
        event = AccessEvent(
            user=user, kind=kind, region=region, resident=resident, reason=reason, detail=detail
        )
        event.full_clean()
        event.save()
    return event


MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_DOCUMENT_PIXELS = 40_000_000


def strip_metadata(data: bytes) -> bytes:
    """Re-encode a photo as JPEG with nothing but its pixels: no EXIF (GPS position, camera,
    time), no XMP, no ICC profile, no comment.

    Pillow carries `info` (comment, XMP, ICC) from the opened image into a saved copy, so
    the pixels are copied into a new image that has no info at all. The EXIF orientation
    is applied first, so a phone photo stays upright without its EXIF."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_DOCUMENT_PIXELS:
                raise ValidationError(_("The photo is too large."))
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("Please upload a JPEG or PNG photo.")) from exc
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=88)
    return out.getvalue()


def document_upload(
    *, household: Household, user, kind: str, upload, resident: Resident | None = None
) -> Document:
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."))
    data = strip_metadata(upload.read())
    with transaction.atomic():
        document = Document(household=household, resident=resident, kind=kind, uploaded_by=user)
        document.file.save("photo.jpg", ContentFile(data), save=False)
        document.full_clean()
        document.save()
    return document
