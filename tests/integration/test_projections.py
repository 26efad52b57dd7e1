"""The projection runner's contract, run against every backend (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from events import EventStore, NewEvent, RecordedEvent
from projections import Projection, ProjectionRunner, StreamCatalogue, UnknownProjection, checkpoints, stream_heads

ledger_metadata = sa.MetaData()
ledger = sa.Table(
    "applied_events",
    ledger_metadata,
    # The primary key makes a second application of the same event fail loudly.
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(100), nullable=False),
)


class Ledger(Projection):
    """Records every event it is given; can be told to fail on one position."""

    name = "ledger"
    tables = (ledger,)

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        connection.execute(sa.insert(ledger), [{"position": e.position, "type": e.type} for e in events])
        if any(e.position == self.fail_at for e in events):
            raise RuntimeError(f"projection failed at position {self.fail_at}")


class RenamesOnly(Ledger):
    """A ledger of ThingRenamed events only."""

    name = "renames"
    types = frozenset({"ThingRenamed"})


def created(stream: str) -> NewEvent:
    return NewEvent(stream, "ThingCreated", {"name": "a thing"})


def renamed(stream: str) -> NewEvent:
    return NewEvent(stream, "ThingRenamed", {"name": "b", "reason": "r"})


@pytest.fixture
def store(store: EventStore) -> EventStore:
    """The store, with the test ledger's table next to the read models."""
    ledger_metadata.create_all(store.engine)
    return store


def fill(store: EventStore) -> int:
    """Append seven events over three streams in four appends; return the head position."""
    store.append([created("thing-1"), created("thing-2")])
    store.append([renamed("thing-1")])
    store.append([created("other-3"), renamed("thing-2"), renamed("thing-1")])
    return store.append([created("thing-4")]).last_position


def rows(store: EventStore, table: sa.Table) -> list[tuple[Any, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key))]


def checkpoint(store: EventStore, name: str) -> int | None:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(checkpoints.c.position).where(checkpoints.c.name == name)).scalar()


def applied(store: EventStore) -> list[int]:
    return [position for position, _ in rows(store, ledger)]


def test_catch_up_applies_every_event_once_and_moves_the_checkpoint_to_the_head(store: EventStore) -> None:
    head = fill(store)
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()])

    assert runner.catch_up() == head

    assert applied(store) == list(range(1, head + 1))
    assert checkpoint(store, "ledger") == checkpoint(store, "streams") == head
    assert [(stream, version) for stream, _, version, *_ in rows(store, stream_heads)] == [
        ("other-3", 1),
        ("thing-1", 3),
        ("thing-2", 2),
        ("thing-4", 1),
    ]


def test_a_second_catch_up_applies_nothing(store: EventStore) -> None:
    head = fill(store)
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()])
    runner.catch_up()

    assert runner.catch_up() == 0
    assert applied(store) == list(range(1, head + 1))


def test_catch_up_reads_only_what_was_appended_since_the_last_one(store: EventStore) -> None:
    runner = ProjectionRunner(store, [Ledger()])
    store.append([created("thing-1")])
    runner.catch_up()

    store.append([created("thing-2"), created("thing-3")])

    assert runner.catch_up() == 2
    assert applied(store) == [1, 2, 3]


def test_within_append_updates_the_read_model_in_the_appends_transaction(store: EventStore) -> None:
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()])
    seen: list[list[int]] = []

    def then_read(connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
        runner.within_append(connection, recorded)
        seen.append([p for (p,) in connection.execute(sa.select(ledger.c.position).order_by(ledger.c.position))])

    store.append([created("thing-1"), renamed("thing-1")], within=then_read)

    assert seen == [[1, 2]]
    assert rows(store, stream_heads)[0][:4] == ("thing-1", "thing", 2, 2)
    assert checkpoint(store, "streams") == checkpoint(store, "ledger") == 2


def test_a_projection_error_within_the_append_rolls_the_append_back(store: EventStore) -> None:
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger(fail_at=2)])
    store.append([created("thing-1")], within=runner.within_append)

    with pytest.raises(RuntimeError, match="position 2"):
        store.append([created("thing-2")], within=runner.within_append)

    assert store.head()[0] == 1
    assert applied(store) == [1]
    assert [row[0] for row in rows(store, stream_heads)] == ["thing-1"]
    assert checkpoint(store, "streams") == checkpoint(store, "ledger") == 1


def test_within_append_first_catches_up_a_projection_that_is_behind(store: EventStore) -> None:
    store.append([created("thing-1"), created("thing-2")])
    runner = ProjectionRunner(store, [Ledger()])

    store.append([created("thing-3")], within=runner.within_append)

    assert applied(store) == [1, 2, 3]
    assert checkpoint(store, "ledger") == 3


