"""The hash chain: a canonical encoding of each event, chained to the hash before it.

Two chain formats exist (docs/log-format.md specifies both); every log records its own in the
`log_format` table. Format 1 hashes Python's JSON text of the payload; format 2 (new logs) uses
RFC 8785 (JCS) throughout, so any language can recompute the hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785

from events.records import VerifyReport

#: The "previous hash" of the first event of a format-1 log (kept as GENESIS for the existing callers).
GENESIS = hashlib.sha256(b"coalition event log, chain format 1").hexdigest()

#: The largest integer JCS numbers (IEEE doubles) hold exactly; format 2 refuses anything beyond ±this.
MAX_SAFE_INTEGER = 2**53 - 1

# Encoders made once: json.dumps with options builds a new encoder on every call.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_record = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value: Any) -> str:
    """Format 1's JSON text of a value: sorted keys, no spaces, UTF-8 kept as is, Python's float repr."""
    return _canonical(value)


# How `jcs` writes a value: the C JSON encoder already writes JCS; it does once integral floats are
# ints (12000.0 -> 12000); only the `rfc8785` package does (floats Python writes in exponent form,
# big integers, non-ASCII keys, which JCS orders by UTF-16 code units and Python by code points).
_AS_IS, _INTS, _SLOW = 0, 1, 2


def _route(value: Any) -> int:
    """Which way `jcs` writes `value` (the worst its parts need)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return _AS_IS
    if kind is int:
        return _AS_IS if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _SLOW
    if kind is float:
        if value.is_integer():
            return _INTS if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _SLOW
        # Python's repr and JavaScript's shortest form agree outside exponent notation (NaN, inf: slow).
        return _AS_IS if 1e-4 <= abs(value) < 1e16 else _SLOW
    if kind is dict:
        if not all(type(key) is str and key.isascii() for key in value):
            return _SLOW
        items = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return _SLOW
    worst = _AS_IS
    for item in items:
        worst = max(worst, _route(item))
        if worst == _SLOW:
            break
    return worst


def _ints(value: Any) -> Any:
    """`value` with its integral floats as ints (called only when they are all within ±(2**53 - 1))."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dict:
        return {key: _ints(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_ints(item) for item in value]
    return value


def jcs(value: Any) -> str:
    """The RFC 8785 (JCS) text of a value; ValueError for what JCS cannot hold (NaN, integers past 2**53 - 1).

    Usual payloads take the C JSON encoder, which then writes exactly what JCS does (checked against
    the `rfc8785` package in tests/unit/test_hashing.py); the rest goes through that package.
    """
    route = _route(value)
    if route == _SLOW:
        try:
            return rfc8785.dumps(value).decode("utf-8")
        except rfc8785.IntegerDomainError as error:
            raise ValueError(
                f"{error.args[0].split()[0]} is beyond ±{MAX_SAFE_INTEGER} (2**53 - 1), the largest integer "
                "every JSON reader holds exactly: write it as a string"
            ) from None
    text = _canonical(_ints(value) if route == _INTS else value)
    text.encode("utf-8")  # refuses lone surrogates, as rfc8785 does
    return text


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
    """Format 1: SHA-256 over a JSON array of every stored field, payload and metadata as JSON *strings*.

    `payload` and `metadata` are the exact stored JSON texts, so any changed byte changes the hash.
    """
    record = _record(
        [previous, position, stream_id, version, type_name, schema_version, payload, metadata, recorded_at]
    )
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


def event_hash_2(
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
    """Format 2: SHA-256 over the JCS text of the array, payload and metadata embedded as JSON *values*.

    `payload` and `metadata` are their stored JCS texts; JCS of an array is its members' JCS joined
    by commas, so the stored texts are spliced in as they are (any changed byte changes the hash).
    """
    head = _record([previous, position, stream_id, version, type_name, schema_version])
    record = f"{head[:-1]},{payload},{metadata},{_record(recorded_at)}]"
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainFormat:
    """How one chain format encodes payloads and hashes events."""

    number: int
    genesis: str
    canonical: Callable[[Any], str]
    hash: Callable[[str, int, str, int, str, int, str, str, str], str]


FORMATS = {
    1: ChainFormat(1, GENESIS, canonical_json, event_hash),
    2: ChainFormat(2, hashlib.sha256(b"coalition event log, chain format 2").hexdigest(), jcs, event_hash_2),
}
#: The format new logs are written in.
LATEST = FORMATS[2]


def recompute_hash(previous: str, row: Any, chain: ChainFormat = FORMATS[1]) -> str:
    """The hash a stored event should have, given the previous event's hash."""
    return chain.hash(
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


def verify_chain(
    batches: Iterable[Sequence[Any]], chain: ChainFormat, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Recompute the chain over stored rows in log order; report the first position whose hash or place is wrong."""
    previous, count = chain.genesis, 0
    for rows in batches:
        for row in rows:
            count += 1
            if row.position != count:
                reason = f"position {count} is missing: the log has a gap"
                return VerifyReport(count - 1, previous, row.position, reason, chain.number)
            if recompute_hash(previous, row, chain) != row.hash:
                reason = "the stored hash does not match the event's contents"
                return VerifyReport(count - 1, previous, row.position, reason, chain.number)
            previous = row.hash
        if progress is not None:
            progress(len(rows))
    return VerifyReport(count, previous, log_format=chain.number)
