"""Chain formats (docs/log-format.md): new logs are format 2, format-1 logs still append, verify, export and
import, and the format is recorded, never guessed; on every backend."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from coalition.infra.db import upgrade
from events import EventStore, ImportRefused, NewEvent, create_engine, export_events, import_events
from events.hashing import FORMATS, recompute_hash
from events.sql import record_format
from tests.conftest import make_registry

PLEDGE = {"name": "pledge 🌍", "tags": [12000.0, 0.1]}


@pytest.fixture
def empty_store(other_database_url: str) -> Iterator[EventStore]:
    """A second, empty, migrated store on the same backend as `store`."""
    engine = create_engine(other_database_url)
    upgrade(engine)
    yield EventStore(engine, make_registry())
    engine.dispose()


def in_format_1(store: EventStore) -> EventStore:
    """Record format 1 for an empty store, as migration 0011 does for a log that already held events."""
    with store.transaction() as connection:
        record_format(connection, 1)
    return store


def stored(store: EventStore, column: str, position: int) -> str:
    with store.engine.connect() as connection:
        return str(connection.execute(sa.text(f"SELECT {column} FROM events WHERE position = {position}")).scalar())


def export_text(store: EventStore) -> str:
    out = io.StringIO()
    export_events(store, out)
    return out.getvalue()


def assert_chain(store: EventStore, number: int) -> None:
    """Every stored hash is format `number`'s, chained from its genesis."""
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM events ORDER BY position")).all()
    previous = FORMATS[number].genesis
    for row in rows:
        assert row.hash == recompute_hash(previous, row, FORMATS[number])
        previous = row.hash


def test_a_new_log_is_format_2_and_writes_numbers_as_javascript_does(store: EventStore) -> None:
    assert store.log_format().number == 2
    assert store.head() == (0, FORMATS[2].genesis)

    store.append([NewEvent("thing-1", "ThingCreated", PLEDGE)])

    assert stored(store, "payload", 1) == '{"name":"pledge 🌍","tags":[12000,0.1]}'
    assert next(store.read_all()).payload["tags"] == [12000, 0.1]
    assert_chain(store, 2)
    report = store.verify()
    assert (report.ok, report.count, report.log_format) == (True, 1, 2)


def test_a_format_1_log_keeps_appending_and_verifying_in_format_1(store: EventStore) -> None:
    in_format_1(store)
    assert store.head() == (0, FORMATS[1].genesis)

    store.append([NewEvent("thing-1", "ThingCreated", PLEDGE)])
    store.append([NewEvent("thing-2", "ThingCreated", {"name": "b"})])

    assert stored(store, "payload", 1) == '{"name":"pledge 🌍","tags":[12000.0,0.1]}'
    assert_chain(store, 1)
    assert (store.verify().ok, store.verify().log_format) == (True, 1)


def test_a_format_1_log_exports_and_imports_as_format_1(store: EventStore, empty_store: EventStore) -> None:
    in_format_1(store).append([NewEvent("thing-1", "ThingCreated", PLEDGE)])
    text = export_text(store)
    assert text.splitlines()[0] == '{"log_format": 1}'
    assert "[12000.0,0.1]" in text

    assert import_events(empty_store, io.StringIO(text)) == 1

    assert empty_store.log_format().number == 1
    assert empty_store.head() == store.head()
    empty_store.append([NewEvent("thing-1", "ThingRenamed", {"name": "c", "reason": "r"})])
    assert_chain(empty_store, 1)
    assert empty_store.verify().ok


def test_an_export_without_a_header_is_format_1(store: EventStore, empty_store: EventStore) -> None:
    in_format_1(store).append([NewEvent("thing-1", "ThingCreated", PLEDGE)])
    headerless = export_text(store).split("\n", 1)[1]  # as exports were written before formats were recorded

    assert import_events(empty_store, io.StringIO(headerless)) == 1

    assert (empty_store.log_format().number, empty_store.head()) == (1, store.head())


def test_a_header_that_names_another_format_is_refused_and_nothing_converted(
    store: EventStore, empty_store: EventStore
) -> None:
    in_format_1(store).append([NewEvent("thing-1", "ThingCreated", {"name": "a"})])
    lines = export_text(store).split("\n")
    lines[0] = json.dumps({"log_format": 2})

    with pytest.raises(ImportRefused, match="says chain format 2 but its events are hashed in format 1"):
        import_events(empty_store, lines)

    assert (empty_store.head()[0], empty_store.log_format().number) == (0, 2)


@pytest.mark.parametrize("header", [{"log_format": 3}, {"log_format": "2"}])
def test_an_unknown_format_is_refused(empty_store: EventStore, header: dict[str, object]) -> None:
    with pytest.raises(ImportRefused, match="which this version does not know"):
        import_events(empty_store, [json.dumps(header)])

    assert empty_store.log_format().number == 2


def test_a_store_that_saw_the_log_empty_follows_an_import_done_elsewhere(
    store: EventStore, empty_store: EventStore
) -> None:
    in_format_1(store).append([NewEvent("thing-1", "ThingCreated", PLEDGE)])
    watching = EventStore(empty_store.engine, make_registry())
    assert watching.head()[1] == FORMATS[2].genesis  # it has seen an empty format-2 log

    import_events(empty_store, io.StringIO(export_text(store)))
    watching.append([NewEvent("thing-2", "ThingCreated", PLEDGE)])

    assert_chain(watching, 1)
    assert watching.verify().ok
