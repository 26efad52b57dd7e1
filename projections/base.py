"""What a projection is, and the checkpoint table every projection keeps its place in."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from events import RecordedEvent, driver

metadata = MetaData()

checkpoints = Table(
    "projection_checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)


class Replay:
    """How a rebuild gives one projection the log (`ProjectionRunner.rebuild`): each batch through its `apply`.

    A projection whose rows are a function of what others hold once a chunk is written may instead note what a
    batch touches (`apply`) and write its rows set-wise at the chunk's end (`done`), a few statements a chunk in
    place of several an event; what it writes must be what `apply`, event by event, would have left there.
    """

    def __init__(self, projection: Projection) -> None:
        self.projection = projection

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """A batch of the chunk, in log order (the writes of the projections before it are visible)."""
        self.projection.apply(connection, events)

    def done(self, connection: Connection, position: int) -> None:
        """The chunk is replayed up to `position` and everything before is written; nothing more by default."""


class Projection:
    """A read model: the tables it owns and how each batch of events changes them."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]] = ()
    #: The event types it reads; None for all. The runner skips the rest in SQL.
    types: ClassVar[frozenset[str] | None] = None

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Apply a batch of events, in log order, inside the runner's transaction."""
        raise NotImplementedError

    def replay(self) -> Replay:
        """How a rebuild replays the log into it (one per rebuild): event by event through `apply` by default."""
        return Replay(self)

    def reset(self, connection: Connection) -> None:
        """Empty the read model before a rebuild."""
        for table in reversed(self.tables):
            connection.execute(delete(table))


#: Ids per IN list, where a read or write names many by id (SQLite's default limit on bound parameters is far above;
#: this keeps statements small).
IN_LIST = 500


def upsert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert rows, or update the existing row with the same key, on SQLite and PostgreSQL."""
    if not rows:
        return
    driver.send(connection, _upsert(connection.dialect.name, table, tuple(rows[0]), tuple(key)), rows)


def add_up(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str], counted: str
) -> None:
    """Insert rows, or add each one's `counted` to the row already there with the same key: an atomic increment,
    whatever runs beside it (a counter the projections keep, so that reads count nothing)."""
    if not rows:
        return
    driver.send(connection, _add_up(connection.dialect.name, table, tuple(key), counted), rows)


def insert_missing(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert the rows whose key is not there yet; leave existing rows alone."""
    if not rows:
        return
    driver.send(connection, _insert_missing(connection.dialect.name, table, tuple(key)), rows)


# Built once per table and columns (building a statement costs more than sending a built one); tables live
# as long as the process, so the caches stay as small as the schema.


@functools.cache
def _upsert(dialect: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...]) -> Any:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    changed = {name: statement.excluded[name] for name in columns if name not in key}
    return statement.on_conflict_do_update(index_elements=list(key), set_=changed)


@functools.cache
def _add_up(dialect: str, table: Table, key: tuple[str, ...], counted: str) -> Any:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=list(key), set_={counted: table.c[counted] + statement.excluded[counted]}
    )


@functools.cache
def _insert_missing(dialect: str, table: Table, key: tuple[str, ...]) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).on_conflict_do_nothing(
        index_elements=list(key)
    )
