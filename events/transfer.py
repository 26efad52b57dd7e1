"""Export the log as JSON Lines and import it into an empty store, checking the chain as it goes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from sqlalchemy import insert

from events.errors import EventStoreError, ImportRefused
from events.hashing import GENESIS, canonical_json
from events.schema import events as events_table
from events.store import EventStore, recompute_hash

Progress = Callable[[int], None]
FIELDS = ("position", "stream_id", "version", "type", "schema_version", "payload", "metadata", "recorded_at", "hash")


def export_events(store: EventStore, out: IO[str], progress: Progress | None = None) -> int:
    """Write every event, as stored, one JSON object a line; return how many."""
    count = 0
    for rows in store.read_batches(raw=True):
        for row in rows:
            record = {name: getattr(row, name) for name in FIELDS}
            record["payload"] = json.loads(row.payload)
            record["metadata"] = json.loads(row.metadata)
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += len(rows)
        if progress is not None:
            progress(len(rows))
    return count


def import_events(store: EventStore, lines: Iterable[str], progress: Progress | None = None) -> int:
    """Load an export into an empty store in one transaction; a broken chain writes nothing."""
    with store.transaction() as connection:
        if store.head(connection)[0] != 0:
            raise ImportRefused("the store is not empty; import only into a new database")
        versions: dict[str, int] = {}
        previous, count, batch = GENESIS, 0, []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row = _parse(line, number, store)
            count += 1
            if row["position"] != count:
                raise ImportRefused(
                    f"expected position {count} next: the export has a gap or is out of order", row["position"]
                )
            if row["version"] != versions.get(row["stream_id"], 0) + 1:
                raise ImportRefused(
                    f"stream {row['stream_id']!r} skips or repeats version {row['version']}", row["position"]
                )
            if recompute_hash(previous, _Row(row)) != row["hash"]:
                raise ImportRefused(
                    "the hash does not match the event's contents: the chain is broken", row["position"]
                )
            versions[row["stream_id"]] = row["version"]
            previous = row["hash"]
            batch.append(row)
            if len(batch) >= store.batch_size:
                connection.execute(insert(events_table), batch)
                if progress is not None:
                    progress(len(batch))
                batch = []
        if batch:
            connection.execute(insert(events_table), batch)
            if progress is not None:
                progress(len(batch))
    return count


def _parse(line: str, number: int, store: EventStore) -> dict[str, Any]:
    """One export line as a row to insert, or ImportRefused naming the line and what is wrong."""
    try:
        record = json.loads(line)
        row = {name: record[name] for name in FIELDS}
    except (ValueError, KeyError, TypeError) as error:
        raise ImportRefused(f"line {number} is not an exported event ({error})") from None
    position = row["position"]
    if not all(isinstance(row[name], int) for name in ("position", "version", "schema_version")):
        raise ImportRefused(f"line {number}: position, version and schema_version must be integers", None)
    try:
        store.registry.validate(row["type"], row["payload"], version=row["schema_version"])
    except EventStoreError as error:
        raise ImportRefused(str(error), position) from None
    row["payload"] = canonical_json(row["payload"])
    row["metadata"] = canonical_json(row["metadata"])
    return row


class _Row:
    """Attribute access over a dict, the shape recompute_hash reads."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
