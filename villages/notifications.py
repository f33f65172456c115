"""Telling staff something: the one service every app calls (decision 72).

An app that has news for the people who look after a region (a village's cadres get new
alerts, a township's officers a matter sent up to them, a cadre a produce listing to
approve) calls `notify` with the users from `users_over` or `users_within`. The inbox
that keeps the messages (its page, the unread badge, text messages) belongs to notices,
which registers its delivery in the portal registry (`portal.deliver`) from its
AppConfig.ready(); the callers import no app
above their own. Without the inbox (notices not installed) nothing is delivered.

Business events between apps are the registry's announcements (`portal.announce`),
subscribed to by the app that cares; telling a person is this service, not an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from villages.models import StaffAssignment
from villages.registry import portal


class Kind(models.TextChoices):
    """What a notification is about (the inbox's filter)."""

    MESSAGE = "message", _("Message")
    ALERT = "alert", _("Alert")
    MATTER = "matter", _("Matter")
    VOICE = "voice", _("Voice of the people")
    PRODUCE = "produce", _("Produce")


def notify(
    users, *, kind: str, title: str, body: str = "", link: str = "", by_text: bool = False
) -> int:
    """A notification for each of these users (a queryset), in the caller's transaction;
    how many were told. ID numbers in the title and text are masked by the inbox."""
    if portal.deliver is None:
        return 0
    return portal.deliver(users, kind=kind, title=title, body=body, link=link, by_text=by_text)


def notify_each(
    messages: Iterable[tuple[Iterable[int], str, bool]], *, kind: str, link: str = ""
) -> int:
    """Several notifications at once, each (user ids, title, by text): one write where a
    caller has a message for each of many regions (`users_over_each`)."""
    if portal.deliver_each is None:
        return 0
    return portal.deliver_each(list(messages), kind=kind, link=link)


def ancestor_codes(code: str) -> list[str]:
    """The region's own code and those of the regions above it (county, township)."""
    return [code[:n] for n in (6, 9, 12, 15) if n <= len(code)]


def users_within(code: str, roles: Iterable[str]) -> Any:
    """Active users holding one of these roles at the region of `code` or anywhere below
    it (a broadcast's audience)."""
    ids = StaffAssignment.objects.filter(
        region__code__startswith=code, role__in=list(roles)
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def users_over(code: str, roles: Iterable[str]) -> Any:
    """Active users holding one of these roles at the region of `code` or above it: the
    people who look after it (a village's cadres, its township's officers)."""
    ids = StaffAssignment.objects.filter(
        region__code__in=ancestor_codes(code), role__in=list(roles)
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def users_over_each(codes: Iterable[str], roles: Iterable[str]) -> dict[str, list[int]]:
    """`users_over` for several regions in one query: {code: [active user ids]}."""
    above = {code: ancestor_codes(code) for code in codes}
    held: dict[str, set[int]] = {}
    for code, user_id in StaffAssignment.objects.filter(
        region__code__in={a for codes_above in above.values() for a in codes_above},
        role__in=list(roles),
        user__is_active=True,
    ).values_list("region__code", "user_id"):
        held.setdefault(code, set()).add(user_id)
    return {
        code: sorted(set().union(*(held.get(a, set()) for a in codes_above)))
        for code, codes_above in above.items()
    }
