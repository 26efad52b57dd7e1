"""A database that went away (restarted, its connections cut): one statement fails, not one per pooled connection;
one that takes no connections: a statement fails as SQLAlchemy's error, recording nothing.

Cut connections on PostgreSQL only (a SQLite file does not go away). The pool's connections are all cut at once, as
a server restart cuts them; the first statement that meets a dead connection fails as SQLAlchemy's error with
`connection_invalidated`, and every other connection the pool made before it is dropped too
(`events.engine.lost`, as SQLAlchemy does for its own statements), so the next statement connects afresh.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from events import EventStore, NewEvent, create_engine, driver
from events.engine import CONNECT_TIMEOUT, TCP_SETTINGS

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


@contextmanager
def silent_server() -> Iterator[str]:
    """A PostgreSQL URL whose host takes the TCP connection and then never says a word (a server hung, or a host
    behind a network that swallows what is sent): on loopback, the kernel completes the handshake and nobody reads."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        yield f"postgresql+psycopg://root@127.0.0.1:{listening.getsockname()[1]}/test"


def test_a_database_that_never_answers_is_given_up_on_after_the_connect_timeout() -> None:
    with silent_server() as url:
        engine = create_engine(url, connect_timeout=2)  # libpq's least
        began = time.monotonic()
        with pytest.raises(sa.exc.OperationalError) as raised, engine.connect():
            pass
        waited = time.monotonic() - began
        engine.dispose()

    assert 1.5 <= waited < 8, waited  # not psycopg's own 130 s
    assert getattr(raised.value, "connecting", False)  # answered as unavailable for now (503), not as a fault


def test_connections_are_made_with_the_timeout_and_tcp_settings_unless_the_url_says_otherwise() -> None:
    def asked(url: str, **options: Any) -> dict[str, Any]:
        engine = create_engine(url, **options)
        seen: dict[str, Any] = {}

        def capture(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
            seen.update(params)
            raise engine.dialect.loaded_dbapi.OperationalError("not connecting (by the test)")

        sa.event.listen(engine, "do_connect", capture)
        with pytest.raises(sa.exc.OperationalError), engine.connect():
            pass
        return seen

    plain = asked("postgresql+psycopg://root@127.0.0.1:1/test")
    assert plain["connect_timeout"] == str(CONNECT_TIMEOUT)
    assert {name: plain[name] for name in TCP_SETTINGS} == {name: str(value) for name, value in TCP_SETTINGS.items()}
    assert asked("postgresql+psycopg://root@127.0.0.1:1/test", connect_timeout=7)["connect_timeout"] == "7"
    own = asked("postgresql+psycopg://root@127.0.0.1:1/test?connect_timeout=9&keepalives_idle=120")
    assert (own["connect_timeout"], own["keepalives_idle"], own["keepalives_count"]) == ("9", "120", "3")
    assert "connect_timeout" not in asked("sqlite://")  # SQLite has no such thing


@postgres_only
def test_a_real_connection_carries_the_timeout_and_tcp_settings(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        parameters = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
    assert parameters.get("keepalives", "1") == "1"  # libpq's default, so perhaps not listed
    for name in ("keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"):
        assert parameters[name] == str(TCP_SETTINGS[name])
    assert parameters["connect_timeout"] == str(CONNECT_TIMEOUT)
