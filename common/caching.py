"""The portal's kept (cached) fragments: their keys — a prefix and a digest of what the
fragment depends on (scope, filters, language, freshness token), short enough for any
backend — and the one way to read one or make and keep it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.templatetags.static import static

T = TypeVar("T")

# A kept fragment lives this long at most. Fragments of the registry are also keyed by
# the figures' freshness token, which any registry write in the area changes before then.
KEPT_SECONDS = 300


def cache_key(prefix: str, *parts: object) -> str:
    return f"{prefix}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


# Public pages keep their first pages only: every other ?page= (or a typed product) is
# made each time, so anyone's variants of an address cannot fill the cache (issue 21).
KEPT_PAGES = 3


def public_page_key(prefix: str, *parts: object, page: int, keep: bool = True) -> str | None:
    """The key of a kept public page, or None (made each time) past KEPT_PAGES or when
    `keep` is False (a filter anyone can type)."""
    return page_key(prefix, *parts, page) if keep and page <= KEPT_PAGES else None


def page_key(prefix: str, *parts: object) -> str:
    """The key of a whole kept page: also the stylesheet's address, which names its
    version (the manifest's hash in production), so a deploy's pages ask for its CSS."""
    return cache_key(prefix, static("css/portal.css"), *parts)


def kept(key: str | None, make: Callable[[], T], seconds: int = KEPT_SECONDS) -> T:
    """The fragment kept under `key`, or make() kept there now. No key (nothing to key
    it by, e.g. figures not computed yet): made each time, kept nowhere."""
    if key is None:
        return make()
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, seconds)
    return value


def versions(keys: list[str], found: dict[str, object] | None = None) -> dict[str, str]:
    """The versions kept under these keys, read together (one round trip; `found`: the
    values of a get_many that already read them as "version:<key>"); a lost one is a new
    version, written back."""
    wanted = [f"version:{key}" for key in keys]
    got = found if found is not None else cache.get_many(wanted)
    missing = {name: time.time_ns() for name in wanted if got.get(name) is None}
    if missing:
        cache.set_many(missing, timeout=None)
    return {
        key: str(got.get(name) or missing[name]) for key, name in zip(keys, wanted, strict=True)
    }


def version(key: str) -> str:
    """A version kept in the cache under `key` (a lost value is a new version): part of
    the keys of fragments that must change when what `key` names changes."""
    return str(cache.get_or_set(f"version:{key}", time.time_ns, timeout=None))


def bump_after_commit(key: str) -> None:
    """A new version for `key` once the current transaction commits (a fragment made from
    data read before the commit must not be kept under the new version)."""
    transaction.on_commit(lambda: cache.set(f"version:{key}", time.time_ns(), timeout=None))


def versions_follow(model, keys: Callable[[Any], Iterable[str]]) -> None:
    """Every save and delete of a `model` row moves the versions `keys(row)` names, once
    committed (the household page's kept panels, issue 26). A queryset's update() and
    bulk_create send no signal: the code that uses them moves its versions itself."""

    def moved(sender, instance, **kwargs) -> None:
        bump_many_after_commit(keys(instance))

    uid = f"versions-{model._meta.label}"
    post_save.connect(moved, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(moved, sender=model, dispatch_uid=uid, weak=False)


def bump_many_after_commit(keys: Iterable[str]) -> None:
    """bump_after_commit for many keys, in one round trip."""
    names = [f"version:{key}" for key in keys]
    if names:
        transaction.on_commit(
            lambda: cache.set_many(dict.fromkeys(names, time.time_ns()), timeout=None)
        )
