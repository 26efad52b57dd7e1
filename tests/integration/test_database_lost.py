"""A database that went away (restarted, its connections cut): one statement fails, not one per pooled connection;
one that takes no connections: a statement fails as SQLAlchemy's error, recording nothing.

Cut connections on PostgreSQL only (a SQLite file does not go away). The pool's connections are all cut at once, as
a server restart cuts them; the first statement that meets a dead connection fails as SQLAlchemy's error with
`connection_invalidated`, and every other connection the pool made before it is dropped too
(`events.engine.lost`, as SQLAlchemy does for its own statements), so the next statement connects afresh.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from events import EventStore, NewEvent, driver

postgres = pytest.param("postgres", marks=pytest.mark.postgres)
postgres_only = pytest.mark.parametrize("backend", [postgres], indirect=True)

ONE = sa.select(sa.literal(1).label("one"))


def cut_every_pooled_connection(engine: sa.Engine, at_least: int = 3) -> None:
    """Take every connection the pool holds (and a few more), give them back, then end their server processes."""
    taken = [engine.connect() for _ in range(max(at_least, engine.pool.checkedin()))]  # type: ignore[attr-defined]
    backends = [connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() for connection in taken]
    for connection in taken:
        connection.close()
    assert engine.pool.checkedin() == len(taken)  # type: ignore[attr-defined]
    cutter = sa.create_engine(engine.url, poolclass=NullPool)
    try:
        with cutter.connect() as connection:
            for backend in backends:
                connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")  # type: ignore[arg-type]
            deadline = time.monotonic() + 10
            alive = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
            while connection.execute(alive, {"pids": backends}).scalar() and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        cutter.dispose()


@contextmanager
def refusing(engine: sa.Engine) -> Iterator[None]:
    """The database takes no connections (down): each new one is refused, as the driver refuses it."""

    def refuse(dialect: Any, _record: Any, _args: Any, _params: Any) -> None:
        raise dialect.loaded_dbapi.OperationalError("connection refused (by the test)")

    engine.dispose()
    sa.event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        sa.event.remove(engine, "do_connect", refuse)


def test_while_no_connection_is_taken_an_append_fails_as_sqlalchemys_error_and_records_nothing(
    store: EventStore,
) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "before"})])
    with refusing(store.engine):
        for within in (None, lambda _connection, _recorded: None):  # with its projections or without
            with pytest.raises(sa.exc.OperationalError, match="connection refused") as raised:
                store.append([NewEvent("thing-2", "ThingCreated", {"name": "refused"})], within=within)
            assert raised.value.statement is None  # no statement was sent

    store.append([NewEvent("thing-3", "ThingCreated", {"name": "after"})])
    assert [event.stream_id for event in store.read_all()] == ["thing-1", "thing-3"]


@postgres_only
def test_after_the_cut_one_read_fails_as_lost_and_the_next_connects_afresh(engine: sa.Engine) -> None:
    assert driver.lookup(engine, ONE, {}) == {"one": 1}
    cut_every_pooled_connection(engine)

    with pytest.raises(sa.exc.OperationalError) as raised:
        driver.lookup(engine, ONE, {})
    assert raised.value.connection_invalidated

    assert driver.lookup(engine, ONE, {}) == {"one": 1}  # not the next dead connection in the pool
    assert driver.lookup(engine, ONE, {}) == {"one": 1}


@postgres_only
def test_after_the_cut_one_append_fails_as_lost_records_nothing_and_the_next_is_recorded(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "before"})])
    cut_every_pooled_connection(store.engine)

    with pytest.raises(sa.exc.OperationalError) as raised:
        store.append([NewEvent("thing-2", "ThingCreated", {"name": "lost"})])
    assert raised.value.connection_invalidated

    result = store.append([NewEvent("thing-3", "ThingCreated", {"name": "after"})])
    assert (result.first_position, result.last_position) == (2, 2)
    assert [event.stream_id for event in store.read_all()] == ["thing-1", "thing-3"]
    assert store.verify().ok


@postgres_only
def test_after_the_cut_an_append_with_its_projections_fails_as_lost_and_the_next_is_recorded(store: EventStore) -> None:
    """What every command does: the append and the read models in one transaction (`within`)."""
    kept: list[int] = []

    def project(_connection: sa.Connection, recorded: list[Any]) -> None:
        kept.extend(event.position for event in recorded)

    store.append([NewEvent("thing-1", "ThingCreated", {"name": "before"})], within=project)
    cut_every_pooled_connection(store.engine)

    with pytest.raises(sa.exc.OperationalError) as raised:
        store.append([NewEvent("thing-2", "ThingCreated", {"name": "lost"})], within=project)
    assert raised.value.connection_invalidated

    store.append([NewEvent("thing-3", "ThingCreated", {"name": "after"})], within=project)
    assert kept == [1, 2]
    assert [event.stream_id for event in store.read_all()] == ["thing-1", "thing-3"]
