"""Database engines for the store: SQLite tuned for durable appends; PostgreSQL with a connect timeout and TCP
keepalives, so that a database host gone silent costs a request seconds, not minutes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url

SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
#: How long a new PostgreSQL connection may take (seconds; libpq's `connect_timeout`, at least 2) before the request
#: that wanted it is answered "unavailable, try again". Without it a host that takes the connection and says nothing
#: holds the request for psycopg's own 130 s, past gunicorn's 30 s.
CONNECT_TIMEOUT = 5
#: libpq's TCP settings for a connection whose server vanished without a word (the host down, the network cut): an
#: idle connection is found dead within about a minute (keepalive probes after 30 s of silence, 10 s apart; Linux ends
#: it at the first unanswered probe past `tcp_user_timeout`) rather than the kernel's two hours; one whose statement or
#: COMMIT the server never acknowledges, after 30 s (`tcp_user_timeout`, ms) rather than about 15 minutes of
#: retransmissions. Neither limits a slow statement or a quiet LISTEN: the server acknowledges what it is sent.
TCP_SETTINGS = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def create_engine(
    url: str,
    *,
    sqlite_synchronous: str = "FULL",
    sqlite_busy_timeout_ms: int = 10_000,
    connect_timeout: int = CONNECT_TIMEOUT,
    **engine_options: Any,
) -> Engine:
    """An engine for `url`; on SQLite: WAL, the given `synchronous`, a busy timeout, explicit BEGINs; on PostgreSQL:
    `connect_timeout` and `TCP_SETTINGS` added to the URL's query where it does not set them itself (in the URL,
    every connection made from it has them: the pool's, and the listeners' own, `events.listen`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping: it costs a round trip per append; a dropped connection is detected and
        # replaced by SQLAlchemy when it fails, and the command fails whole (nothing half-written).
        ours = {"connect_timeout": int(connect_timeout), **TCP_SETTINGS}
        libpq = parsed.get_driver_name() in ("psycopg", "psycopg2")  # the drivers that take libpq's settings
        added = {name: str(value) for name, value in ours.items() if libpq and name not in parsed.query}
        made = sa.create_engine(parsed.update_query_dict(added), **engine_options)
        event.listen(made, "handle_error", _note_connecting)
        return made

    synchronous = sqlite_synchronous.upper()
    if synchronous not in SYNCHRONOUS_LEVELS:
        raise ValueError(
            f"SQLite synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}, not {sqlite_synchronous!r}"
        )
    engine = sa.create_engine(parsed, **engine_options)
    event.listen(engine, "handle_error", _note_connecting)
    in_memory = parsed.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions out of the driver's hands so that BEGIN IMMEDIATE is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writer takes the write lock up front: no deadlocks from lock upgrades, waits honour busy_timeout.
        # Straight to the driver: SQLAlchemy's statement machinery would cost more than the BEGIN itself.
        mode = "BEGIN IMMEDIATE" if connection.get_execution_options().get("writer") else "BEGIN DEFERRED"
        try:
            connection.connection.driver_connection.execute(mode)  # type: ignore[union-attr]
        except sqlite3.Error as error:  # as SQLAlchemy would raise it (sa.exc.OperationalError: database is locked)
            raise sa.exc.DBAPIError.instance(mode, None, error, sqlite3.Error) from error

    return engine


def _note_connecting(context: ExceptionContext) -> None:
    """Marks SQLAlchemy's error for a failure to connect (the database down, or refusing us: the only errors with no
    connection) `connecting`, so that the edge answers it as unavailable for now, not as a fault."""
    if context.connection is None and context.sqlalchemy_exception is not None:
        context.sqlalchemy_exception.connecting = True  # type: ignore[attr-defined]


def lost(engine: Engine, pooled: Any, error: BaseException, driver: Any, cursor: Any = None) -> bool:
    """Whether the driver's `error` says its connection `driver` is gone. If so, as SQLAlchemy does for its own
    statements, `pooled` (the pool's wrapper of `driver`, perhaps invalidated already) is invalidated and so is every
    other connection the pool made before it, replaced at its next checkout: after a database restart one request
    fails, not one per pooled connection. (`Pool._invalidate` is SQLAlchemy's private name for it, pinned by
    `sqlalchemy<2.2`.)"""
    if not engine.dialect.is_disconnect(error, driver, cursor):  # type: ignore[arg-type]
        return False
    engine.pool._invalidate(pooled, error)  # noqa: SLF001
    return True


def is_sqlite(engine_or_connection: Engine | Connection) -> bool:
    """True when the engine or connection talks to SQLite."""
    return engine_or_connection.dialect.name == "sqlite"


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads outside any write transaction.

    On PostgreSQL in autocommit: a read costs its own round trips only, not a BEGIN before it and a ROLLBACK
    when the connection goes back to the pool (two more waits per lookup, which a signature made eight of).
    Nothing is lost by it: in READ COMMITTED every statement reads a snapshot of its own, in a transaction or
    not. On SQLite as it comes (a read transaction there is a local call, not a round trip).
    """
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
