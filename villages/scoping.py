"""The one scoping mechanism: "what may this user see".

Every staff list, detail, export and form choice goes through `visible_to(user)` on a
ScopedQuerySet. A model says where its region code lives (`scope_path`); the user's
assignments say which code prefixes they hold. Objects outside are simply not in the
queryset, so a detail view answers 404 and never confirms that the object exists.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

from django.core.exceptions import PermissionDenied
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def _assignments(user) -> list[tuple[str, str, bool]]:
    """(role, region code, sees identity) of the user's assignments, loaded once per user
    object (per request)."""
    cached = getattr(user, "_portal_assignments", None)
    if cached is None:
        rows = user.assignments.values_list("role", "region__code", "sees_identity", "region__name")
        cached = []
        names = {}
        for role, code, sees, name in rows:
            cached.append((role, code, sees))
            names[code] = name
        user._portal_assignments = cached
        user._portal_region_names = names
    return cached


def region_names(user) -> list[str]:
    """The names of the outermost regions the user works in (for a printed page's head),
    from the same one query as the assignments."""
    if not getattr(user, "is_authenticated", False):
        return []
    codes = _outermost(code for _role, code, _sees in _assignments(user))
    return [user._portal_region_names[code] for code in codes]


def _outermost(codes) -> list[str]:
    kept: list[str] = []
    for code in sorted(set(codes)):  # sorted, so a prefix comes before the codes it contains
        if not any(code.startswith(k) for k in kept):
            kept.append(code)
    return kept


def region_codes(user, roles: Iterable[str] | None = None) -> list[str]:
    """The region codes the user holds for these roles, without codes nested in others."""
    if not getattr(user, "is_authenticated", False):
        return []
    wanted = set(roles) if roles is not None else None
    return _outermost(
        code for role, code, _sees in _assignments(user) if wanted is None or role in wanted
    )


def common_region_code(codes: Iterable[str]) -> str:
    """The longest region code containing all these codes ("" when they share no county)."""
    codes = list(codes)
    if not codes:
        return ""
    common = os.path.commonprefix(codes)  # noqa: RUF071 (codes nest by character prefix)
    for length in (15, 12, 9, 6):
        if len(common) >= length:
            return common[:length]
    return ""


# --- The full-identity right (DESIGN §5) ---------------------------------------------------
# Seeing a full ID or phone number is a right of an assignment, not of an account: it
# reaches the regions where it was granted and no further, whatever other roles the
# account holds elsewhere.


def identity_codes(user) -> list[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return _outermost(code for _role, code, sees in _assignments(user) if sees)


def may_see_identity(user, code: str | None = None) -> bool:
    """May the user reveal full identity at this region (or anywhere, for code None)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    codes = identity_codes(user)
    if code is None:
        return bool(codes)
    return any(code.startswith(c) for c in codes)


def may_see_identity_everywhere(user, roles: Iterable[str]) -> bool:
    """Does the right cover every region the user reads with these roles (a whole export)?"""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    codes = region_codes(user, roles)
    return bool(codes) and all(may_see_identity(user, code) for code in codes)


def holds_role(user, roles: Iterable[str]) -> bool:
    """Does the user hold one of these roles anywhere? (Superusers hold every role.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(region_codes(user, roles))


def require_role(user, roles: Iterable[str]) -> None:
    """403 for a page the user's roles do not reach at all (objects outside: 404)."""
    if not holds_role(user, roles):
        raise PermissionDenied


def require_role_at(user, roles: Iterable[str], *codes: str) -> None:
    """The permission check of a write, made by the service that performs it (so a view,
    a command and a task meet the same rule): PermissionDenied unless the user holds one
    of these roles at each of these regions (or above them). `user` None is the portal
    itself (a demo command, a nightly task acting on what a person already asked for):
    no person's permission is in question."""
    if user is None:
        return
    if not all(has_role_at(user, roles, code) for code in codes):
        raise PermissionDenied


def has_role_at(user, roles: Iterable[str], code: str) -> bool:
    """Does the user hold one of these roles at this region or above it?"""
    if getattr(user, "is_superuser", False):
        return True
    return any(code.startswith(c) for c in region_codes(user, roles))


def roles_at(user, code: str) -> tuple[str, ...]:
    """The roles the user holds at this region or above it, sorted ("*" for a superuser):
    what a page kept for anyone with the same roles there depends on of the user."""
    if getattr(user, "is_superuser", False):
        return ("*",)
    if not getattr(user, "is_authenticated", False):
        return ()
    return tuple(
        sorted({role for role, held, _sees in _assignments(user) if code.startswith(held)})
    )


def scope_q(
    user: AbstractBaseUser | AnonymousUser | None, path: str, roles: Iterable[str] | None
) -> models.Q:
    """Records whose region code (at `path`) lies in a region where the user holds one of
    `roles` (None: any role)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return models.Q(pk__in=[])
    if getattr(user, "is_superuser", False):
        return models.Q()
    codes = region_codes(user, roles)
    if not codes:
        return models.Q(pk__in=[])
    q = models.Q()
    for code in codes:
        q |= models.Q(**{f"{path}__startswith": code})
    return q


def enclosing_q(
    user: AbstractBaseUser | AnonymousUser | None, path: str, roles: Iterable[str] | None
) -> models.Q:
    """Records at the regions that enclose the user's (a county's screening run, for the
    staff of its townships): the county, township and village codes their codes begin
    with, never a sibling's."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return models.Q(pk__in=[])
    above = {code[:n] for code in region_codes(user, roles) for n in (6, 9, 12) if n < len(code)}
    return models.Q(**{f"{path}__in": sorted(above)}) if above else models.Q(pk__in=[])


class ScopedQuerySet(models.QuerySet):
    #: lookup from the model to a region code, e.g. "village__code" (every subclass sets it)
    scope_path: str = ""  # pragma: no mutate
    #: roles whose assignments grant reading; None means every role
    scope_roles: frozenset[str] | None = None  # pragma: no mutate (an annotation)
    #: records of a region are read by the staff of the regions inside it too
    scope_enclosing: bool = False

    def visible_to(self, user, roles: Iterable[str] | None = None) -> Self:
        roles = roles if roles is not None else self.scope_roles
        q = scope_q(user, self.scope_path, roles)  # None: every role
        if self.scope_enclosing:
            q |= enclosing_q(user, self.scope_path, roles)
        return self.filter(q)
