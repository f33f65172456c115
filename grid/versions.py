"""What a household's staff page shows of the grid changes with these versions (issue
26: the page keeps the apps' panels, villages.registry.household_panels).

A household's grid place, visits and matters move the household's version when saved or
deleted (common.caching.versions_follow); a matter's every change logs an event, which
moves it too (the services change matters with conditional UPDATEs, which send no
signal); a grid and its people move the village's version. households_assign, which
places households in bulk, moves theirs itself."""

from __future__ import annotations

from common.caching import versions_follow


def household_key(household_id: int) -> str:
    return f"grid-household:{household_id}"


def village_key(village_id: int) -> str:
    return f"grid-village:{village_id}"


def household_keys(household) -> list[str]:
    """The version keys of the household panel."""
    return [household_key(household.pk), village_key(household.village_id)]


def _of_household(household_id: int | None) -> list[str]:
    return [household_key(household_id)] if household_id is not None else []


def connect() -> None:
    from grid.models import Grid, GridHousehold, GridMember, Matter, MatterEvent, Visit

    for model in (GridHousehold, Visit, Matter):
        versions_follow(model, lambda row: _of_household(row.household_id))
    versions_follow(MatterEvent, lambda row: _of_household(row.matter.household_id))
    versions_follow(Grid, lambda row: [village_key(row.village_id)])
    versions_follow(GridMember, lambda row: [village_key(row.grid.village_id)])
