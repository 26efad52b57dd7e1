"""Export the log as JSON Lines and import it into an empty store, checking the chain as it goes.

An export starts with a header line naming the log's chain format, `{"log_format":2}`, then one
event a line (docs/log-format.md). An export without the header was made before formats were
recorded, and is format 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from sqlalchemy import insert

from events.envelope import unsealed_shape
from events.errors import EventStoreError, ImportRefused
from events.hashing import FORMATS, ChainFormat, recompute_hash
from events.schema import events as events_table
from events.sql import record_format
from events.store import EventStore

Progress = Callable[[int], None]
HEADER = "log_format"
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
FIELDS = ("position", "stream_id", "version", "type", "schema_version", "payload", "metadata", "recorded_at", "hash")


def export_events(store: EventStore, out: IO[str], progress: Progress | None = None) -> int:
    """Write the format header, then every event as stored, one JSON object a line; return how many."""
    out.write(json.dumps({HEADER: store.log_format().number}) + "\n")
    count = 0
    for rows in store.read_batches(raw=True):
        for row in rows:
            # The stored payload and metadata texts go in as they are: in format 2 they are the JCS
            # form a verifier recomputes; in format 1 they keep Python's number forms (12000.0).
            head = _encode({name: getattr(row, name) for name in FIELDS[:5]})[:-1]
            tail = f'"recorded_at":{_encode(row.recorded_at)},"hash":{_encode(row.hash)}}}\n'
            out.write(f'{head},"payload":{row.payload},"metadata":{row.metadata},{tail}')
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
        chain: ChainFormat | None = None
        previous, count, batch = "", 0, []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            if chain is None:
                chain, is_header = _header(line, number)
                record_format(connection, chain.number)  # the store takes the log's format, converting nothing
                previous = chain.genesis
                if is_header:
                    continue
            row = _parse(line, number, store, chain)
            count += 1
            if row["position"] != count:
                raise ImportRefused(
                    f"expected position {count} next: the export has a gap or is out of order", row["position"]
                )
            if row["version"] != versions.get(row["stream_id"], 0) + 1:
                raise ImportRefused(
                    f"stream {row['stream_id']!r} skips or repeats version {row['version']}", row["position"]
                )
            if recompute_hash(previous, _Row(row), chain) != row["hash"]:
                raise ImportRefused(_broken(row, count, chain), row["position"])
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


def _header(line: str, number: int) -> tuple[ChainFormat, bool]:
    """The chain format the first line names, and True; format 1 and False when it is an event (no header)."""
    try:
        record = json.loads(line)
    except ValueError as error:
        raise ImportRefused(f"line {number} is not an exported event ({error})") from None
    if not isinstance(record, dict) or HEADER not in record:
        return FORMATS[1], False
    known = ", ".join(str(n) for n in FORMATS)
    if type(record[HEADER]) is not int or record[HEADER] not in FORMATS:
        raise ImportRefused(
            f"the export is in chain format {record[HEADER]!r}, which this version does not know ({known})"
        )
    return FORMATS[record[HEADER]], True


def _broken(row: dict[str, Any], count: int, chain: ChainFormat) -> str:
    """Why an event's hash does not match: a broken chain, or (at the first event) an export in another format."""
    if count == 1:
        for other in FORMATS.values():
            if other is not chain and recompute_hash(other.genesis, _Row(row), other) == row["hash"]:
                return (
                    f"the export says chain format {chain.number} but its events are hashed in format "
                    f"{other.number}: fix or remove the header line, nothing was converted"
                )
    return f"the hash does not match the event's contents (chain format {chain.number}): the chain is broken"


def _parse(line: str, number: int, store: EventStore, chain: ChainFormat) -> dict[str, Any]:
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
        # a sealed personal field is checked as the text it holds, which only its key could show
        store.registry.validate(row["type"], unsealed_shape(row["payload"]), version=row["schema_version"])
    except EventStoreError as error:
        raise ImportRefused(str(error), position) from None
    try:
        row["payload"], row["metadata"] = chain.canonical(row["payload"]), chain.canonical(row["metadata"])
    except (TypeError, ValueError) as error:
        raise ImportRefused(
            f"line {number}: the payload cannot be written in chain format {chain.number} ({error})", position
        ) from None
    return row


class _Row:
    """Attribute access over a dict, the shape recompute_hash reads."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
