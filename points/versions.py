"""What a household's staff page shows of its points changes with these versions (issue
26: the page keeps the apps' panels, villages.registry.household_panels).

A household's entries, account and honours move the household's version when saved or
deleted (the signals below); the services' conditional UPDATEs of entries and balances
(approval, revocation, redemption, discount), which send no signal, move it themselves;
(an entry shows its own description and points, not its rule's)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from common.caching import bump_after_commit


def household_key(household_id: int) -> str:
    return f"points-household:{household_id}"


def household_keys(household) -> list[str]:
    """The version keys of the household panel."""
    return [household_key(household.pk)]


def household_changed(household_id: int) -> None:
    bump_after_commit(household_key(household_id))


def _household_row(sender, instance, **kwargs) -> None:
    household_changed(instance.household_id)


def connect() -> None:
    from points.models import Honour, PointAccount, PointEntry

    for signal in (post_save, post_delete):
        for model in (PointEntry, PointAccount, Honour):
            signal.connect(_household_row, sender=model, dispatch_uid=f"panel-{model.__name__}")
