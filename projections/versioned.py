"""Versioned rows: each row says between which log positions it was true.

A change never overwrites a row: it closes the current one (`until_position`) and inserts the new
version (`from_position`). "As it is now" reads the open rows; "as it was at position P" reads the
rows with `from_position <= P < until_position`. Both come from the same rows, so the past view
and the present one cannot disagree on how events are read.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import Insert, Select, Update

from events import driver
from projections import deferred

POSITION = BigInteger().with_variant(Integer, "sqlite")


def version_columns() -> list[Column[Any]]:
    """The two columns every versioned table carries."""
    return [
        Column("from_position", POSITION, primary_key=True),
        Column("until_position", POSITION, nullable=True, index=True),
    ]


def valid_at(table: Table, position: int | BindParameter[Any] | None) -> ColumnElement[bool]:
    """The rows true at `position` (None: the rows true now; a bound parameter: a statement built once)."""
    if position is None:
        return table.c.until_position.is_(None)
    return and_(
        table.c.from_position <= position, or_(table.c.until_position.is_(None), table.c.until_position > position)
    )


class Versioned:
    """Writes one versioned table, whose rows are identified by `key` columns."""

    def __init__(self, table: Table, *key: str) -> None:
        self.table = table
        self.key = key
        self.key_of = operator.itemgetter(*key)  # the key values of a row or ids (a tuple when several)
        deferred.register(self)

    # Each statement is built once per table and sent with its values as parameters: building a SQLAlchemy
    # statement costs several times what executing a built one does, and these run for every event.
    # Key values go in as `k_<column>` (an UPDATE would take a column's own name for a value to set).

    def _ids(self, ids: dict[str, Any]) -> dict[str, Any]:
        return {f"k_{name}": ids[name] for name in self.key}

    @functools.cached_property
    def _where(self) -> ColumnElement[bool]:
        return and_(
            *(self.table.c[name] == bindparam(f"k_{name}") for name in self.key), self.table.c.until_position.is_(None)
        )

    @functools.cached_property
    def _read(self) -> Select[Any]:
        return select(self.table).where(self._where)

    @functools.cached_property
    def _insert(self) -> Insert:
        return insert(self.table)

    @functools.cached_property
    def _end(self) -> Update:
        return update(self.table).where(self._where).values(until_position=bindparam("v_until"))

    @functools.cache  # noqa: B019 (one Versioned per table, for the life of the process)
    def _end_returning(self, kept: tuple[str, ...]) -> Update:
        return self._end.returning(*(self.table.c[name] for name in kept))

    def current(self, connection: Connection, ids: dict[str, Any]) -> dict[str, Any] | None:
        """The open version of a row, if any."""
        if isinstance(connection, deferred.Deferred):  # a replay: held in memory, or read back
            return connection.current(self, ids, lambda c: self.current(c, ids))
        return driver.first(connection, self._read, self._ids(ids))

    def start(self, connection: Connection, position: int, values: dict[str, Any]) -> None:
        """A new row, true from `position` (closing any open version with the same key)."""
        self.end(connection, position, values)
        row = {**values, "from_position": position, "until_position": None}
        if isinstance(connection, deferred.Deferred):
            connection.opened(self, row)
        else:
            driver.send(connection, self._insert, row)

    def change(self, connection: Connection, position: int, ids: dict[str, Any], **values: Any) -> None:
        """A new version of an existing row with some values changed; nothing if there is no such row."""
        row = self.current(connection, ids)
        if row is not None:
            self.start(connection, position, {**row, **values})

    def replace(
        self,
        connection: Connection,
        position: int,
        ids: dict[str, Any],
        kept: Sequence[str],
        values: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> None:
        """`start` in two statements: the open version (if any) ends and hands back its `kept` columns, from
        which `values` makes the new row (its key included). In a replay (`deferred.Deferred`) the open version
        is the one held in memory: read and replaced there, with no statement sent."""
        if isinstance(connection, deferred.Deferred):
            held = self.current(connection, ids)
            row = values(None if held is None else {name: held[name] for name in kept})
            self.start(connection, position, row)
            return
        ended = driver.first(connection, self._end_returning(tuple(kept)), {**self._ids(ids), "v_until": position})
        row = values(ended)
        driver.send(connection, self._insert, {**row, "from_position": position, "until_position": None})

    def end(self, connection: Connection, position: int, ids: dict[str, Any]) -> None:
        """The row stops being true at `position`."""
        if isinstance(connection, deferred.Deferred):
            connection.closed(self, ids, position, lambda c: self.end(c, position, ids))
            return
        driver.send(connection, self._end, {**self._ids(ids), "v_until": position})
