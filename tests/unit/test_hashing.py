"""The canonical encoding and the chain hash."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from events.hashing import FORMATS, GENESIS, MAX_SAFE_INTEGER, canonical_json, event_hash, jcs

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


# -- chain format 2: RFC 8785 (JCS) --------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
@settings(max_examples=400, deadline=None)
def test_jcs_writes_what_the_rfc8785_package_writes(value: object) -> None:
    assert jcs(value) == rfc8785.dumps(value).decode("utf-8")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12000.0, "12000"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (-0.0, "0"),
        ({"b": [12000.0, 0.1], "a": 1}, '{"a":1,"b":[12000,0.1]}'),
        ({"\ue000": 1, "😀": 2}, '{"😀":2,"\ue000":1}'),  # UTF-16 code units: a surrogate sorts first
        ("\u2028\x7f\x01\n", '"\u2028\x7f\\u0001\\n"'),
    ],
)
def test_jcs_numbers_keys_and_strings(value: object, text: str) -> None:
    assert jcs(value) == text


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**53 + 1, float("nan"), float("inf"), "\ud800", {1: "a"}])
def test_jcs_refuses_what_it_cannot_hold(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        jcs(value)


def test_each_format_names_itself_in_its_genesis() -> None:
    for number, chain in FORMATS.items():
        assert chain.genesis == hashlib.sha256(f"coalition event log, chain format {number}".encode()).hexdigest()


def test_format_2_hashes_the_jcs_text_of_the_array_with_payload_and_metadata_as_values() -> None:
    payload, metadata = {"name": "ț 🌍", "amount": 12000.0}, {"actor_id": "user-1"}
    chain = FORMATS[2]
    fields = (chain.genesis, 7, "thing-1", 2, "ThingCreated", 1, payload, metadata, "2026-01-01T00:00:00.000000Z")
    expected = hashlib.sha256(rfc8785.dumps(list(fields))).hexdigest()

    assert chain.hash(*fields[:6], jcs(payload), jcs(metadata), fields[8]) == expected


def test_format_2_covers_every_field() -> None:
    chain = FORMATS[2]
    fields = (chain.genesis, 1, "thing-1", 1, "ThingCreated", 1, '{"name":"a"}', "{}", "2026-01-01T00:00:00.000000Z")
    original = chain.hash(*fields)
    for index, value in enumerate(fields):
        changed = list(fields)
        changed[index] = value + 1 if isinstance(value, int) else {"{}": '{"a":1}'}.get(value, value[:-2] + "x}")
        assert chain.hash(*changed) != original, f"field {index} is not covered by the hash"
