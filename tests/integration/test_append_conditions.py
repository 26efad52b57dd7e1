"""Append conditions (events/conditions.py): weaker than an expected version, exact under the append lock.

Run against every backend. A condition admits the events it names as independent (of a type it lists,
whose payload field is not its value) and refuses anything else appended since the read, writing nothing.
"""

from __future__ import annotations

import pytest

from events import AppendCondition, ConcurrencyConflict, EventStore, GroupCommitStore, NewEvent

INDEPENDENT = frozenset({"ThingCreated"})


def created(stream: str, name: str) -> NewEvent:
    return NewEvent(stream, "ThingCreated", {"name": name})


def unless_named(version: int, name: str = "mine") -> AppendCondition:
    """Decided on `thing` at `version`; others' ThingCreated may land meanwhile, not one named `name`."""
    return AppendCondition("thing", version, INDEPENDENT, "name", name)


def test_independent_events_since_the_read_do_not_conflict_and_versions_stay_contiguous(store: EventStore) -> None:
    store.append([created("thing", "first")])
    store.append([created("thing", "another's"), created("thing", "a third's")])  # since the read at 1

    result = store.append([created("thing", "mine")], conditions=[unless_named(1)])

    assert result.versions == {"thing": 4}
    assert [e.version for e in store.read_stream("thing")] == [1, 2, 3, 4]
    assert store.verify().ok


def test_an_unchanged_stream_meets_the_condition(store: EventStore) -> None:
    store.append([created("thing", "first")])

    assert store.append([created("thing", "mine")], conditions=[unless_named(1)]).versions == {"thing": 2}


@pytest.mark.parametrize(
    "since",
    [
        NewEvent("thing", "ThingCreated", {"name": "mine"}),  # the same key: what the decision read
        NewEvent("thing", "ThingRenamed", {"name": "other", "reason": "a type not listed as independent"}),
    ],
)
def test_a_dependent_event_since_the_read_is_a_conflict_that_writes_nothing(store: EventStore, since: NewEvent) -> None:
    store.append([created("thing", "first")])
    store.append([since])
    head = store.head()

    with pytest.raises(ConcurrencyConflict) as conflict:
        store.append([created("thing", "mine")], conditions=[unless_named(1)])

    assert (conflict.value.expected, conflict.value.actual) == (1, 2)
    assert store.head() == head


def test_a_condition_on_a_version_the_stream_never_reached_is_a_conflict(store: EventStore) -> None:
    store.append([created("thing", "first")])

    with pytest.raises(ConcurrencyConflict):
        store.append([created("thing", "mine")], conditions=[unless_named(5)])
    assert store.stream_version("thing") == 1


def test_a_condition_may_name_a_stream_the_append_does_not_write(store: EventStore) -> None:
    store.append([created("thing", "first"), created("thing", "mine")])

    with pytest.raises(ConcurrencyConflict):
        store.append([created("elsewhere", "x")], conditions=[unless_named(1)])
    assert store.append([created("elsewhere", "x")], conditions=[unless_named(2)]).versions == {"elsewhere": 1}


def test_the_group_commit_writer_checks_conditions_too(store: EventStore) -> None:
    grouped = GroupCommitStore(store.engine, store.registry)
    try:
        grouped.append([created("thing", "first"), created("thing", "another's")])
        assert grouped.append([created("thing", "mine")], conditions=[unless_named(1)]).versions == {"thing": 3}
        with pytest.raises(ConcurrencyConflict):
            grouped.append([created("thing", "mine")], conditions=[unless_named(1)])
    finally:
        grouped.close()
