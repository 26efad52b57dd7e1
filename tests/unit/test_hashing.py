"""The canonical encoding and the chain hash."""

from __future__ import annotations

import hashlib

from events.hashing import GENESIS, canonical_json, event_hash

FIELDS = (GENESIS, 1, "thing-1", 1, "ThingCreated", 1, '{"name":"a"}', "{}", "2026-01-01T00:00:00.000000Z")


def test_canonical_json_sorts_keys_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": ["ț", None]}) == '{"a":["ț",null],"b":1}'


def test_genesis_is_a_fixed_sha256() -> None:
    assert GENESIS == hashlib.sha256(b"coalition event log, chain format 1").hexdigest()


def test_the_hash_changes_with_every_field() -> None:
    original = event_hash(*FIELDS)
    for index, value in enumerate(FIELDS):
        changed = list(FIELDS)
        changed[index] = value + 1 if isinstance(value, int) else value + " "
        assert event_hash(*changed) != original, f"field {index} is not covered by the hash"


def test_the_hash_is_stable() -> None:
    assert event_hash(*FIELDS) == event_hash(*FIELDS)
    assert len(event_hash(*FIELDS)) == 64
