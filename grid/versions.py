"""What a household's staff page shows of the grid changes with these versions (issue
26: the page keeps the apps' panels, villages.registry.household_panels).

A household's grid place, visits and matters move the household's version when saved or
deleted (the signals below); a matter's every change logs an event, which moves it too
(the services change matters with conditional UPDATEs, which send no signal); a grid
and its people move the village's version. households_assign, which places households in
bulk, moves theirs itself."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from common.caching import bump_after_commit


def household_key(household_id: int) -> str:
    return f"grid-household:{household_id}"


def village_key(village_id: int) -> str:
    return f"grid-village:{village_id}"


def household_keys(household) -> list[str]:
    """The version keys of the household panel."""
    return [household_key(household.pk), village_key(household.village_id)]


def _household_row(sender, instance, **kwargs) -> None:
    if instance.household_id is not None:
        bump_after_commit(household_key(instance.household_id))


def _matter_event(sender, instance, **kwargs) -> None:
    if instance.matter.household_id is not None:
        bump_after_commit(household_key(instance.matter.household_id))


def _grid(sender, instance, **kwargs) -> None:
    bump_after_commit(village_key(instance.village_id))


def _member(sender, instance, **kwargs) -> None:
    bump_after_commit(village_key(instance.grid.village_id))


def connect() -> None:
    from grid.models import Grid, GridHousehold, GridMember, Matter, MatterEvent, Visit

    for signal in (post_save, post_delete):
        for model in (GridHousehold, Visit, Matter):
            signal.connect(_household_row, sender=model, dispatch_uid=f"panel-{model.__name__}")
        signal.connect(_matter_event, sender=MatterEvent, dispatch_uid="panel-MatterEvent")
        signal.connect(_grid, sender=Grid, dispatch_uid="panel-Grid")
        signal.connect(_member, sender=GridMember, dispatch_uid="panel-GridMember")
