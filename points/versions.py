"""What a household's staff page shows of its points changes with these versions (issue
26: the page keeps the apps' panels, villages.registry.household_panels).

A household's entries, account and honours move the household's version when saved or
deleted (common.caching.versions_follow); the services' conditional UPDATEs of entries
and balances (approval, revocation, redemption, discount), which send no signal, move it
themselves (an entry shows its own description and points, not its rule's)."""

from __future__ import annotations

from common.caching import bump_after_commit, versions_follow


def household_key(household_id: int) -> str:
    return f"points-household:{household_id}"


def household_keys(household) -> list[str]:
    """The version keys of the household panel."""
    return [household_key(household.pk)]


def household_changed(household_id: int) -> None:
    bump_after_commit(household_key(household_id))


def connect() -> None:
    from points.models import Honour, PointAccount, PointEntry

    for model in (PointEntry, PointAccount, Honour):
        versions_follow(model, lambda row: [household_key(row.household_id)])
