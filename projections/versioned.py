"""Versioned rows: each row says between which log positions it was true.

A change never overwrites a row: it closes the current one (`until_position`) and inserts the new
version (`from_position`). "As it is now" reads the open rows; "as it was at position P" reads the
rows with `from_position <= P < until_position`. Both come from the same rows, so the past view
and the present one cannot disagree on how events are read.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, Table, and_, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from projections import deferred

POSITION = BigInteger().with_variant(Integer, "sqlite")


def version_columns() -> list[Column[Any]]:
    """The two columns every versioned table carries."""
    return [
        Column("from_position", POSITION, primary_key=True),
        Column("until_position", POSITION, nullable=True, index=True),
    ]


def valid_at(table: Table, position: int | None) -> ColumnElement[bool]:
    """The rows true at `position` (None: the rows true now)."""
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

    def _where(self, ids: dict[str, Any]) -> ColumnElement[bool]:
        return and_(*(self.table.c[name] == ids[name] for name in self.key), self.table.c.until_position.is_(None))

    def current(self, connection: Connection, ids: dict[str, Any]) -> dict[str, Any] | None:
        """The open version of a row, if any."""
        if isinstance(connection, deferred.Deferred):  # a replay: held in memory, or read back
            return connection.current(self, ids, lambda c: self.current(c, ids))
        row = connection.execute(select(self.table).where(self._where(ids))).mappings().first()
        return None if row is None else dict(row)

    def start(self, connection: Connection, position: int, values: dict[str, Any]) -> None:
        """A new row, true from `position` (closing any open version with the same key)."""
        self.end(connection, position, values)
        row = {**values, "from_position": position, "until_position": None}
        if isinstance(connection, deferred.Deferred):
            connection.opened(self, row)
        else:
            connection.execute(insert(self.table), row)

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
        ended = connection.execute(
            update(self.table)
            .where(self._where(ids))
            .values(until_position=position)
            .returning(*(self.table.c[name] for name in kept))
        ).first()
        row = values(None if ended is None else dict(ended._mapping))
        connection.execute(insert(self.table), {**row, "from_position": position, "until_position": None})

    def end(self, connection: Connection, position: int, ids: dict[str, Any]) -> None:
        """The row stops being true at `position`."""
        if isinstance(connection, deferred.Deferred):
            connection.closed(self, ids, position, lambda c: self.end(c, position, ids))
            return
        connection.execute(update(self.table).where(self._where(ids)).values(until_position=position))
