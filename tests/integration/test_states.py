"""The state cache folds on only what was appended since, and never trusts a stream it did not fold."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from coalition.domain.base import Change, NotAllowed
from coalition.handlers import retrying
from coalition.infra.db import upgrade
from coalition.infra.extensions import Services, held
from coalition.infra.states import StateCache
from events import ConcurrencyConflict, EventStore, NewEvent, Registry, create_engine
from projections import ProjectionRunner


def names(state: tuple[str, ...] | None, change: Change) -> tuple[str, ...]:
    """A toy aggregate: the names of the things created on the stream, in order."""
    return (*(state or ()), change.payload["name"])


def sizes(state: tuple[str, ...] | None, change: Change) -> tuple[str, ...]:
    """Another aggregate over the same events, to show that two folds are never mixed up."""
    return (*(state or ()), str(change.payload["size"]))


def create(store: EventStore, stream: str, *things: str) -> None:
    store.append([NewEvent(stream, "ThingCreated", {"name": name, "size": len(name)}) for name in things])


def test_a_second_load_folds_only_the_events_appended_since(store: EventStore) -> None:
    cache = StateCache()
    create(store, "thing-1", "a", "b", "c")

    assert cache.load(store, "thing-1", names) == (("a", "b", "c"), 3)
    assert cache.folded == 3
    create(store, "thing-1", "d", "e")
    assert cache.load(store, "thing-1", names) == (("a", "b", "c", "d", "e"), 5)
    assert cache.folded == 5, "the cached prefix was folded again"
    assert cache.load(store, "thing-1", names) == (("a", "b", "c", "d", "e"), 5)
    assert cache.folded == 5


def test_an_unknown_stream_is_nothing_at_version_zero_and_is_not_kept(store: EventStore) -> None:
    cache = StateCache()
    assert cache.load(store, "thing-9", names) == (None, 0)
    create(store, "thing-9", "late")
    assert cache.load(store, "thing-9", names) == (("late",), 1)


def test_a_stream_replaced_underneath_is_read_again_from_the_start(
    store: EventStore, other_database_url: str, registry: Registry
) -> None:
    cache = StateCache()
    create(store, "thing-1", "a", "b")
    assert cache.load(store, "thing-1", names) == (("a", "b"), 2)

    # Another database (a restore, say) holds a different stream under the same id, one event longer.
    other_engine: Engine = create_engine(other_database_url)
    upgrade(other_engine)
    try:
        other = EventStore(other_engine, registry)
        create(other, "thing-1", "x", "y", "z")
        assert cache.load(other, "thing-1", names) == (("x", "y", "z"), 3)
        # And back: the first database's stream is not the one the cache now holds either.
        assert cache.load(store, "thing-1", names) == (("a", "b"), 2)
    finally:
        other_engine.dispose()


def test_two_folds_of_one_stream_are_kept_apart(store: EventStore) -> None:
    cache = StateCache()
    create(store, "thing-1", "ab", "cde")
    assert cache.load(store, "thing-1", names) == (("ab", "cde"), 2)
    assert cache.load(store, "thing-1", sizes) == (("2", "3"), 2)
    assert cache.load(store, "thing-1", names) == (("ab", "cde"), 2)


def test_the_least_recently_used_streams_are_dropped_first(store: EventStore) -> None:
    cache = StateCache(size=2)
    for n in range(3):
        create(store, f"thing-{n}", f"t{n}")
    cache.load(store, "thing-0", names)
    cache.load(store, "thing-1", names)
    cache.load(store, "thing-0", names)  # thing-0 is now the most recently used
    cache.load(store, "thing-2", names)  # so thing-1 goes
    folded = cache.folded
    cache.load(store, "thing-0", names)
    assert cache.folded == folded
    cache.load(store, "thing-1", names)
    assert cache.folded == folded + 1


def services_of(store: EventStore) -> Services:
    """The app's services around a bare store (no projections)."""
    return Services(store.engine, store, ProjectionRunner(store, []), inline_projections=False)


def test_a_conflicting_command_runs_again_inside_the_write_lock_and_goes_through(store: EventStore) -> None:
    seen: list[object] = []

    def command() -> str:
        seen.append(held.get())
        if len(seen) == 1:
            raise ConcurrencyConflict("statement-s", 1, 2)
        return "signed"

    assert retrying(services_of(store), command) == "signed"
    assert seen[0] is None, "the first run holds no lock"
    assert seen[1] is not None, "the second run reads and appends in one write transaction"


def test_a_second_conflict_reaches_the_caller(store: EventStore) -> None:
    calls: list[int] = []

    def command() -> Any:
        calls.append(1)
        raise ConcurrencyConflict("statement-s", 1, 2)

    with pytest.raises(ConcurrencyConflict):
        retrying(services_of(store), command)
    assert len(calls) == 2


def test_a_refusal_is_never_retried(store: EventStore) -> None:
    calls: list[int] = []

    def command() -> Any:
        calls.append(1)
        raise NotAllowed("only facilitators may do that")

    with pytest.raises(NotAllowed):
        retrying(services_of(store), command)
    assert calls == [1]


def test_a_write_inside_the_held_transaction_joins_it_instead_of_waiting_for_itself(store: EventStore) -> None:
    services = services_of(store)

    def command() -> int:
        # Not through a Context: an append of its own, as the token pages do.
        return services.append([NewEvent("thing-7", "ThingCreated", {"name": "joined"})]).first_position

    with services.holding():
        position = command()
    assert position == 1 and store.head()[0] == 1
