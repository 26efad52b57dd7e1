"""Deferred writes for replays: the projections' own functions, their inserts written many rows at a time.

A rebuild hands each projection a `Deferred` in place of its connection. Plain inserts wait in memory
and are written together (one executemany per table); the versioned rows a replay touches are known
in memory (`projections.versioned` asks here first), so opening, changing and closing them costs no
round trip. Every other statement (a read, an update, a delete, an upsert) first writes everything
that waits and then runs as given, so each statement sees what the ones before it wrote: the
projections run unchanged, with the semantics of the incremental path.

When the replay started on empty tables (`empty=True`), a key this writer never wrote has no row: a
bitmap of the keys written so far (one bit per hash, fixed size) answers "surely not" without asking
the database; a key it may have written, but no longer holds in memory, is read back with SQL.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.util import find_tables

if TYPE_CHECKING:
    from projections.versioned import Versioned

Row = dict[str, Any]
#: Bits in the bitmap of written keys: 2**26 bits (8 MiB) keeps false "maybe"s near 1 % at 700,000 keys.
BITMAP_BITS = 1 << 26


def _plain(statement: Any) -> bool:
    """A bare `insert(table)` whose rows come as parameters (no values, returning, upsert or select)."""
    return (
        type(statement) is Insert
        and statement._values is None
        and not statement._multi_values
        and statement.select is None
        and not statement._returning
    )


#: The tables each read names, for statements built once and sent many times (the projections' own): walking a
#: statement's tree costs more than running it. Weak keys: a statement built per call is forgotten with it.
_TABLES_READ: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()


def _read_tables(statement: Any) -> frozenset[str]:
    """The names of the tables a read reads, joins included."""
    known = _TABLES_READ.get(statement)
    if known is None:
        found = find_tables(statement, include_joins=True, include_aliases=True)  # joins too: only tables are named
        known = _TABLES_READ[statement] = frozenset(
            table.name for table in found if isinstance(getattr(table, "name", None), str)
        )
    return known


class Deferred:
    """A connection for replays: inserts wait and go out together, versioned rows are kept in memory.

    `keep`: how many versioned rows to hold in memory at most (past it, the ones already written are
    dropped at the next flush), so memory stays bounded whatever the length of the log.
    """

    def __init__(self, connection: Connection, *, empty: bool, keep: int = 20_000) -> None:
        self.connection = connection
        self.empty = empty
        self.keep = keep
        self._inserts: dict[Table, list[Row]] = {}
        self._closings: dict[Table, list[Row]] = {}  # rows already written whose until_position is now set
        # (table name, key values) -> [the open row, its table's flush generation when it was added]
        self._open: dict[tuple[Any, ...], list[Any]] = {}
        self._generations: dict[str, int] = {}  # per table: how many times its waiting rows were written
        self._written = bytearray(BITMAP_BITS // 8)  # keys whose open row may be in the database
        self.flushes = 0
        self.lookups = 0  # versioned rows read back with SQL

    @property
    def dialect(self) -> Any:
        """The dialect of the connection underneath."""
        return self.connection.dialect

    def bind(self, connection: Connection) -> None:
        """Write through `connection` from now on (the next transaction of the same replay)."""
        self.flush()
        self.connection = connection

    # -- any statement ----------------------------------------------------------------------------

    def execute(self, statement: Any, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> Any:
        """Queue a plain insert; run anything else after writing what waits."""
        if parameters is not None and _plain(statement):
            table = statement.table
            rows = [dict(parameters)] if isinstance(parameters, Mapping) else [dict(row) for row in parameters]
            versioned = _VERSIONED.get(table)
            for row in rows:
                if versioned is not None and row.get("until_position") is None:
                    self.opened(versioned, row)
                else:
                    self._inserts.setdefault(table, []).append(row)
            return None
        if hasattr(statement, "selected_columns"):  # a read: only what waits for the tables it reads must go first
            self.flush(_read_tables(statement))
            return self.connection.execute(statement, parameters)
        self.flush()
        # a write run as given may change rows held here: of its table, or of any (text, anything else)
        written = statement.table if isinstance(statement, Insert | Update | Delete) else None
        self._forget(getattr(written, "name", None))
        return self.connection.execute(statement, parameters)

    def __getattr__(self, name: str) -> Any:
        """Anything else a projection asks of its connection: after writing what waits."""
        self.flush()
        return getattr(self.connection, name)

    # -- versioned rows ---------------------------------------------------------------------------

    @staticmethod
    def _key(versioned: Versioned, ids: Mapping[str, Any]) -> tuple[Any, ...]:
        return (versioned.table.name, versioned.key_of(ids))

    def _may_be_written(self, key: tuple[Any, ...]) -> bool:
        if not self.empty:
            return True
        bit = hash(key) % BITMAP_BITS
        return bool(self._written[bit >> 3] & (1 << (bit & 7)))

    def current(
        self, versioned: Versioned, ids: Mapping[str, Any], read: Callable[[Connection], Row | None]
    ) -> Row | None:
        """The open row of `ids`: from memory, else nothing if it surely has none, else `read` from the database."""
        key = self._key(versioned, ids)
        held = self._open.get(key)
        if held is not None:
            return dict(held[0])
        if not self._may_be_written(key):
            return None
        self.flush({versioned.table.name})
        self.lookups += 1
        found = read(self.connection)
        if found is not None:
            self._open[key] = [found, -1]  # written already
            return dict(found)
        return None

    def opened(self, versioned: Versioned, row: Row) -> None:
        """A new open row, to be inserted."""
        self._inserts.setdefault(versioned.table, []).append(row)
        self._open[self._key(versioned, row)] = [row, self._generations.get(versioned.table.name, 0)]

    def closed(
        self, versioned: Versioned, ids: Mapping[str, Any], position: int, close: Callable[[Connection], None]
    ) -> None:
        """The open row of `ids` stops being true at `position`; `close` does it in SQL when it is not held here."""
        key = self._key(versioned, ids)
        held = self._open.pop(key, None)
        if held is not None:
            row, generation = held
            if generation == self._generations.get(versioned.table.name, 0):  # not written yet
                row["until_position"] = position
            else:
                primary = {f"k_{column.name}": row[column.name] for column in versioned.table.primary_key.columns}
                self._closings.setdefault(versioned.table, []).append({**primary, "k_until": position})
            return
        if self._may_be_written(key):
            self.flush({versioned.table.name})
            self.lookups += 1
            close(self.connection)

    # -- writing ----------------------------------------------------------------------------------

    def flush(self, names: AbstractSet[str] | None = None) -> None:
        """Write the waiting inserts and closings (of the tables named, or all), one executemany per table and shape."""
        inserts = {t: rows for t, rows in self._inserts.items() if names is None or t.name in names}
        closings = {t: rows for t, rows in self._closings.items() if names is None or t.name in names}
        if not inserts and not closings:
            return
        self.flushes += 1
        for table in inserts:
            del self._inserts[table]
        for table in closings:
            del self._closings[table]
        for table in {*inserts, *closings}:
            self._generations[table.name] = self._generations.get(table.name, 0) + 1
        for table, rows in inserts.items():
            shapes: dict[tuple[str, ...], list[Row]] = {}
            for row in rows:
                shapes.setdefault(tuple(row), []).append(row)
            for columns, shaped in shapes.items():
                sql, order, processors = _insert_sql(table, columns, self.connection.dialect)
                named = order is None
                values: list[Any] = shaped if order is None else [tuple(map(row.__getitem__, order)) for row in shaped]
                if processors:
                    changed: list[Any] = [dict(row) for row in shaped] if named else [list(row) for row in values]
                    for row in changed:
                        for index, process in processors:
                            row[index] = process(row[index])
                    values = changed if named else [tuple(row) for row in changed]
                self.connection.exec_driver_sql(sql, values)
            versioned = _VERSIONED.get(table)
            if versioned is not None and self.empty:
                for row in rows:
                    if row.get("until_position") is None:
                        bit = hash(self._key(versioned, row)) % BITMAP_BITS
                        self._written[bit >> 3] |= 1 << (bit & 7)
        for table, changes in closings.items():
            match = and_(*(column == bindparam(f"k_{column.name}") for column in table.primary_key.columns))
            self.connection.execute(update(table).where(match).values(until_position=bindparam("k_until")), changes)
        if names is None and len(self._open) > self.keep:
            self._open.clear()  # all written: the database holds them, the bitmap knows their keys

    def _forget(self, name: str | None) -> None:
        """Drop the rows held of table `name` (all if None): a statement run as given may have changed them."""
        if name is None:
            self._open.clear()
        elif any(table.name == name for table in _VERSIONED):
            self._open = {key: held for key, held in self._open.items() if key[0] != name}


@functools.lru_cache(maxsize=256)
def _insert_sql(
    table: Table, columns: tuple[str, ...], dialect: Any
) -> tuple[str, tuple[str, ...] | None, tuple[tuple[Any, Callable[[Any], Any]], ...]]:
    """The driver's SQL of a plain insert of `columns`, its parameters' order (None: named), and the converters:
    (parameter name or index, the column type's bind processor, as SQLAlchemy would apply it).

    Sent with `exec_driver_sql`, the rows skip SQLAlchemy's per-row work (a date becomes text on SQLite, as
    `execute(insert(table), rows)` would make it).
    """
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    found = {name: cast("Callable[[Any], Any]", p) for name, p in compiled._bind_processors.items() if p is not None}
    order = compiled.positiontup
    if order is None:  # named: the rows are passed as they are (dicts keyed by column)
        return compiled.string, None, tuple((name, process) for name, process in found.items())
    return compiled.string, tuple(order), tuple((order.index(name), process) for name, process in found.items())


#: Every versioned table and its writer (filled by `Versioned.__init__`).
_VERSIONED: dict[Table, Versioned] = {}


def register(versioned: Versioned) -> None:
    """Make a versioned table known, so that plain inserts into it are held as its open rows."""
    _VERSIONED[versioned.table] = versioned
