"""The event store: atomic, hash-chained appends over one or more streams, and reads in log order."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine, Row

from events import driver
from events.conditions import AppendCondition, check
from events.driver import held
from events.engine import is_sqlite, reading
from events.errors import ConcurrencyConflict, EmptyAppend, InvalidPayload
from events.hashing import LATEST, ChainFormat, verify_chain
from events.personal import keyring_for, seal_texts, sealing
from events.records import AppendResult, Metadata, NewEvent, RecordedEvent, VerifyReport
from events.registry import Registry
from events.scanning import scan
from events.schema import events as events_table
from events.sql import COLUMNS, Statements, read_format, stored_format
from events.turns import writer_lock_path
from events.writing import Writing

if TYPE_CHECKING:
    pass

#: One stream's events after a version (built once: it runs for every command that reads a stream).
_STREAM = (
    select(events_table)
    .where(events_table.c.stream_id == bindparam("stream_id"), events_table.c.version > bindparam("after"))
    .order_by(events_table.c.version)
)

#: A trigger on `events` notifies this channel on PostgreSQL after every insert (see the migrations).
NOTIFY_CHANNEL = "coalition_events"

Clock = Callable[[], datetime]
WithinAppend = Callable[[Connection, Sequence[RecordedEvent]], None]


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@functools.lru_cache(maxsize=4096)  # a replay formats the time of each append's events several times
def format_time(moment: datetime) -> str:
    """The stored form of a time: UTC, ISO 8601, microseconds, a trailing Z; sorts as text.

    (Formatted field by field: `strftime` takes twice as long, and this runs for every append.)"""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    m = moment
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"


def expect(expected: Mapping[str, int | None], versions: Mapping[str, int]) -> None:
    """Raise ConcurrencyConflict if a stream is not at the version the command was decided on (None: any)."""
    for stream, version in expected.items():
        if version is not None and versions[stream] != version:
            raise ConcurrencyConflict(stream, version, versions[stream])


def link(
    prepared: Sequence[tuple[NewEvent, int, str]],
    stored: Sequence[str],
    chain: ChainFormat,
    metadata_text: str,
    recorded_at: str,
    position: int,
    previous: str,
    versions: dict[str, int],
) -> tuple[list[tuple[Any, ...]], int, str]:
    """The rows of one append after `position` (whose hash is `previous`), each chained to the one before.

    Moves `versions` on past the events; returns the rows, the last position and its hash.
    """
    rows = []
    for (event, schema_version, _plain), stored_text in zip(prepared, stored, strict=True):
        position += 1
        version = versions[event.stream_id] = versions[event.stream_id] + 1
        row = (position, event.stream_id, version, event.type, schema_version, stored_text)
        previous = chain.hash(previous, *row, metadata_text, recorded_at)
        rows.append((*row, metadata_text, recorded_at, previous))
    return rows, position, previous


class EventStore(Writing):
    """Appends events to streams and reads them back, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, registry: Registry, *, clock: Clock = utc_now, batch_size: int = 5000) -> None:
        self.engine = engine
        self.registry = registry
        self.clock = clock
        self.batch_size = batch_size
        self._sqlite = is_sqlite(engine)
        self._writer_lock = writer_lock_path(engine)
        self._writer_engine = engine.execution_options(writer=True)  # its connections BEGIN IMMEDIATE on SQLite
        self._sql = Statements("?" if self._sqlite else "%s")
        # The log's chain format: a guess (the latest) until read under the append lock; once read
        # from a log holding events it is settled, as only an import into an empty store sets it.
        self._chain, self._settled = LATEST, False
        self.keyring = keyring_for(engine)  # the person keys personal fields are sealed with (events/personal.py)

    # -- writing ---------------------------------------------------------------------------------

    def append(
        self,
        new_events: Sequence[NewEvent],
        *,
        expected: Mapping[str, int | None] | None = None,
        metadata: Metadata = Metadata(),
        idempotency_key: str | None = None,
        within: WithinAppend | None = None,
        connection: Connection | None = None,
        conditions: Sequence[AppendCondition] = (),
    ) -> AppendResult:
        """Record the events of one command atomically.

        `expected` maps stream ids to the version the command was decided on (0: must not exist,
        None: any); it may name streams the command only read; `conditions`: weaker checks on what came
        since a read (events/conditions.py). Either failing raises ConcurrencyConflict, writing nothing.
        Repeating an `idempotency_key` returns the first result and writes nothing. `within` runs in the
        same transaction with the recorded events (the inline projections), so a failure there undoes
        the append too. `connection`: a write transaction from `transaction()` the caller holds (and commits).
        """
        if not new_events:
            raise EmptyAppend()
        chain = self._chain
        prepared = self._prepare(new_events, chain)
        expected = dict(expected or {})
        written = list(dict.fromkeys(event.stream_id for event in new_events))
        with (
            self._writing(connection, bare=within is None) as (connection, driver, owned),
            closing(driver.cursor()) as cursor,
        ):
            # The driver's own cursors (SQLAlchemy's per-statement work would double the cost); on PostgreSQL
            # our own transaction's BEGIN, the lock, the key and the positions go in one round trip.
            client = cursor if self._sqlite else self.engine.dialect.loaded_dbapi.ClientCursor(driver)
            streams = [*written, *expected, *(condition.stream_id for condition in conditions)]
            people = sealing(self.registry.personal, prepared, metadata.actor_id)
            opening = self._sql.open_append(client, streams, idempotency_key, owned and not self._sqlite, people)
            earlier, (position, previous, last_time, versions), keys = opening
            if earlier is not None:
                return AppendResult.from_json(earlier)
            if not self._settled or position == 0:
                self._chain, self._settled = read_format(cursor), position > 0
                if self._chain is not chain:
                    chain, prepared = self._chain, self._prepare(new_events, self._chain)
                previous = previous if position else chain.genesis
            metadata_text = chain.canonical(metadata.to_json())
            expect(expected, versions)
            check(conditions, versions, cursor, self._sql.placeholder, self.registry.upcast)
            first = position + 1
            # Times never go backwards along the log (a clock stepped back, hosts a little apart),
            # so that "as of a date" is always one position.
            recorded_at = max(format_time(self.clock()), last_time)
            stored = seal_texts(cursor, self._sql, self.registry.personal, prepared, chain, metadata, recorded_at, keys)
            rows, position, previous = link(
                prepared, stored, chain, metadata_text, recorded_at, position, previous, versions
            )
            result = AppendResult(first, position, {s: versions[s] for s in written}, previous)
            key_row = None if idempotency_key is None else (idempotency_key, result.to_json(), recorded_at)
            try:
                if owned and within is None and len(rows) == 1 and not self._sqlite:
                    self._sql.insert_and_commit(client, rows[0], key_row)  # one round trip; durable when it returns
                else:
                    if len(rows) == 1:
                        cursor.execute(self._sql.insert_events, rows[0])
                    else:
                        cursor.executemany(self._sql.insert_events, rows)
                    if key_row is not None:
                        cursor.execute(self._sql.insert_key, key_row)
            except self.engine.dialect.loaded_dbapi.IntegrityError:
                # Only possible if something appended without the lock; still a conflict, never a loss.
                raise ConcurrencyConflict(written[0], expected.get(written[0]) or 0, -1) from None
            if (
                within is not None and connection is not None
            ):  # the projections get the plaintext (the keys made here are not committed yet)
                plain = [(*row[:5], text, *row[6:]) for row, (_e, _v, text) in zip(rows, prepared, strict=True)]
                with held(connection):  # PostgreSQL: their writes in a pipeline, not waited for one by one
                    within(connection, [self._recorded(dict(zip(COLUMNS, row, strict=True))) for row in plain])
        return result

    def _prepare(self, new_events: Sequence[NewEvent], chain: ChainFormat) -> list[tuple[NewEvent, int, str]]:
        """Validate the events before any database work; pair each with its schema version and payload text."""
        by_type: dict[str, list[Mapping[str, Any]]] = {}
        for event in new_events:
            by_type.setdefault(event.type, []).append(event.payload)
        versions = {name: self.registry.validate_batch(name, payloads) for name, payloads in by_type.items()}
        prepared = []
        for event in new_events:
            try:
                payload_text = chain.canonical(event.payload)
            except (TypeError, ValueError) as error:
                raise InvalidPayload(event.type, {"_schema": f"the payload is not plain JSON ({error})"}) from None
            prepared.append((event, versions[event.type], payload_text))
        return prepared

    # -- reading ---------------------------------------------------------------------------------

    @contextmanager
    def _connection(self, connection: Connection | None) -> Iterator[Connection]:
        """Use the caller's connection, or open a short-lived one."""
        if connection is not None:
            yield connection
        else:
            with reading(self.engine) as own:
                yield own

    def head(self, connection: Connection | None = None) -> tuple[int, str]:
        """The last position and its hash (0 and the genesis hash for an empty store)."""
        with self._connection(connection) as conn:
            return self._head(conn)

    def stream_version(self, stream_id: str, connection: Connection | None = None) -> int:
        """The version of a stream: the number of events in it, 0 if it does not exist."""
        with self._connection(connection) as conn:
            return self._stream_version(conn, stream_id)

    def read_stream(
        self, stream_id: str, after_version: int = 0, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """The events of one stream in order, read as the latest schema versions."""
        with self._connection(connection) as conn:
            found = driver.rows(conn, _STREAM, {"stream_id": stream_id, "after": after_version})
            return [self._recorded(row, conn) for row in found]

    def read_all(
        self,
        after: int = 0,
        *,
        until: int | None = None,
        types: Iterable[str] | None = None,
        connection: Connection | None = None,
    ) -> Iterator[RecordedEvent]:
        """Events after a position in log order, in batches, optionally only some types."""
        for batch in self.read_batches(after, until=until, types=types, connection=connection):
            yield from batch

    def read_batches(
        self,
        after: int = 0,
        *,
        until: int | None = None,
        types: Iterable[str] | None = None,
        connection: Connection | None = None,
        raw: bool = False,
    ) -> Iterator[list[Any]]:
        """Events after a position, a batch at a time (raw rows if `raw`); memory stays flat."""
        query = select(events_table).order_by(events_table.c.position).limit(self.batch_size)
        if until is not None:
            query = query.where(events_table.c.position <= until)
        if types is not None:
            query = query.where(events_table.c.type.in_(sorted(set(types))))
        with self._connection(connection) as conn:
            while True:
                rows = cast("list[Row[Any]]", conn.execute(query.where(events_table.c.position > after)).all())
                if not rows:
                    return
                after = rows[-1].position
                yield rows if raw else [self._recorded(row, conn) for row in rows]

    def scan(self, connection: Connection, after: int, until: int, size: int = 5000) -> Iterator[list[RecordedEvent]]:
        """Events in (after, until] in log order, `size` at a time, from one streamed driver cursor (for a
        rebuild: `events.scanning.scan`). Must run inside a transaction on PostgreSQL."""
        return scan(self, connection, after, until, size)

    def _recorded(self, row: Row[Any] | Mapping[str, Any], connection: Connection | None = None) -> RecordedEvent:
        """A stored row as a RecordedEvent, its personal fields opened, its payload upcast to the latest version."""
        if isinstance(row, Row):
            row = cast("Mapping[str, Any]", row._mapping)
        payload = json.loads(row["payload"])
        if connection is not None and (personal := self.registry.personal.of(row["type"])) is not None:
            payload = self.keyring.opened(connection, personal, row["stream_id"], row["type"], payload)
        schema_version, payload = self.registry.upcast(row["type"], row["schema_version"], payload)
        return RecordedEvent(
            position=row["position"],
            stream_id=row["stream_id"],
            version=row["version"],
            type=row["type"],
            schema_version=schema_version,
            payload=payload,
            metadata=Metadata.from_json(json.loads(row["metadata"])),
            recorded_at=datetime.fromisoformat(row["recorded_at"]),
            hash=row["hash"],
        )

    @staticmethod
    def _head(connection: Connection) -> tuple[int, str]:
        row = connection.execute(
            select(events_table.c.position, events_table.c.hash).order_by(events_table.c.position.desc()).limit(1)
        ).first()
        return (0, stored_format(connection).genesis) if row is None else (row.position, row.hash)

    def log_format(self, connection: Connection | None = None) -> ChainFormat:
        """The chain format this log records (docs/log-format.md)."""
        with self._connection(connection) as conn:
            return stored_format(conn)

    @staticmethod
    def _stream_version(connection: Connection, stream_id: str) -> int:
        found = connection.execute(
            select(func.max(events_table.c.version)).where(events_table.c.stream_id == stream_id)
        ).scalar()
        return found or 0

    # -- checking --------------------------------------------------------------------------------

    def verify(self, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Recompute the whole chain; report the first position whose hash or place is wrong."""
        return verify_chain(self.read_batches(raw=True), self.log_format(), progress)
