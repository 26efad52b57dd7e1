"""docs/log-format.md's worked examples are what the code computes, and the version hash is JCS."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from coalition.domain.statement_state import Text, content_hash
from events.hashing import FORMATS

DOC = Path(__file__).parent.parent.parent / "docs" / "log-format.md"
EXAMPLE = re.compile(r"<!-- example: ([\w-]+) -->\n```\w*\n(.*?)\n```", re.DOTALL)

PAYLOAD = {"name": "Țară 🌍", "amount": 12000.0, "share": 0.1}
METADATA = {"actor_id": "user-1"}
RECORDED_AT = "2026-12-03T10:00:00.000000Z"
TEXTS = {"ro": Text("Apel comun", "Cerem **transparență** 🌍"), "en": Text("Joint call", "We ask for transparency")}


def examples() -> dict[str, str]:
    """Each marked example block of the document, by name."""
    return dict(EXAMPLE.findall(DOC.read_text(encoding="utf-8")))


def record(number: int) -> str:
    """The example event's record as the document describes format `number`: payload values or strings."""
    chain = FORMATS[number]
    payload, metadata = chain.canonical(PAYLOAD), chain.canonical(METADATA)
    head = [chain.genesis, 1, "thing-1", 1, "ThingCreated", 1]
    if number == 1:
        return json.dumps([*head, payload, metadata, RECORDED_AT], ensure_ascii=False, separators=(",", ":"))
    return rfc8785.dumps([*head, json.loads(payload), json.loads(metadata), RECORDED_AT]).decode("utf-8")


def test_every_example_is_present() -> None:
    assert set(examples()) == {
        "genesis-1", "genesis-2", "record-1", "hash-1", "record-2", "hash-2", "version-input", "version-hash",
        "merkle-leaves", "merkle-root",
    }  # fmt: skip


def test_the_merkle_examples_are_what_the_code_computes() -> None:
    from events import merkle

    found = examples()
    hashes = [hashlib.sha256(text).digest() for text in (b"a", b"b", b"c")]
    leaves = [merkle.leaf_hash(value) for value in hashes]
    assert found["merkle-leaves"] == "\n".join(
        f"{h.hex()} -> {leaf.hex()}" for h, leaf in zip(hashes, leaves, strict=True)
    )
    assert leaves[0] == hashlib.sha256(b"\x00" + hashes[0]).digest()
    head = merkle.node_hash(merkle.node_hash(leaves[0], leaves[1]), leaves[2])
    assert (
        found["merkle-root"]
        == head.hex()
        == merkle.root(3, lambda level, index: [leaves, [merkle.node_hash(*leaves[:2])]][level][index]).hex()
    )


def test_the_chain_examples_are_what_the_code_computes() -> None:
    found = examples()
    for number in (1, 2):
        chain = FORMATS[number]
        computed = chain.hash(
            chain.genesis, 1, "thing-1", 1, "ThingCreated", 1,
            chain.canonical(PAYLOAD), chain.canonical(METADATA), RECORDED_AT,
        )  # fmt: skip
        assert found[f"genesis-{number}"] == chain.genesis
        assert found[f"record-{number}"] == record(number)
        assert hashlib.sha256(found[f"record-{number}"].encode("utf-8")).hexdigest() == computed
        assert found[f"hash-{number}"] == computed


def test_the_version_hash_example_is_what_the_code_computes() -> None:
    found = examples()
    value = {"language": "ro", "texts": {k: {"title": t.title, "body": t.body} for k, t in TEXTS.items()}}

    assert found["version-input"] == rfc8785.dumps(value).decode("utf-8")
    assert found["version-hash"] == content_hash("ro", TEXTS) == hashlib.sha256(rfc8785.dumps(value)).hexdigest()


LANGUAGES = st.sampled_from(["ro", "en", "hu", "de", "uk"])
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@given(LANGUAGES, st.dictionaries(LANGUAGES, st.tuples(TEXT, TEXT), min_size=1, max_size=4))
@settings(max_examples=200, deadline=None)
def test_the_version_hash_is_the_sha256_of_the_jcs_text(language: str, texts: dict[str, tuple[str, str]]) -> None:
    value = {"language": language, "texts": {k: {"title": t, "body": b} for k, (t, b) in texts.items()}}

    assert content_hash(language, {k: Text(t, b) for k, (t, b) in texts.items()}) == (
        hashlib.sha256(rfc8785.dumps(value)).hexdigest()
    )
