"""Writes to the region tree and staff assignments."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from villages.models import LEVEL_BY_LENGTH, Region, Role, StaffAssignment, normalize_code


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _read_text(data: bytes) -> str:
    # Division-code tables come as UTF-8 (with or without BOM) or GB18030 from Excel.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("The file is neither UTF-8 nor GB18030 text."))


def regions_load(*, data: bytes) -> RegionLoadResult:
    """Create or update regions from a `code,name` CSV; levels come from the code length.

    Rows are applied shortest code first so parents exist before their children; a row
    whose parent is neither in the database nor in the file is reported, not guessed.
    Running it twice changes nothing.
    """
    result = RegionLoadResult()
    reader = csv.DictReader(io.StringIO(_read_text(data)))
    if not reader.fieldnames or not {"code", "name"} <= {f.strip() for f in reader.fieldnames}:
        result.errors.append(_("The file needs the columns code and name."))
        return result
    rows: list[tuple[int, str, str]] = []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        code, name = normalize_code(row["code"]), row["name"]
        if not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
            result.errors.append(
                _("Line %(line)d: %(code)s is not a 6, 9, 12 or 15-digit division code.")
                % {"line": line, "code": row["code"]}
            )
            continue
        if not name:
            result.errors.append(_("Line %(line)d: the name is empty.") % {"line": line})
            continue
        rows.append((line, code, name))
    rows.sort(key=lambda r: (len(r[1]), r[1]))

    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.all()}
        for line, code, name in rows:
            level = LEVEL_BY_LENGTH[len(code)]
            parent = None
            if level != "county":
                parent_len = max(n for n in LEVEL_BY_LENGTH if n < len(code))
                parent = existing.get(code[:parent_len])
                if parent is None:
                    result.errors.append(
                        _("Line %(line)d: %(code)s has no parent region %(parent)s.")
                        % {"line": line, "code": code, "parent": code[:parent_len]}
                    )
                    continue
            region = existing.get(code)
            if region is None:
                region = Region(code=code, name=name, level=level, parent=parent)
                region.full_clean()
                region.save()
                existing[code] = region
                result.created += 1
            elif region.name != name or region.parent_id != (parent.pk if parent else None):
                region.name, region.parent = name, parent
                region.full_clean()
                region.save(update_fields=["name", "parent"])
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def assignment_create(*, user, region: Region, role: Role | str) -> StaffAssignment:
    with transaction.atomic():
        assignment = StaffAssignment(user=user, region=region, role=role)
        assignment.full_clean()
        assignment.save()
    return assignment


def staff_create(*, username: str, full_name: str, password: str, role: str, region: Region):
    """A staff account with its first assignment; the password was validated by the form."""
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model(username=username, first_name=full_name)
        user.set_password(password)
        user.full_clean()
        user.save()
        assignment_create(user=user, region=region, role=role)
    return user


def staff_update(*, user, full_name: str, is_active: bool, can_see_identity: bool) -> None:
    permission = Permission.objects.get(
        content_type__app_label="households", codename="view_full_identity"
    )
    with transaction.atomic():
        user.first_name = full_name
        user.is_active = is_active
        user.full_clean()
        user.save(update_fields=["first_name", "is_active"])
        if can_see_identity:
            user.user_permissions.add(permission)
        else:
            user.user_permissions.remove(permission)


def assignment_remove(*, assignment: StaffAssignment) -> None:
    with transaction.atomic():
        if assignment.user.assignments.count() <= 1:
            raise ValidationError(
                _("This is the account's only assignment; deactivate the account instead.")
            )
        assignment.delete()
