"""Phone numbers: the one rule, called from the resident form and the importer."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from households.idnumbers import normalize

PHONE_RE = re.compile(r"^(1\d{10}|0\d{9,11})$")  # mobile, or landline with area code


def clean_phone(raw: str | None) -> str:
    """Full-width digits, spaces and dashes removed; empty stays empty."""
    phone = normalize(raw or "").replace("-", "")
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            _("Enter an 11-digit mobile number or a landline with area code."), code="phone"
        )
    return phone
