"""What a backup holds, as lines of JSON: a manifest, the instance's key files, then every table but the derived ones.

Generic on purpose: the tables are those the database holds (reflected), so a table another change adds is backed
up without this module knowing it. Left out, and why (`excluded`): the read models every projection owns (rebuilt
from the log after a restore) with their checkpoints, and `alembic_version` (the manifest records the revision; the
migrations write it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, func, insert, select
from sqlalchemy.engine import Connection

from events import EventStore
from events.hashing import FORMATS, recompute_hash
from projections import Projection

#: The format of the lines inside the encryption.
CONTENTS = 1
#: Tables a freshly migrated database already holds rows in: replaced by the backup's rows.
SEEDED = ("log_format", "projection_checkpoints")
BATCH = 1000


class ContentsRefused(ValueError):
    """The backup's contents cannot be restored here; the message says why."""


def excluded(projections: Sequence[Projection]) -> dict[str, str]:
    """The tables a backup leaves out, each with the reason."""
    reasons = {"alembic_version": "the schema's revision: recorded in the manifest, written by the migrations"}
    for projection in projections:
        for table in projection.tables:
            reasons[table.name] = f"read model of the projection {projection.name!r}: rebuilt from the log on restore"
    return reasons


def revision(connection: Connection) -> str | None:
    """The database's migration revision (None when it has never been migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection, leave_out: Iterable[str]) -> list[Table]:
    """Every table the database holds but those left out, parents before children."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    skipped = set(leave_out)
    return [table for table in metadata.sorted_tables if table.name not in skipped]


def _selected(table: Table, projection_names: set[str]) -> Any:
    """The rows of `table` a backup keeps, in key order (the followers' checkpoints but not the projections')."""
    query = select(table).order_by(*(table.primary_key.columns or table.columns))
    if table.name == "projection_checkpoints":
        query = query.where(table.c.name.not_in(projection_names))
    return query


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, (dict, list)):
        return {"$j": value}
    return value


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, inner),) = value.items()
    if tag == "$b":
        return base64.b64decode(inner)
    if tag == "$t":
        return datetime.fromisoformat(inner)
    if tag == "$d":
        return date.fromisoformat(inner)
    if tag == "$n":
        return Decimal(inner)
    if tag == "$j":
        return inner
    raise ContentsRefused(f"the backup holds a value of an unknown kind ({tag!r}): damaged or newer")


def _line(record: Any) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def dump(
    connection: Connection,
    store: EventStore,
    projections: Sequence[Projection],
    files: dict[str, bytes],
    made_at: str,
) -> Iterator[bytes]:
    """The backup's lines, read in the connection's transaction (one snapshot of the whole database)."""
    projection_names = {p.name for p in projections}
    tables = _tables(connection, excluded(projections))
    counts = {
        t.name: connection.execute(
            select(func.count()).select_from(_selected(t, projection_names).subquery())
        ).scalar_one()
        for t in tables
    }
    position, head_hash = store.head(connection)
    yield _line(
        {
            "contents": CONTENTS,
            "made_at": made_at,
            "revision": revision(connection),
            "log_format": store.log_format(connection).number,
            "head": {"position": position, "hash": head_hash},
            "tables": counts,
            "excluded": sorted(excluded(projections)),
            "files": sorted(files),
        }
    )
    for name, data in sorted(files.items()):
        yield _line({"file": name, "data": base64.b64encode(data).decode("ascii")})
    for table in tables:
        yield _line({"table": table.name, "columns": [c.name for c in table.columns]})
        result = connection.execute(
            _selected(table, projection_names), execution_options={"stream_results": True, "yield_per": BATCH}
        )
        for row in result:
            yield _line([_encode(value) for value in row])
        yield _line({"end": table.name})
    yield _line({"end_of_backup": True})


@dataclass
class Manifest:
    """The backup's first line."""

    revision: str | None
    log_format: int
    head: tuple[int, str]
    tables: dict[str, int]
    made_at: str
    files: dict[str, bytes] = field(default_factory=dict)


