"""Writes to the region tree and staff assignments."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from villages.models import (
    LEVEL_BY_LENGTH,
    STAFF_MANAGERS,
    Region,
    Role,
    StaffAction,
    StaffAssignment,
    StaffAuditEvent,
    normalize_code,
)
from villages.scoping import common_region_code, has_role_at, region_codes


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


# --- Staff accounts -------------------------------------------------------------------
# A county officer manages an account only when every assignment of that account lies in
# the officer's own regions: otherwise an officer of one county could reset the password
# of, or grant full-identity viewing to, someone working in another county. Each service
# below checks it, so no view can forget to.


def staff_manageable(*, manager, account) -> bool:
    """May `manager` change `account` (its name, state, assignments, rights, password)?
    Never their own: a county officer who could give themselves a township and a village
    role could take an alert through every step alone."""
    if account.pk == manager.pk or account.is_superuser or not manager.is_active:
        return False
    if manager.is_superuser:
        return True
    codes = region_codes(manager, STAFF_MANAGERS)
    if not codes:
        return False
    own = list(account.assignments.values_list("region__code", flat=True))
    return all(any(code.startswith(c) for c in codes) for code in own)


def require_manageable(manager, account) -> None:
    """Refuse (PermissionDenied with a sentence) a change `manager` may not make."""
    if account.pk == manager.pk:
        raise PermissionDenied(
            _("Nobody manages their own account: ask another county officer to change it.")
        )
    if not staff_manageable(manager=manager, account=account):
        raise PermissionDenied(
            _("This account has assignments outside your area; its county manages it.")
        )


def _account_region(account) -> Region | None:
    code = common_region_code(account.assignments.values_list("region__code", flat=True))
    return Region.objects.filter(code=code).first() if code else None


def _audit(*, actor, target, action: StaffAction, region=None, detail: str = "") -> None:
    event = StaffAuditEvent(
        actor=actor,
        target=target,
        action=action,
        region=region if region is not None else _account_region(target),
        detail=detail[:200],
    )
    event.full_clean()
    event.save()


def _require_region_in_scope(manager, region: Region) -> None:
    if not manager.is_superuser and not has_role_at(manager, STAFF_MANAGERS, region.code):
        raise PermissionDenied


def assignment_create(
    *, actor, user, region: Region, role: Role | str, sees_identity: bool = False
) -> StaffAssignment:
    require_manageable(actor, user)
    _require_region_in_scope(actor, region)
    with transaction.atomic():
        assignment = StaffAssignment(
            user=user, region=region, role=role, sees_identity=sees_identity
        )
        assignment.full_clean()
        assignment.save()
        label = f"{assignment.get_role_display()} · {region.name}"
        _audit(actor=actor, target=user, action=StaffAction.ASSIGNED, region=region, detail=label)
        if sees_identity:
            _audit(
                actor=actor,
                target=user,
                action=StaffAction.IDENTITY_GRANTED,
                region=region,
                detail=label,
            )
    user._portal_assignments = None
    return assignment


def staff_create(
    *,
    actor,
    username: str,
    full_name: str,
    password: str,
    role: str,
    region: Region,
    sees_identity: bool = False,
):
    """A staff account with its first assignment; the password was validated by the form."""
    _require_region_in_scope(actor, region)
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model(username=username, first_name=full_name)
        user.set_password(password)
        user.full_clean()
        user.save()
        _audit(actor=actor, target=user, action=StaffAction.CREATED, region=region)
        assignment_create(
            actor=actor, user=user, region=region, role=role, sees_identity=sees_identity
        )
    return user


def staff_update(*, actor, user, full_name: str, is_active: bool) -> None:
    require_manageable(actor, user)
    with transaction.atomic():
        if user.first_name != full_name:
            _audit(
                actor=actor,
                target=user,
                action=StaffAction.RENAMED,
                detail=f"{user.first_name} → {full_name}",
            )
        if user.is_active != is_active:
            action = StaffAction.ACTIVATED if is_active else StaffAction.DEACTIVATED
            _audit(actor=actor, target=user, action=action)
        user.first_name = full_name
        user.is_active = is_active
        user.full_clean()
        user.save(update_fields=["first_name", "is_active"])


def identity_set(*, actor, assignment: StaffAssignment, sees_identity: bool) -> None:
    """Grant or revoke full-identity viewing on one assignment, recorded."""
    require_manageable(actor, assignment.user)
    _require_region_in_scope(actor, assignment.region)
    if assignment.sees_identity == sees_identity:
        return
    with transaction.atomic():
        assignment.sees_identity = sees_identity
        assignment.save(update_fields=["sees_identity"])
        _audit(
            actor=actor,
            target=assignment.user,
            action=StaffAction.IDENTITY_GRANTED if sees_identity else StaffAction.IDENTITY_REVOKED,
            region=assignment.region,
            detail=f"{assignment.get_role_display()} · {assignment.region.name}",
        )


def password_set(*, actor, user, password: str) -> None:
    """A new password chosen by the officer (validated by the form), recorded."""
    require_manageable(actor, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        _audit(actor=actor, target=user, action=StaffAction.PASSWORD_SET)


def password_change(*, user, password: str) -> None:
    """The account holder's own new password (their old one checked by the form), recorded.
    Not "managing" the account: nothing else of it changes."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        _audit(actor=user, target=user, action=StaffAction.PASSWORD_CHANGED)


def username_locked(username: str) -> bool:
    """Have failed logins from many addresses together used up the account's limit
    (AXES_USERNAME_FAILURE_LIMIT within the cool-off)? django-axes locks a username at
    one address; spread over many, a guesser would never meet that lock."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return (failures or 0) >= settings.AXES_USERNAME_FAILURE_LIMIT


def lockout_active(*, user) -> bool:
    """Is the account locked by too many failed logins (at one address, or in all)?"""
    return (
        username_locked(user.username)
        or AccessAttempt.objects.filter(
            username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).exists()
    )


def lockout_lift(*, actor, user) -> int:
    """Lift the login lockout of an account (the lockout page tells people to ask)."""
    require_manageable(actor, user)
    with transaction.atomic():
        removed, _by_model = AccessAttempt.objects.filter(username=user.username).delete()
        _audit(actor=actor, target=user, action=StaffAction.UNLOCKED)
    return removed


def assignment_remove(*, actor, assignment: StaffAssignment) -> None:
    require_manageable(actor, assignment.user)
    _require_region_in_scope(actor, assignment.region)
    with transaction.atomic():
        if assignment.user.assignments.count() <= 1:
            raise ValidationError(
                _("This is the account's only assignment; deactivate the account instead.")
            )
        _audit(
            actor=actor,
            target=assignment.user,
            action=StaffAction.UNASSIGNED,
            region=assignment.region,
            detail=f"{assignment.get_role_display()} · {assignment.region.name}",
        )
        assignment.delete()
