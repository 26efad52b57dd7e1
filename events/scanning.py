"""Reading the whole log for a replay (a rebuild of the read models): one streamed driver cursor, each payload
decoded once, the personal-data keys of a batch's people read in one query (`EventStore.scan` calls this)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.engine import Connection

from events.personal import open_payload
from events.records import Metadata, RecordedEvent
from events.sql import COLUMNS

if TYPE_CHECKING:
    from events.store import EventStore


def scan(
    store: EventStore, connection: Connection, after: int, until: int, size: int = 5000
) -> Iterator[list[RecordedEvent]]:
    """Events in (after, until] in log order, `size` at a time, from one streamed driver cursor.

    For replays (a rebuild): one query whose rows arrive `size` at a time (a server-side cursor on
    PostgreSQL, so the server holds the rest), each decoded once; the metadata and time of the
    events of one append are read once for them all. Must run inside a transaction on PostgreSQL.
    """
    p = store._sql.placeholder
    sql = f"SELECT {', '.join(COLUMNS)} FROM events WHERE position > {p} AND position <= {p} ORDER BY position"
    driver = cast("Any", connection.connection.dbapi_connection)
    cursor = driver.cursor() if store._sqlite else driver.cursor(name=f"scan_{after}_{until}")
    last: tuple[str, str, Metadata, datetime] = ("", "", Metadata(), datetime.min)
    personal, upcast = store.registry.personal.of, store.registry.upcast
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
            key_for = _batch_keys(store, connection, subjects)

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


def _batch_keys(store: EventStore, connection: Connection, subjects: set[str]) -> Callable[[str, bool], bytes | None]:
    """The keys of a batch's people, read in one query; a key asked `fresh` is read again."""
    keys = store.keyring.load(connection, subjects) if subjects else {}

    def key_for(subject: str, fresh: bool) -> bytes | None:
        if fresh or subject not in keys:
            keys[subject] = store.keyring.key(connection, subject, fresh)
        return keys[subject]

    return key_for
