"""The one registry through which apps plug into the portal (DESIGN §2).

`villages` is the ground floor: it knows no app above it. Each app registers, from its
AppConfig.ready(), what it brings to the shared pages:

- menu entries, each with the roles its page requires (a link is shown only when the
  page would open for the user: the same role set the view passes to `require_role`);
- home panels, shown on the staff home for a region;
- household panels, shown on a household's page (the registry's own page composes
  them, so it imports no app above it);
- public panels: the parts of the public household page (what the door plaque opens)
  and of the village board (/v/<code>/), each with its title and order; the pages that
  show them (in `households` and `notices`) read them from here and import no app;
- role sets with a sentence each, saying what the app lets a role do (shown where
  accounts are managed).

Panels are a template and a function that returns its context, or None to show nothing
(no data of this app for that region or household). The base template and the composing
pages read this registry; nothing else does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common.caching import KEPT_SECONDS, cache_key, versions
from villages.scoping import has_role_at, holds_role, roles_at

PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: Any  # a lazy translation
    url_name: str
    roles: frozenset[str]
    order: int = 100
    #: url names (namespace:name) for which this entry is the current one
    active_for: tuple[str, ...] = ()
    #: a number shown beside the label (unread messages, say): f(user) → count; 0 hides it
    badge: Callable[[Any], int] | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def is_active(self, view_name: str) -> bool:
        return view_name == self.url_name or view_name in self.active_for


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: PanelContext
    roles: frozenset[str]
    order: int = 100
    # A household panel that says when it changes (issue 26): the cache keys of the
    # versions (common.caching.version) that move when what it shows of this household
    # changes — the app bumps them after each write. The household page keeps its panels
    # while every key's version, the household's row, the user's roles there, the
    # language and the day stay as they were; a panel without keys is made each time.
    version_keys: Callable[[Any], list[str]] | None = None


@dataclass(frozen=True)
class PublicPanel:
    """A panel of a public page (the household page /h/<token>/, or the village board
    /v/<code>/): anyone sees it, so its context holds nothing of DESIGN §5's sensitive
    data. Its context function is given the household (or the village); None: the panel
    has nothing to show there and is left out."""

    key: str
    title: Any  # a lazy translation
    template: str
    context: PanelContext
    order: int = 100
    # what the panel shows changes with the version kept under this cache key
    # (common.caching.version): the page reads every panel's in one round trip and is
    # kept until one changes
    version_key: Callable[[Any], str] | None = None
    # and with this value, worked out here (an hour, a constant)
    version: Callable[[Any], str] | None = None

    @property
    def kept(self) -> bool:
        """Whether the panel says when it changes (else: made on every request)."""
        return self.version_key is not None or self.version is not None


@dataclass(frozen=True)
class RoleSet:
    app: str
    name: str
    roles: frozenset[str]
    does: Any  # a lazy translation: what these roles may do in this app


@dataclass
class Registry:
    menu: list[MenuEntry] = field(default_factory=list)
    home_panels: list[Panel] = field(default_factory=list)
    household_panels: list[Panel] = field(default_factory=list)
    public_panels: list[PublicPanel] = field(default_factory=list)
    village_panels: list[PublicPanel] = field(default_factory=list)
    # lines an app adds to the door plaques: f(household ids) → {household id: [line]}
    plaque_lines: list[Callable[[list[int]], dict[int, list[str]]]] = field(default_factory=list)
    role_sets: list[RoleSet] = field(default_factory=list)
    # the url name of a village's public front page (it takes the village's code), set by
    # the app that owns it; the other public pages of a village link back to it
    village_page: str = ""
    # how a notification is kept (villages.notifications.notify calls it), set by the
    # app that keeps the inbox: f(users, *, kind, title, body, link, by_text) → count
    deliver: Callable[..., int] | None = None
    # several at once, f([(user ids, title, by_text)], *, kind, link) → count
    deliver_each: Callable[..., int] | None = None
    # handlers of events an app announces for apps above it (an app below may not import
    # them): event name → [handler(**details)]
    handlers: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)

    def _add(self, items: list, item) -> None:
        if any(existing.key == item.key for existing in items):
            raise ValueError(f"{item.key!r} is registered twice")
        items.append(item)
        items.sort(key=lambda i: (i.order, i.key))

    def add_menu(self, entry: MenuEntry) -> None:
        self._add(self.menu, entry)

    def add_home_panel(self, panel: Panel) -> None:
        self._add(self.home_panels, panel)

    def add_household_panel(self, panel: Panel) -> None:
        self._add(self.household_panels, panel)

    def add_public_panel(self, panel: PublicPanel) -> None:
        """A panel of the public household page."""
        self._add(self.public_panels, panel)

    def add_village_panel(self, panel: PublicPanel) -> None:
        """A panel of the village board, below its notices."""
        self._add(self.village_panels, panel)

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        """Call `handler(**details)` whenever an app announces `event`."""
        self.handlers.setdefault(event, []).append(handler)

    def announce(self, event: str, **details: Any) -> list[Any]:
        """Tell the apps that registered for `event` (in the caller's transaction); their
        answers, in order. No handler: nothing happens (the app above has not come)."""
        return [handler(**details) for handler in self.handlers.get(event, [])]

    def add_plaque_lines(self, lines: Callable[[list[int]], dict[int, list[str]]]) -> None:
        self.plaque_lines.append(lines)

    def declared_roles(self, app: str, name: str) -> frozenset[str]:
        """The role set another app declared (empty when that app is not installed): an
        app above links to a page of an app beside it without importing it."""
        for role_set in self.role_sets:
            if (role_set.app, role_set.name) == (app, name):
                return role_set.roles
        return frozenset()

    def declare_roles(self, app: str, name: str, roles: Iterable[str], does) -> frozenset[str]:
        """Record an app's role set and return it, for the app's views to require."""
        role_set = RoleSet(app=app, name=name, roles=frozenset(roles), does=does)
        self.role_sets.append(role_set)
        return role_set.roles


#: the portal's registry; apps add to it in AppConfig.ready()
portal = Registry()


def role_descriptions(roles: Iterable[Any]) -> list[tuple[Any, list[Any]]]:
    """(role label, what it may do in each app) for each of these roles (villages.models'
    Role, which declares its own role sets here), from the apps' role sets: shown where
    accounts are managed, so a county officer knows what a role grants."""
    return [
        (role.label, [rs.does for rs in portal.role_sets if role in rs.roles]) for role in roles
    ]


def menu_for(user, view_name: str = "") -> list[dict[str, Any]]:
    """The menu entries whose pages the user may open, the current one marked."""
    return [
        {
            "label": entry.label,
            "url": entry.url,
            "active": entry.is_active(view_name),
            "badge": entry.badge(user) if entry.badge else 0,
        }
        for entry in portal.menu
        if holds_role(user, entry.roles)
    ]


def home_panels(request: HttpRequest, region) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of each home panel the user may see. The region (None: the
    user's whole area) is one the user sees; each panel scopes its own data to the user."""
    return _panels(
        portal.home_panels, request, region, lambda panel: holds_role(request.user, panel.roles)
    )


def household_panels(request: HttpRequest, household, depends_on: Any = None) -> list[str]:
    """The panels of a household's page (HTML), for roles the user holds at its village.

    Kept when every panel shown names its version keys (issue 26): the versions and the
    kept panels are read in one cache round trip, and the kept HTML is served while what
    it was made from holds — the versions, the household's row (its last change), the
    day (pairings, this year's points), `depends_on` (the page's registry token: a
    resident's name shown in a panel; None, not known: made each time), and, in the
    entry's key, the panels shown, the user's roles at the village (they decide the
    links) and the language. The panels hold links and figures, no form (no CSRF token
    to share between users). A name of an account (a visit's recorder, a paired cadre)
    changed in the accounts' pages shows within KEPT_SECONDS."""
    code = household.village.code
    panels = [p for p in portal.household_panels if has_role_at(request.user, p.roles, code)]
    if not panels:
        return []
    if depends_on is None or not all(panel.version_keys for panel in panels):
        return _render(panels, request, household)
    keys = [key for panel in panels for key in panel.version_keys(household)]  # type: ignore[misc]
    entry_key = cache_key(
        "household-panels",
        household.pk,
        [panel.key for panel in panels],
        roles_at(request.user, code),
        translation.get_language(),
    )
    got = cache.get_many([entry_key, *(f"version:{key}" for key in keys)])
    current = versions(keys, got)
    made_from = (
        [current[key] for key in keys],
        getattr(household, "updated_at", None),
        timezone.localdate(),
        depends_on,
    )
    entry = got.get(entry_key)
    if entry is not None and entry[0] == made_from:
        return entry[1]
    html = _render(panels, request, household)
    cache.set(entry_key, (made_from, html), KEPT_SECONDS)
    return html


def _render(panels: list[Panel], request: HttpRequest, household) -> list[str]:
    return [
        render_to_string(template, {"panel": context}, request=request)
        for template, context in _panels(panels, request, household, lambda _panel: True)
    ]


def panel_version_keys(panels: list[PublicPanel], obj) -> list[str]:
    """The cache keys of these panels' versions for `obj` (a household, a village)."""
    return [panel.version_key(obj) for panel in panels if panel.version_key]


def panel_versions(
    panels: list[PublicPanel], obj, kept: dict[str, str], *, strict: bool = True
) -> list[str] | None:
    """What the panels show of `obj` depends on, given the versions read (`kept`, by
    key); None when a panel says nothing of it and `strict` (the household page is then
    made each time). The village board is kept a few minutes whatever its unversioned
    panels (links, the work team) show: `strict` False leaves them out."""
    if strict and not all(panel.kept for panel in panels):
        return None
    parts = []
    for panel in panels:
        if panel.version_key:
            parts.append(kept[panel.version_key(obj)])
        if panel.version:
            parts.append(panel.version(obj))
    return parts


def public_panels(request: HttpRequest, household) -> list[tuple[PublicPanel, dict]]:
    """(panel, context) of the public household page's panels with something to show for
    the household, in their order."""
    return _shown(portal.public_panels, request, household)


def village_panels(request: HttpRequest, village) -> list[tuple[PublicPanel, dict]]:
    """(panel, context) of the village board's panels, in their order."""
    return _shown(portal.village_panels, request, village)


def _shown(panels: list[PublicPanel], request: HttpRequest, obj) -> list[tuple[PublicPanel, dict]]:
    shown = []
    for panel in panels:
        context = panel.context(request, obj)
        if context is not None:
            shown.append((panel, context))
    return shown


def village_page_url(code: str) -> str:
    """The address of a village's public front page ("" while no app offers one)."""
    return reverse(portal.village_page, args=[code]) if portal.village_page else ""


def plaque_lines() -> list[Callable[[list[int]], dict[int, list[str]]]]:
    """The apps' functions adding lines to door plaques (public data only)."""
    return list(portal.plaque_lines)


def _panels(panels: list[Panel], request, obj, allowed: Callable[[Panel], bool]):
    shown = []
    for panel in panels:
        if not allowed(panel):
            continue
        context = panel.context(request, obj)
        if context is not None:
            shown.append((panel.template, context))
    return shown
