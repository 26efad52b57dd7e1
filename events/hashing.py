"""The hash chain: a canonical encoding of each event, chained to the hash before it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: The "previous hash" of the first event; names the chain format so a future one can differ.
GENESIS = hashlib.sha256(b"coalition event log, chain format 1").hexdigest()


# Encoders made once: json.dumps with options builds a new encoder on every call.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_record = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8 kept as is."""
    return _canonical(value)


def event_hash(
    previous: str,
    position: int,
    stream_id: str,
    version: int,
    type_name: str,
    schema_version: int,
    payload: str,
    metadata: str,
    recorded_at: str,
) -> str:
    """SHA-256 over every stored field of an event and the previous event's hash.

    `payload` and `metadata` are the exact stored JSON texts, so any changed byte changes the hash.
    """
    record = _record(
        [previous, position, stream_id, version, type_name, schema_version, payload, metadata, recorded_at]
    )
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


def recompute_hash(previous: str, row: Any) -> str:
    """The hash a stored event should have, given the previous event's hash."""
    return event_hash(
        previous,
        row.position,
        row.stream_id,
        row.version,
        row.type,
        row.schema_version,
        row.payload,
        row.metadata,
        row.recorded_at,
    )