class Contents:
    """Reads a backup's lines from its decrypted chunks: the manifest and files first, then `load` the tables."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._lines = _split(chunks)
        self._next: Any = None
        self.table: str | None = None  # the table being loaded

    def _read(self) -> Any:
        if self._next is not None:
            found, self._next = self._next, None
            return found
        line = next(self._lines, None)
        if line is None:
            raise ContentsRefused("the backup ends before its last table: it was cut short when made")
        try:
            return json.loads(line)
        except ValueError:
            raise ContentsRefused("the backup's contents are not readable (a line is not JSON)") from None

    def manifest(self) -> Manifest:
        """The manifest and the key files that follow it."""
        first = self._read()
        if not isinstance(first, dict) or first.get("contents") != CONTENTS:
            raise ContentsRefused("the backup's contents are in a format this version does not read")
        head = first["head"]
        found = Manifest(
            first["revision"], first["log_format"], (head["position"], head["hash"]), first["tables"], first["made_at"]
        )
        while isinstance(line := self._read(), dict) and "file" in line:
            found.files[line["file"]] = base64.b64decode(line["data"])
        self._next = line
        return found

    def load(self, connection: Connection, manifest: Manifest) -> dict[str, int]:
        """Insert every table's rows into the (empty) database in the caller's transaction; rows per table."""
        metadata = MetaData()
        metadata.reflect(bind=connection)
        for name in SEEDED:
            if name in metadata.tables and name in manifest.tables:
                connection.execute(metadata.tables[name].delete())
        loaded: dict[str, int] = {}
        chain = _Chain(manifest)
        while True:
            start = self._read()
            if isinstance(start, dict) and start.get("end_of_backup"):
                break
            if not isinstance(start, dict) or "table" not in start:
                raise ContentsRefused("the backup's contents are out of order (a table was expected)")
            name, columns = start["table"], start["columns"]
            table = metadata.tables.get(name)
            if table is None or any(c not in table.c for c in columns):
                raise ContentsRefused(
                    f"the table {name!r} of the backup is not in this database, or differs: migrate it to revision "
                    f"{manifest.revision} first"
                )
            self.table = name
            loaded[name] = self._rows(connection, table, columns, chain if name == "events" else None)
        if loaded != manifest.tables:
            raise ContentsRefused("the backup holds other tables or row counts than its manifest says: damaged")
        chain.finish()
        return loaded

    def _rows(self, connection: Connection, table: Table, columns: list[str], chain: _Chain | None) -> int:
        batch: list[dict[str, Any]] = []
        count = 0
        while isinstance(row := self._read(), list):
            values = dict(zip(columns, (_decode(v) for v in row), strict=True))
            if chain is not None:
                chain.check(values)
            batch.append(values)
            count += 1
            if len(batch) >= BATCH:
                connection.execute(insert(table), batch)
                batch = []
        if batch:
            connection.execute(insert(table), batch)
        if row != {"end": table.name}:
            raise ContentsRefused(f"the backup's table {table.name!r} does not end where it should: damaged")
        return count


class _Chain:
    """Checks the events' hash chain as they go in, as `flask events import` does."""

    def __init__(self, manifest: Manifest) -> None:
        if manifest.log_format not in FORMATS:
            raise ContentsRefused(f"the backup's log is in chain format {manifest.log_format}, unknown here")
        self.chain, self.head = FORMATS[manifest.log_format], manifest.head
        self.previous, self.count = self.chain.genesis, 0

    def check(self, values: dict[str, Any]) -> None:
        self.count += 1
        row = type("Row", (), values)
        if values["position"] != self.count or recompute_hash(self.previous, row, self.chain) != values["hash"]:
            raise ContentsRefused(f"the backup's log does not chain at position {values['position']}: damaged")
        self.previous = values["hash"]

    def finish(self) -> None:
        if (self.count, self.previous) != tuple(self.head):
            raise ContentsRefused("the backup's log does not end at the head its manifest names: damaged")


def _split(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Whole lines from chunks that cut them anywhere."""
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\n")
        yield from lines
    if rest:
        yield rest
