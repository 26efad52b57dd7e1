"""Tamper evidence (`verify`) and export/import, on every backend."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from coalition.infra.db import upgrade
from events import EventStore, ImportRefused, Metadata, NewEvent, create_engine, export_events, import_events
from tests.conftest import make_registry

DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER events_no_update", "DROP TRIGGER events_no_delete"],
    "postgresql": ["DROP TRIGGER events_no_update_delete ON events"],
}


@pytest.fixture
def filled(store: EventStore) -> EventStore:
    """A store holding five events over two streams."""
    metadata = Metadata(actor_id="user-1", organisation_id="organisation-1")
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "a thing"})], metadata=metadata)
    store.append([NewEvent("thing-2", "ThingCreated", {"name": "a thing", "size": 3})], metadata=metadata)
    store.append(
        [
            NewEvent("thing-1", "ThingRenamed", {"name": "ț", "reason": "diacritics"}),
            NewEvent("thing-2", "ThingRenamed", {"name": "b", "reason": "r"}),
        ],
        metadata=metadata,
    )
    store.append([NewEvent("thing-3", "ThingCreated", {"name": "c", "tags": ["x", "y"]})])
    return store


@pytest.fixture
def empty_store(other_database_url: str) -> Iterator[EventStore]:
    """A second, empty store on the same backend as `store`."""
    engine = create_engine(other_database_url)
    upgrade(engine)
    yield EventStore(engine, make_registry())
    engine.dispose()


def tamper(store: EventStore, statement: str, **params: object) -> None:
    """Run raw SQL against the events table after dropping the immutability triggers."""
    with store.engine.begin() as connection:
        for drop in DROP_TRIGGERS[connection.dialect.name]:
            connection.exec_driver_sql(drop)
        connection.execute(sa.text(statement), params)


def flip_one_character(store: EventStore, column: str, position: int) -> None:
    """Change one character of a stored column of one event."""
    with store.engine.connect() as connection:
        value = connection.execute(
            sa.text(f"SELECT {column} FROM events WHERE position = :p"), {"p": position}
        ).scalar_one()
    index = len(value) // 2
    changed = value[:index] + ("0" if value[index] != "0" else "1") + value[index + 1 :]
    tamper(store, f"UPDATE events SET {column} = :v WHERE position = :p", v=changed, p=position)


def test_an_untouched_log_verifies(filled: EventStore) -> None:
    report = filled.verify()

    assert report.ok
    assert (report.count, report.head_hash) == (5, filled.head()[1])


@pytest.mark.parametrize("column", ["payload", "metadata", "hash", "recorded_at", "stream_id"])
def test_changing_one_byte_is_found_at_its_position(filled: EventStore, column: str) -> None:
    flip_one_character(filled, column, 2)

    report = filled.verify()

    assert not report.ok
    assert report.broken_position == 2
    assert report.count == 1
    assert "does not match" in (report.reason or "")


def test_a_deleted_event_is_found_as_a_gap(filled: EventStore) -> None:
    tamper(filled, "DELETE FROM events WHERE position = 3")

    report = filled.verify()

    assert (report.broken_position, report.count) == (4, 2)
    assert "position 3 is missing" in (report.reason or "")


def test_progress_counts_every_event(filled: EventStore) -> None:
    seen: list[int] = []

    filled.verify(seen.append)

    assert sum(seen) == 5


def test_export_then_import_reproduces_the_log(filled: EventStore, empty_store: EventStore) -> None:
    exported = io.StringIO()
    assert export_events(filled, exported) == 5

    assert import_events(empty_store, io.StringIO(exported.getvalue())) == 5

    assert empty_store.head() == filled.head()
    assert list(empty_store.read_all()) == list(filled.read_all())
    assert empty_store.verify().ok


def test_export_is_one_json_object_per_line(filled: EventStore) -> None:
    exported = io.StringIO()
    export_events(filled, exported)

    lines = exported.getvalue().splitlines()
    assert len(lines) == 6
    assert json.loads(lines[0]) == {"log_format": 2}  # the header: the chain format (docs/log-format.md)
    assert json.loads(lines[3])["payload"] == {"name": "ț", "reason": "diacritics"}


def exported_lines(store: EventStore) -> list[dict]:
    """The events of a store's export as a list of records (without the header line)."""
    exported = io.StringIO()
    export_events(store, exported)
    return [json.loads(line) for line in exported.getvalue().splitlines()[1:]]


def assert_refused_and_empty(store: EventStore, records: list[dict], position: int | None, reason: str) -> None:
    """Importing `records` is refused naming `position` and `reason`, and nothing is written."""
    with pytest.raises(ImportRefused, match=reason) as refused:
        import_events(store, (json.dumps(r) for r in [{"log_format": 2}, *records]))
    assert refused.value.position == position
    assert store.head()[0] == 0


def test_import_refuses_a_changed_payload(filled: EventStore, empty_store: EventStore) -> None:
    records = exported_lines(filled)
    records[3]["payload"]["name"] = "c"

    assert_refused_and_empty(empty_store, records, 4, "chain is broken")


def test_import_refuses_a_missing_event(filled: EventStore, empty_store: EventStore) -> None:
    records = exported_lines(filled)
    del records[1]

    assert_refused_and_empty(empty_store, records, 3, "gap")


def test_import_refuses_an_unknown_event_type(filled: EventStore, empty_store: EventStore) -> None:
    records = exported_lines(filled)
    records[0]["type"] = "ThingExploded"

    assert_refused_and_empty(empty_store, records, 1, "unknown event type")


def test_import_refuses_a_line_that_is_not_an_event(empty_store: EventStore) -> None:
    with pytest.raises(ImportRefused, match="line 1 is not an exported event"):
        import_events(empty_store, ["{not json"])
    assert empty_store.head()[0] == 0


def test_import_refuses_a_store_that_is_not_empty(filled: EventStore) -> None:
    records = exported_lines(filled)

    with pytest.raises(ImportRefused, match="not empty"):
        import_events(filled, (json.dumps(r) for r in records))
    assert filled.head()[0] == 5
