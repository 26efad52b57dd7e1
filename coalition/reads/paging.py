"""Keyset pages of a list: the items after the last key the reader saw, `limit` at a time.

A page is named by the key of the last item seen (`after`), never by an offset, so that a row added or
removed while someone pages does not shift the pages after it; the next page's key is given only when
more items follow. The API's `?limit=&after=` and the pages' "next" links both page this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: Items per page on the server-rendered pages (members, a statement's signatories).
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page: its items, how many there are in all, and the key to ask for the next (None: the last page)."""

    items: list[T]
    total: int
    next_after: str | None


def keyset(items: Sequence[T], key: Callable[[T], str], after: str | None, limit: int) -> Page[T]:
    """The first `limit` items whose key sorts after `after` (all from the start when None), ordered by key."""
    ordered = sorted(items, key=key)
    start = 0
    if after is not None:
        start = next((n for n, item in enumerate(ordered) if key(item) > after), len(ordered))
    return fetched(ordered[start : start + limit + 1], key, limit, len(ordered))


def fetched(found: Sequence[T], key: Callable[[T], str], limit: int, total: int) -> Page[T]:
    """The page of up to `limit + 1` items read after a key (in SQL: `LIMIT limit + 1`), of `total` in all: the
    first `limit` of them, and the next page's key only when one more was found."""
    chosen = list(found[:limit])
    more = len(found) > limit
    return Page(chosen, total, key(chosen[-1]) if more and chosen else None)


def following(ordered: Sequence[T], ident: Callable[[T], str], after: str | None, limit: int) -> Page[T]:
    """The `limit` items after the one whose id is `after` in a list already in its reading order (from the
    start when None or when no item has that id); the next page is named by its last item's id."""
    start = 0
    if after is not None:
        start = next((n + 1 for n, item in enumerate(ordered) if ident(item) == after), 0)
    chosen = list(ordered[start : start + limit])
    more = start + limit < len(ordered)
    return Page(chosen, len(ordered), ident(chosen[-1]) if more and chosen else None)
