"""The store's write transactions: the one callers take (`transaction`), and the append's own (`_writing`).

An append given no `within` (no inline projections to run in its transaction) needs no SQLAlchemy
connection: it takes the pool's driver connection straight, and on SQLite begins and commits on it
(BEGIN IMMEDIATE, after its turn in the writers' queue); on PostgreSQL the append itself sends the
BEGIN with its first statements and the COMMIT with its insert (events/sql.py), so that it costs two
round trips. Every other write goes through a SQLAlchemy connection, as the projections need one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from events.engine import lost
from events.sql import APPEND_LOCK_KEY, Statements
from events.turns import queued


class Writing:
    """Write transactions for EventStore (which sets the engines, the lock file and the statements)."""

    engine: Engine
    _writer_engine: Engine  # `engine` with writer=True: its transactions BEGIN IMMEDIATE on SQLite
    _writer_lock: str | None
    _sqlite: bool
    _sql: Statements

    @contextmanager
    def transaction(self, lock: bool = True, durable: bool = True) -> Iterator[Connection]:
        """A write transaction (with the append lock unless `lock` is False); commits or rolls back.

        `durable=False` is for bookkeeping that may be repeated (what the notification loop sent): the
        commit survives the process being killed but need not reach the disk before it returns (SQLite's
        WAL with synchronous=NORMAL, PostgreSQL's synchronous_commit=off); never for events. On SQLite
        every write transaction is exclusive anyway (BEGIN IMMEDIATE); writers first queue (`turns.queued`).
        """
        with queued(self._writer_lock), self._writer_engine.connect() as connection:
            raw = connection.connection.driver_connection if not durable and self._sqlite else None
            level = raw.execute("PRAGMA synchronous").fetchone()[0] if raw is not None else 2
            if raw is not None:
                raw.execute("PRAGMA synchronous=NORMAL")  # only outside a transaction
            try:
                with connection.begin():
                    if lock and not self._sqlite:
                        connection.exec_driver_sql(self._sql.lock, (APPEND_LOCK_KEY,))
                    if not durable and not self._sqlite:
                        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    yield connection
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA synchronous={int(level)}")

    @contextmanager
    def _writing(self, connection: Connection | None, bare: bool) -> Iterator[tuple[Connection | None, Any, bool]]:
        """The append's transaction: (SQLAlchemy connection or None, driver connection, whether it is ours).

        The caller's (which holds the append lock), else a bare one of our own if `bare`, else our own
        through SQLAlchemy without the lock yet. On PostgreSQL our own transaction's BEGIN is sent by the
        append with its first statements (psycopg, in autocommit meanwhile, sends none of its own); the
        server's transaction block holds every statement until the COMMIT.
        """
        if connection is not None:
            yield connection, connection.connection.dbapi_connection, False
        elif bare:
            with queued(self._writer_lock):
                dialect = self.engine.dialect
                try:
                    pooled = self.engine.raw_connection()
                except dialect.loaded_dbapi.Error as error:  # no connection to be had: as SQLAlchemy raises it
                    refused = DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error, dialect=dialect)
                    refused.connecting = True  # type: ignore[attr-defined]  # (`events.engine._note_connecting`)
                    raise refused from error
                raw = pooled.dbapi_connection
                try:
                    with self._driver_transaction(raw, pooled.invalidate) as driver:
                        yield None, driver, True
                except dialect.loaded_dbapi.Error as error:
                    if lost(self.engine, pooled, error, raw):  # raised as SQLAlchemy raises it
                        base = dialect.loaded_dbapi.Error
                        raise DBAPIError.instance(
                            "(an append)", None, error, base, connection_invalidated=True, dialect=dialect
                        ) from error
                    raise
                finally:
                    pooled.close()
        elif self._sqlite:
            with self.transaction(lock=False) as own:
                yield own, own.connection.dbapi_connection, True
        else:
            with self._writer_engine.connect() as own:
                with self._autocommit(own.connection.dbapi_connection, own.invalidate), own.begin():
                    yield own, own.connection.dbapi_connection, True

    @contextmanager
    def _driver_transaction(self, driver: Any, invalidate: Callable[[], None]) -> Iterator[Any]:
        """BEGIN (SQLite; the append sends it on PostgreSQL), then COMMIT, or ROLLBACK on an error."""
        with self._autocommit(driver, invalidate) if not self._sqlite else nullcontext():
            if self._sqlite:
                driver.execute("BEGIN IMMEDIATE")
            try:
                yield driver
            except BaseException:
                driver.rollback()
                raise
            driver.commit()  # on PostgreSQL a no-op when the append committed with its insert

    @contextmanager
    def _autocommit(self, driver: Any, invalidate: Callable[[], None]) -> Iterator[None]:
        """On PostgreSQL, psycopg in autocommit while the block runs (back to transactions afterwards)."""
        driver.autocommit = True
        try:
            yield
        finally:
            try:
                driver.autocommit = False
            except Exception:  # noqa: BLE001 - a broken connection: never back to the pool in autocommit
                invalidate()
