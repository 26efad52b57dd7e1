"""The event store: atomic, hash-chained appends over one or more streams, and reads in log order."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, Row

from events.conditions import AppendCondition, check
from events.engine import is_sqlite
from events.errors import ConcurrencyConflict, EmptyAppend, InvalidPayload
from events.hashing import LATEST, ChainFormat, recompute_hash
from events.personal import keyring_for, open_payload, seal_texts
from events.records import AppendResult, Metadata, NewEvent, RecordedEvent, VerifyReport
from events.registry import Registry
from events.schema import events as events_table
from events.sql import APPEND_LOCK_KEY, COLUMNS, Statements, queued, read_format, stored_format, writer_lock_path

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection

#: A trigger on `events` notifies this channel on PostgreSQL after every insert (see the migrations).
NOTIFY_CHANNEL = "coalition_events"

Clock = Callable[[], datetime]
WithinAppend = Callable[[Connection, Sequence[RecordedEvent]], None]


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@functools.lru_cache(maxsize=4096)  # a replay formats the time of each append's events several times
def format_time(moment: datetime) -> str:
    """The stored form of a time: UTC, ISO 8601, microseconds, a trailing Z; sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EventStore:
    """Appends events to streams and reads them back, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, registry: Registry, *, clock: Clock = utc_now, batch_size: int = 5000) -> None:
        self.engine = engine
        self.registry = registry
        self.clock = clock
        self.batch_size = batch_size
        self._sqlite = is_sqlite(engine)
        self._writer_lock = writer_lock_path(engine)
        self._sql = Statements("?" if self._sqlite else "%s")
        # The log's chain format: a guess (the latest) until read under the append lock; once read
        # from a log holding events it is settled, as only an import into an empty store sets it.
        self._chain, self._settled = LATEST, False
        self.keyring = keyring_for(engine)  # the person keys personal fields are sealed with (events/personal.py)

    # -- writing ---------------------------------------------------------------------------------

    @contextmanager
    def transaction(self, lock: bool = True, durable: bool = True) -> Iterator[Connection]:
        """A write transaction (with the append lock unless `lock` is False); commits or rolls back.

        `durable=False` is for bookkeeping that may be repeated (what the notification loop sent): the
        commit survives the process being killed but need not reach the disk before it returns (SQLite's
        WAL with synchronous=NORMAL, PostgreSQL's synchronous_commit=off); never for events. On SQLite
        every write transaction is exclusive anyway (BEGIN IMMEDIATE); writers first queue (`sql.queued`).
        """
        with queued(self._writer_lock), self.engine.connect() as connection:
            connection.execution_options(writer=True)
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
            self._writing(connection) as (connection, locked),
            closing(cast("DBAPIConnection", connection.connection.dbapi_connection).cursor()) as cursor,
        ):
            # The hot path talks to the driver's own cursor (SQLAlchemy's per-statement work would double its cost).
            if not locked and not self._sqlite:
                cursor.execute(self._sql.lock, (APPEND_LOCK_KEY,))
            if idempotency_key is not None:
                cursor.execute(self._sql.find_key, (idempotency_key,))
                earlier = cursor.fetchone()
                if earlier is not None:
                    return AppendResult.from_json(earlier[0])
            streams = [*written, *expected, *(condition.stream_id for condition in conditions)]
            position, previous, last_time, versions = self._sql.read_positions(cursor, streams)
            if not self._settled or position == 0:
                self._chain, self._settled = read_format(cursor), position > 0
                if self._chain is not chain:
                    chain, prepared = self._chain, self._prepare(new_events, self._chain)
                previous = previous if position else chain.genesis
            metadata_text = chain.canonical(metadata.to_json())
            for stream, version in expected.items():
                if version is not None and versions[stream] != version:
                    raise ConcurrencyConflict(stream, version, versions[stream])
            check(conditions, versions, cursor, self._sql.placeholder, self.registry.upcast)
            first = position + 1
            # Times never go backwards along the log (a clock stepped back, hosts a little apart),
            # so that "as of a date" is always one position.
            recorded_at = max(format_time(self.clock()), last_time)
            stored = seal_texts(cursor, self._sql, self.registry.personal, prepared, chain, metadata, recorded_at)
            rows = []
            for (event, schema_version, _plain), stored_text in zip(prepared, stored, strict=True):
                position += 1
                version = versions[event.stream_id] = versions[event.stream_id] + 1
                row = (position, event.stream_id, version, event.type, schema_version, stored_text)
                previous = chain.hash(previous, *row, metadata_text, recorded_at)
                rows.append((*row, metadata_text, recorded_at, previous))
            try:
                if len(rows) == 1:
                    cursor.execute(self._sql.insert_events, rows[0])
                else:
                    cursor.executemany(self._sql.insert_events, rows)
            except connection.dialect.loaded_dbapi.IntegrityError:
                # Only possible if something appended without the lock; still a conflict, never a loss.
                raise ConcurrencyConflict(written[0], expected.get(written[0]) or 0, -1) from None
            result = AppendResult(first, position, {s: versions[s] for s in written}, previous)
            if idempotency_key is not None:
                cursor.execute(self._sql.insert_key, (idempotency_key, result.to_json(), recorded_at))
            if within is not None:  # the projections get the plaintext (the keys made here are not committed yet)
                plain = [(*row[:5], text, *row[6:]) for row, (_e, _v, text) in zip(rows, prepared, strict=True)]
                within(connection, [self._recorded(dict(zip(COLUMNS, row, strict=True))) for row in plain])
        return result

    @contextmanager
    def _writing(self, connection: Connection | None) -> Iterator[tuple[Connection, bool]]:
        """The caller's write transaction (which holds the append lock), or a new one without it yet."""
        if connection is not None:
            yield connection, True
            return
        with self.transaction(lock=False) as own:
            yield own, False

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
            with self.engine.connect() as own:
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
        query = (
            select(events_table)
            .where(events_table.c.stream_id == stream_id, events_table.c.version > after_version)
            .order_by(events_table.c.version)
        )
        with self._connection(connection) as conn:
            return [self._recorded(row, conn) for row in conn.execute(query).all()]

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
        """Events in (after, until] in log order, `size` at a time, from one streamed driver cursor.

        For replays (a rebuild): one query whose rows arrive `size` at a time (a server-side cursor on
        PostgreSQL, so the server holds the rest), each decoded once; the metadata and time of the
        events of one append are read once for them all. Must run inside a transaction on PostgreSQL.
        """
        p = self._sql.placeholder
        sql = f"SELECT {', '.join(COLUMNS)} FROM events WHERE position > {p} AND position <= {p} ORDER BY position"
        driver = cast("Any", connection.connection.dbapi_connection)
        cursor = driver.cursor() if self._sqlite else driver.cursor(name=f"scan_{after}_{until}")
        last: tuple[str, str, Metadata, datetime] = ("", "", Metadata(), datetime.min)
        personal, upcast = self.registry.personal.of, self.registry.upcast
        try:
            cursor.execute(sql, (after, until))
            while rows := cursor.fetchmany(size):
                payloads = [json.loads(row[5]) for row in rows]
                subjects = {
                    value["kid"]
                    for row, payload in zip(rows, payloads, strict=True)
                    if (fields := personal(row[3])) is not None
                    for name in fields.fields
                    if isinstance(value := payload.get(name), dict) and "kid" in value
                }
                key_for = self._batch_keys(connection, subjects)

                batch = []
                for row, payload in zip(rows, payloads, strict=True):
                    position, stream_id, version, type_name, schema_version, _text, meta, at, hashed = row
                    if meta != last[0] or at != last[1]:
                        last = (meta, at, Metadata.from_json(json.loads(meta)), datetime.fromisoformat(at))
                    if (fields := personal(type_name)) is not None:
                        payload = open_payload(fields, stream_id, type_name, payload, key_for)
                    schema_version, payload = upcast(type_name, schema_version, payload)
                    batch.append(
                        RecordedEvent(
                            position, stream_id, version, type_name, schema_version, payload, last[2], last[3], hashed
                        )
                    )
                yield batch
        finally:
            cursor.close()

    def _batch_keys(self, connection: Connection, subjects: set[str]) -> Callable[[str, bool], bytes | None]:
        """The keys of a batch's people, read in one query; a key asked `fresh` is read again."""
        keys = self.keyring.load(connection, subjects) if subjects else {}

        def key_for(subject: str, fresh: bool) -> bytes | None:
            if fresh or subject not in keys:
                keys[subject] = self.keyring.key(connection, subject, fresh)
            return keys[subject]

        return key_for

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
        chain = self.log_format()
        previous, count = chain.genesis, 0
        for rows in self.read_batches(raw=True):
            for row in rows:
                count += 1
                if row.position != count:
                    return VerifyReport(
                        count - 1,
                        previous,
                        row.position,
                        f"position {count} is missing: the log has a gap",
                        chain.number,
                    )
                if recompute_hash(previous, row, chain) != row.hash:
                    reason = "the stored hash does not match the event's contents"
                    return VerifyReport(count - 1, previous, row.position, reason, chain.number)
                previous = row.hash
            if progress is not None:
                progress(len(rows))
        return VerifyReport(count, previous, log_format=chain.number)
