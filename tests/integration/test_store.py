"""The event store's contract, run against every backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from events import (
    NO_STREAM,
    ConcurrencyConflict,
    EmptyAppend,
    EventStore,
    InvalidPayload,
    Metadata,
    NewEvent,
    UnknownEventType,
)
from events.hashing import FORMATS, recompute_hash
from events.sql import PROBED_STREAMS
from tests.conftest import make_registry


def created(stream: str, name: str = "a thing", **extra: object) -> NewEvent:
    """A ThingCreated event for `stream`."""
    return NewEvent(stream, "ThingCreated", {"name": name, **extra})


def count_events(store: EventStore) -> int:
    """How many events the store holds, counted in SQL."""
    with store.engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


def test_first_append_starts_positions_and_versions_at_one(store: EventStore) -> None:
    result = store.append([created("thing-1"), created("thing-1", "again")], expected={"thing-1": NO_STREAM})

    assert (result.first_position, result.last_position) == (1, 2)
    assert result.versions == {"thing-1": 2}
    assert [(e.position, e.version) for e in store.read_stream("thing-1")] == [(1, 1), (2, 2)]


def test_one_append_writes_several_streams_atomically(store: EventStore) -> None:
    store.append([created("thing-1")])

    with pytest.raises(ConcurrencyConflict):
        store.append([created("thing-2"), created("thing-1")], expected={"thing-2": NO_STREAM, "thing-1": 0})

    assert store.stream_version("thing-2") == 0
    assert count_events(store) == 1


@pytest.mark.parametrize("streams", [3, PROBED_STREAMS + 1], ids=["probed one by one", "many, grouped"])
def test_versions_are_read_right_for_new_and_known_streams_however_many_an_append_names(
    store: EventStore, streams: int
) -> None:
    """The append's read of stream versions has two forms (`Statements.positions`); both give each stream its own
    version, a new one 0, whatever order the rows come back in."""
    names = [f"thing-{n}" for n in range(streams)]
    store.append([created(name) for name in names[1:]])  # every stream but the first exists, at version 1
    store.append([created(name) for name in names[2:]])  # ... and from the third on at version 2

    result = store.append(
        [created(name) for name in reversed(names)],
        expected={names[0]: NO_STREAM, names[1]: 1, **{name: 2 for name in names[2:]}},
    )

    assert result.versions == {names[0]: 1, names[1]: 2, **{name: 3 for name in names[2:]}}
    with pytest.raises(ConcurrencyConflict) as conflict:
        store.append([created(names[1])], expected={names[1]: 1})
    assert (conflict.value.stream_id, conflict.value.actual) == (names[1], 2)


def test_stale_expected_version_is_a_conflict_that_writes_nothing(store: EventStore) -> None:
    store.append([created("thing-1")])
    store.append([created("thing-1")], expected={"thing-1": 1})

    with pytest.raises(ConcurrencyConflict) as conflict:
        store.append([created("thing-1")], expected={"thing-1": 1})

    assert (conflict.value.stream_id, conflict.value.expected, conflict.value.actual) == ("thing-1", 1, 2)
    assert "reload and try again" in str(conflict.value)
    assert store.head()[0] == 2


def test_stream_that_must_not_exist_but_does_is_a_conflict(store: EventStore) -> None:
    store.append([created("thing-1")])

    with pytest.raises(ConcurrencyConflict, match="expected not to exist"):
        store.append([created("thing-1")], expected={"thing-1": NO_STREAM})


def test_a_stream_only_read_by_the_command_is_checked_too(store: EventStore) -> None:
    store.append([created("organisation-1")])
    store.append([created("organisation-1")])

    with pytest.raises(ConcurrencyConflict) as conflict:
        store.append([created("statement-1")], expected={"statement-1": NO_STREAM, "organisation-1": 1})

    assert conflict.value.stream_id == "organisation-1"
    assert store.stream_version("statement-1") == 0


def test_expected_none_accepts_any_version(store: EventStore) -> None:
    store.append([created("thing-1")])

    result = store.append([created("thing-1")], expected={"thing-1": None})

    assert result.versions == {"thing-1": 2}


def test_repeated_idempotency_key_returns_the_first_result_and_appends_nothing(store: EventStore) -> None:
    first = store.append([created("thing-1")], idempotency_key="sign-42")

    again = store.append([created("thing-1", "different")], idempotency_key="sign-42")

    assert again.replayed and not first.replayed
    assert (again.first_position, again.last_position, again.versions, again.head_hash) == (
        first.first_position,
        first.last_position,
        first.versions,
        first.head_hash,
    )
    assert count_events(store) == 1


def test_idempotent_replay_wins_over_a_now_stale_expected_version(store: EventStore) -> None:
    store.append([created("thing-1")], expected={"thing-1": NO_STREAM}, idempotency_key="k")

    again = store.append([created("thing-1")], expected={"thing-1": NO_STREAM}, idempotency_key="k")

    assert again.replayed
    assert count_events(store) == 1


def test_invalid_payload_names_every_bad_field_and_writes_nothing(store: EventStore) -> None:
    with pytest.raises(InvalidPayload) as invalid:
        store.append([created("thing-1"), NewEvent("thing-1", "ThingCreated", {"name": "", "size": "big", "x": 1})])

    assert set(invalid.value.fields) == {"name", "size", "x"}
    assert "size: Not a valid integer." in str(invalid.value)
    assert count_events(store) == 0


def test_payload_must_be_an_object(store: EventStore) -> None:
    with pytest.raises(InvalidPayload, match="JSON object"):
        store.append([NewEvent("thing-1", "ThingCreated", ["name"])])  # type: ignore[arg-type]


def test_payload_that_is_not_plain_json_is_refused(store: EventStore) -> None:
    with pytest.raises(InvalidPayload, match="not plain JSON"):
        store.append([created("thing-1", tags={"a", "b"})])
    with pytest.raises(InvalidPayload, match="not plain JSON"):
        store.append([created("thing-1", tags=float("nan"))])
    assert count_events(store) == 0


def test_unknown_event_type_is_refused(store: EventStore) -> None:
    with pytest.raises(UnknownEventType, match="'ThingExploded'"):
        store.append([created("thing-1"), NewEvent("thing-1", "ThingExploded", {})])

    assert count_events(store) == 0


def test_empty_append_is_refused(store: EventStore) -> None:
    with pytest.raises(EmptyAppend):
        store.append([])


def test_metadata_and_time_are_recorded(engine: sa.Engine) -> None:
    moment = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)
    store = EventStore(engine, make_registry(), clock=lambda: moment)
    metadata = Metadata(
        actor_id="user-1", organisation_id="organisation-2", correlation_id="req-3", causation_id="cmd-4"
    )

    store.append([created("thing-1")], metadata=metadata)

    [event] = store.read_stream("thing-1")
    assert event.metadata == metadata
    assert event.recorded_at == moment


def test_recorded_times_never_go_backwards_along_the_log(engine: sa.Engine) -> None:
    times = iter(
        [
            datetime(2026, 5, 4, 12, tzinfo=UTC),
            datetime(2026, 5, 4, 11, tzinfo=UTC),
            datetime(2026, 5, 4, 13, tzinfo=UTC),
        ]
    )
    store = EventStore(engine, make_registry(), clock=lambda: next(times))

    for stream in ("thing-1", "thing-2", "thing-3"):
        store.append([created(stream)])

    recorded = [e.recorded_at.hour for e in store.read_all()]
    assert recorded == [12, 12, 13]  # the clock stepped back an hour; the log kept its order
    assert store.verify().ok


def test_each_hash_chains_from_the_previous_one(store: EventStore) -> None:
    store.append([created("thing-1")])
    store.append([created("thing-2"), created("thing-1")])

    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM events ORDER BY position")).all()
    previous = FORMATS[2].genesis
    for row in rows:
        assert row.hash == recompute_hash(previous, row, FORMATS[2])
        previous = row.hash
    assert store.head() == (3, previous)


def test_read_all_filters_by_position_and_type(store: EventStore) -> None:
    store.append([created("thing-1"), NewEvent("thing-1", "ThingRenamed", {"name": "b", "reason": "typo"})])
    store.append([created("thing-2")])

    assert [e.position for e in store.read_all()] == [1, 2, 3]
    assert [e.position for e in store.read_all(after=1)] == [2, 3]
    assert [e.position for e in store.read_all(until=2)] == [1, 2]
    assert [e.position for e in store.read_all(types=["ThingRenamed"])] == [2]


def test_read_all_pages_through_batches(engine: sa.Engine) -> None:
    store = EventStore(engine, make_registry(), batch_size=3)
    store.append([created(f"thing-{i}") for i in range(10)])

    assert [e.position for e in store.read_all(after=2)] == list(range(3, 11))


def test_old_schema_versions_are_read_as_the_latest(engine: sa.Engine) -> None:
    """Events stored as ThingRenamed v1 by older code are read as v2 through the upcaster."""
    from marshmallow import Schema, fields

    from events import Registry

    old_code = Registry()

    @old_code.register("ThingRenamed", version=1)
    class ThingRenamedV1(Schema):
        name = fields.String(required=True)

    EventStore(engine, old_code).append([NewEvent("thing-1", "ThingRenamed", {"name": "v1 name"})])

    [event] = EventStore(engine, make_registry()).read_stream("thing-1")
    assert event.schema_version == 2
    assert event.payload == {"name": "v1 name", "reason": "not recorded before version 2"}


def test_new_events_are_written_in_the_latest_schema_version(store: EventStore) -> None:
    with pytest.raises(InvalidPayload, match="reason"):
        store.append([NewEvent("thing-1", "ThingRenamed", {"name": "no reason"})])

    store.append([NewEvent("thing-1", "ThingRenamed", {"name": "n", "reason": "r"})])
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT schema_version FROM events")).scalar_one() == 2


def test_the_database_refuses_updates_and_deletes(store: EventStore) -> None:
    store.append([created("thing-1")])

    for statement in ("UPDATE events SET payload = '{}'", "DELETE FROM events"):
        with pytest.raises(sa.exc.DBAPIError, match="events are immutable"):
            with store.engine.begin() as connection:
                connection.execute(sa.text(statement))
    assert [e.payload for e in store.read_all()] == [{"name": "a thing"}]


def test_a_failure_inside_the_append_transaction_undoes_the_append(store: EventStore) -> None:
    def broken_projection(connection: object, recorded: object) -> None:
        raise RuntimeError("projection failed")

    with pytest.raises(RuntimeError):
        store.append([created("thing-1")], idempotency_key="k", within=broken_projection)

    assert count_events(store) == 0
    assert not store.append([created("thing-1")], idempotency_key="k").replayed
