"""What the store says to each database: the append's SQL per placeholder style (the writers' queue: events/turns.py).

The append talks to the driver's own cursor (an append is three statements, and SQLAlchemy's
per-statement work would double its cost), so its statements are written here once per dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from events.errors import EventStoreError
from events.hashing import FORMATS, ChainFormat
from events.schema import log_format

#: Every append on PostgreSQL holds this transaction-scoped advisory lock: one appender at a time,
#: so positions are assigned, hashed and committed in the same order.
APPEND_LOCK_KEY = 0x436F616C

COLUMNS = ("position", "stream_id", "version", "type", "schema_version", "payload", "metadata", "recorded_at", "hash")


#: Streams up to which an append's read of their versions probes each stream's index (`Statements.positions`).
PROBED_STREAMS = 200
#: People whose keys one statement reads: an append of an import may seal for thousands, and both databases bound
#: the parameters of a statement. Up to this many ride in a PostgreSQL append's opening message.
KEYS_AT_ONCE = 500


class Statements:
    """The append's SQL, written once per placeholder style and sent straight to the driver."""

    def __init__(self, placeholder: str) -> None:
        self.placeholder = placeholder
        self.insert_events = (
            f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join([placeholder] * len(COLUMNS))})"
        )
        self.lock = f"SELECT pg_advisory_xact_lock({placeholder})"
        self.find_key = f"SELECT result FROM idempotency_keys WHERE key = {placeholder}"
        values = ", ".join([placeholder] * 3)
        self.insert_key = f"INSERT INTO idempotency_keys (key, result, recorded_at) VALUES ({values})"
        self.insert_person_key = f"INSERT INTO person_keys (subject, key, created_at) VALUES ({values})"
        self._positions: dict[int, str] = {}

    def positions(self, streams: int) -> str:
        """Rows (position, hash, time, 0) for the head, then a row (version, stream, NULL, 1) per stream asked for.

        Up to `PROBED_STREAMS` streams (every command), one `max(version)` per stream without GROUP BY: both
        databases answer it from the end of the (stream_id, version) index, one probe however long the stream
        (`... WHERE stream_id IN (...) GROUP BY stream_id` walks every event of each stream: 0.45 ms at 6,000
        events, inside the write lock, growing with a campaign). Each such row names its stream by its index in
        the call (a text literal, so each id is bound once) and gives NULL for a stream not there yet. Past that
        (an import, a restore: SQLite allows 500 terms in a compound SELECT), the GROUP BY form, by stream id.
        """
        if streams not in self._positions:
            placeholder = self.placeholder
            head = (
                "SELECT position, hash, recorded_at, 0 FROM "
                "(SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1) AS head"
            )
            if streams <= PROBED_STREAMS:
                self._positions[streams] = head + "".join(
                    f" UNION ALL SELECT max(version), '{index}', NULL, 1 FROM events WHERE stream_id = {placeholder}"
                    for index in range(streams)
                )
            else:
                self._positions[streams] = (
                    f"{head} UNION ALL SELECT max(version), stream_id, NULL, 1 FROM events "
                    f"WHERE stream_id IN ({', '.join([placeholder] * streams)}) GROUP BY stream_id"
                )
        return self._positions[streams]

    def person_keys(self, subjects: int) -> str:
        """The rows (subject, key) of these people (an erased one's key is NULL; one never seen has no row)."""
        return f"SELECT subject, key FROM person_keys WHERE subject IN ({', '.join([self.placeholder] * subjects)})"

    def open_append(
        self, cursor: Any, streams: list[str], key: str | None, begin: bool, subjects: Sequence[str] = ()
    ) -> tuple[str | None, tuple[int, str, str, dict[str, int]], dict[str, bytes | None]]:
        """The earlier result of idempotency key `key` (if any), the head and the stream versions, and the keys
        of the people `subjects` that have a row (`events.personal.seal_texts`).

        With `begin` (PostgreSQL, our own transaction, on a client-side binding cursor in autocommit),
        the same round trip first begins the transaction and takes the append lock: in READ COMMITTED
        every statement of the message reads a snapshot taken when it starts, so the reads after the
        lock see every append committed before it was granted (and every key made or destroyed).
        """
        unique = list(dict.fromkeys(streams))
        people = list(dict.fromkeys(subjects))
        statements: list[str] = ["BEGIN", self.lock] if begin else []
        parameters: list[Any] = [APPEND_LOCK_KEY] if begin else []
        if key is not None:
            statements.append(self.find_key)
            parameters.append(key)
        statements.append(self.positions(len(unique)))
        parameters.extend(unique)
        in_message = bool(people) and self.placeholder != "?" and len(people) <= KEYS_AT_ONCE
        if in_message:
            statements.append(self.person_keys(len(people)))
            parameters.extend(people)
        earlier: str | None = None
        keys: dict[str, bytes | None] = {}
        if self.placeholder == "?":  # SQLite: a statement per call, nothing to save on round trips
            if key is not None:
                cursor.execute(self.find_key, (key,))
                found = cursor.fetchone()
                earlier = None if found is None else found[0]
            cursor.execute(self.positions(len(unique)), tuple(unique))
            positions = cursor.fetchall()
        else:
            cursor.execute("; ".join(statements), parameters)
            for _ in range(2 if begin else 0):
                cursor.nextset()
            if key is not None:
                found = cursor.fetchone()
                earlier = None if found is None else found[0]
                cursor.nextset()
            positions = cursor.fetchall()
            if in_message:
                cursor.nextset()
                keys = {subject: None if value is None else bytes(value) for subject, value in cursor.fetchall()}
        for start in range(0, 0 if in_message else len(people), KEYS_AT_ONCE):  # on their own, a chunk at a time
            chunk = people[start : start + KEYS_AT_ONCE]
            cursor.execute(self.person_keys(len(chunk)), tuple(chunk))
            keys.update((subject, None if value is None else bytes(value)) for subject, value in cursor.fetchall())
        head, previous, last_time, versions = 0, "", "", dict.fromkeys(unique, 0)
        for number, text_value, time_value, is_stream in positions:
            if is_stream:
                stream = unique[int(text_value)] if len(unique) <= PROBED_STREAMS else text_value
                versions[stream] = number or 0  # NULL: no such stream yet
            else:
                head, previous, last_time = number, text_value, time_value
        return earlier, (head, previous, last_time, versions), keys

    def insert_and_commit(self, cursor: Any, row: tuple[Any, ...], key_row: tuple[Any, ...] | None) -> None:
        """PostgreSQL, our own transaction: insert one event (and its idempotency key) and commit, in one round trip."""
        statements = [self.insert_events, *([self.insert_key] if key_row is not None else []), "COMMIT"]
        cursor.execute("; ".join(statements), [*row, *(key_row or ())])


def read_format(cursor: Any) -> ChainFormat:
    """The chain format the log records, read on a driver cursor (any placeholder style)."""
    cursor.execute("SELECT format FROM log_format")
    row = cursor.fetchone()
    return chain_format(None if row is None else row[0])


def chain_format(number: int | None) -> ChainFormat:
    """The ChainFormat numbered `number`, or EventStoreError saying what is wrong."""
    if number is None:
        raise EventStoreError("the log's chain format is not recorded: run `flask db upgrade`")
    if number not in FORMATS:
        raise EventStoreError(f"the log is in chain format {number}, which this version does not know")
    return FORMATS[number]


def stored_format(connection: Connection) -> ChainFormat:
    """The chain format the log records, read on a SQLAlchemy connection."""
    return chain_format(connection.execute(select(log_format.c.format)).scalar())


def record_format(connection: Connection, number: int) -> None:
    """Record the log's chain format (an import into an empty store takes the export's)."""
    if connection.execute(update(log_format).values(format=number)).rowcount == 0:
        connection.execute(insert(log_format).values(id=1, format=number))