def test_a_crash_mid_catch_up_advances_nothing_and_the_retry_applies_each_event_once(store: EventStore) -> None:
    head = fill(store)
    failing = Ledger(fail_at=5)
    runner = ProjectionRunner(store, [StreamCatalogue(), failing])

    with pytest.raises(RuntimeError, match="position 5"):
        runner.catch_up()

    assert applied(store) == [] and rows(store, stream_heads) == []
    assert checkpoint(store, "ledger") in (None, 0) and checkpoint(store, "streams") in (None, 0)

    failing.fail_at = None
    assert runner.catch_up() == head
    assert applied(store) == list(range(1, head + 1))
    assert len(rows(store, stream_heads)) == 4


def test_a_crash_in_a_later_chunk_keeps_the_chunks_already_committed(store: EventStore) -> None:
    head = fill(store)
    failing = Ledger(fail_at=5)
    runner = ProjectionRunner(store, [failing], chunk=3)

    with pytest.raises(RuntimeError):
        runner.catch_up()
    assert (applied(store), checkpoint(store, "ledger")) == ([1, 2, 3], 3)

    failing.fail_at = None
    runner.catch_up()
    assert applied(store) == list(range(1, head + 1))


def test_types_filter_skips_other_events_but_still_moves_the_checkpoint_to_the_head(store: EventStore) -> None:
    head = fill(store)
    store.append([created("thing-9")])
    runner = ProjectionRunner(store, [RenamesOnly()])

    runner.catch_up()

    assert rows(store, ledger) == [(3, "ThingRenamed"), (5, "ThingRenamed"), (6, "ThingRenamed")]
    assert checkpoint(store, "renames") == head + 1


def test_types_filter_applies_within_the_append_too(store: EventStore) -> None:
    runner = ProjectionRunner(store, [RenamesOnly()])

    store.append([created("thing-1")], within=runner.within_append)
    store.append([created("thing-2"), renamed("thing-1")], within=runner.within_append)

    assert applied(store) == [3]
    assert checkpoint(store, "renames") == 3


def test_rebuild_gives_the_same_read_model_as_building_incrementally(store: EventStore) -> None:
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()])
    store.append([created("thing-1"), created("thing-2")], within=runner.within_append)
    store.append([renamed("thing-1")], within=runner.within_append)
    store.append([created("other-3"), renamed("thing-2"), renamed("thing-1")], within=runner.within_append)
    incremental = rows(store, stream_heads), rows(store, ledger)
    progress: list[int] = []

    runner.rebuild(progress=progress.append)

    assert (rows(store, stream_heads), rows(store, ledger)) == incremental
    assert sum(progress) == store.head()[0]  # the log is read once for every projection
    assert checkpoint(store, "streams") == checkpoint(store, "ledger") == 6


def test_rebuild_of_one_projection_reports_progress_adding_up_to_the_head(store: EventStore) -> None:
    head = fill(store)
    runner = ProjectionRunner(store, [StreamCatalogue(), RenamesOnly()])
    runner.catch_up()
    progress: list[int] = []

    runner.rebuild(["renames"], progress=progress.append)

    assert sum(progress) == head
    assert applied(store) == [3, 5, 6]


def test_chunked_catch_up_still_applies_everything_once(store: EventStore) -> None:
    store.append([created(f"thing-{i}") for i in range(10)])
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()], chunk=3)
    progress: list[int] = []

    assert runner.catch_up(progress=progress.append) == 10

    assert applied(store) == list(range(1, 11))
    assert len(rows(store, stream_heads)) == 10
    assert sum(progress) == 2 * 10


def test_status_reports_checkpoint_head_and_lag(store: EventStore) -> None:
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()])
    store.append([created("thing-1"), created("thing-2")])
    runner.catch_up(["streams"])
    store.append([created("thing-3")])

    status = {s.name: (s.position, s.head, s.lag) for s in runner.status()}

    assert status == {"streams": (2, 3, 1), "ledger": (0, 3, 3)}


def test_select_of_an_unknown_name_names_the_known_ones(store: EventStore) -> None:
    runner = ProjectionRunner(store, [StreamCatalogue(), Ledger()])

    with pytest.raises(UnknownProjection, match="nope; known: streams, ledger"):
        runner.select(["nope"])
    assert [p.name for p in runner.select(["ledger"])] == ["ledger"]


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Poll `condition` until it holds or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_run_picks_up_an_append_made_after_it_started(store: EventStore, caplog: pytest.LogCaptureFixture) -> None:
    """On PostgreSQL only the NOTIFY can wake it in time: the idle wait is far longer than the deadline. A catch-up
    that fails is logged, not raised (`events.follow`): the log tells it here."""
    runner = ProjectionRunner(store, [Ledger()])
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop, 60), daemon=True)
    thread.start()
    try:
        wait_until(lambda: checkpoint(store, "ledger") is not None or "failed" in caplog.text)  # caught up, waiting
        store.append([created("thing-1")])
        wait_until(lambda: applied(store) == [1] or "failed" in caplog.text)
        assert applied(store) == [1], caplog.text
    finally:
        stop.set()  # a wait looks at it every second
        thread.join(timeout=10)
    assert not thread.is_alive() and "catching up the projections failed" not in caplog.text
