"""An independent verifier in JavaScript (tests/node/verify_log.mjs, written from docs/log-format.md alone)
agrees with `flask events verify` on an export holding floats, large integers, non-ASCII and emoji text,
and catches a one-byte change; on every backend."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from events import InvalidPayload, Metadata, NewEvent
from tests.conftest import missing
from tests.e2e.conftest import MakeApp, services

VERIFIER = Path(__file__).parent.parent / "node" / "verify_log.mjs"
BIG = 2**53 + 1  # 9007199254740993: no IEEE double holds it


def node() -> str:
    """The `node` executable; skipped when missing outside CI (fails in CI, where it must be installed)."""
    found = shutil.which("node")
    if found is None:
        missing("node is not installed (Debian package nodejs, listed in .ci/system-packages)")
    return str(found)


def verify_with_node(path: Path) -> subprocess.CompletedProcess[str]:
    """Run the JavaScript verifier over an export file."""
    return subprocess.run([node(), str(VERIFIER), str(path)], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def fill(app: Flask) -> None:
    """Events whose payloads test every corner of canonical JSON."""
    append = services(app).append
    who = Metadata(actor_id="user-ț", organisation_id="organisation-🌍")
    append([NewEvent("thing-1", "ThingCreated", {"name": "Țară românească 🇷🇴 — ünïcödé"})], metadata=who)
    append(
        [
            NewEvent("thing-2", "ThingCreated", {"name": "pledge", "tags": [12000.0, 0.1, 1e21, 1e-7, -0.0, 5e-324]}),
            NewEvent("thing-1", "ThingRenamed", {"name": "mixed 😀 keys", "reason": '\u2028 \x7f \x01 "q" \\ \t'}),
        ],
        metadata=who,
    )
    append([NewEvent("thing-3", "ThingCreated", {"name": "keys", "tags": {"\ue000": 1, "😀": 2, "é": 3, "a": 1.5}})])
    append(
        [
            NewEvent(
                "thing-4",
                "ThingCreated",
                {"name": "big", "size": 2**53 - 1, "tags": {"as string": str(BIG), "largest": -(2**53 - 1)}},
            )
        ]
    )


def exported(runner: FlaskCliRunner, tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    result = runner.invoke(args=["events", "export", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_the_node_verifier_agrees_with_flask_events_verify(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    fill(app)
    path = exported(runner, tmp_path)

    ours = runner.invoke(args=["events", "verify"])
    theirs = verify_with_node(path)

    assert ours.exit_code == 0 and theirs.returncode == 0, theirs.stderr
    head = services(app).store.head()
    assert ours.stdout.strip() == theirs.stdout.strip() == f"OK: 5 events, head hash {head[1]}, chain format 2"
    pledge = json.loads(path.read_text(encoding="utf-8").split("\n")[2])  # not splitlines(): U+2028 is in a string
    assert pledge["payload"]["tags"] == [12000, 0.1, 1e21, 1e-7, 0, 5e-324]  # as JavaScript writes them
    assert '"tags":[12000,0.1,1e+21,1e-7,0,5e-324]' in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "position"),
    [
        ('"tags":[12000,', '"tags":[12001,', 2),  # a digit of a number
        ("ț", "Ț", 1),  # one byte of a two-byte letter (U+021B becomes U+021A), in the metadata
        ("😀 keys", "😁 keys", 3),  # the last byte of an emoji
    ],
)
def test_the_node_verifier_catches_a_one_byte_change_at_its_position(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, old: str, new: str, position: int
) -> None:
    fill(app)
    path = exported(runner, tmp_path)
    data = path.read_bytes()
    before, after = old.encode(), new.encode()
    assert len(before) == len(after) and sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert data.count(before) >= 1
    path.write_bytes(data.replace(before, after, 1))

    result = verify_with_node(path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"BROKEN at position {position}: the hash does not match")


def test_the_node_verifier_catches_a_missing_event(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    fill(app)
    path = exported(runner, tmp_path)
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(lines[:3] + lines[4:]), encoding="utf-8")  # the header, positions 1, 2, 4, 5

    result = verify_with_node(path)

    assert result.returncode == 1
    assert result.stdout.startswith("BROKEN at position 4: position 3 is missing")


def test_an_integer_beyond_2_53_is_refused_and_nothing_written(app: Flask) -> None:
    with pytest.raises(InvalidPayload, match=r"9007199254740993 is beyond ±9007199254740991 .* as a string"):
        services(app).append([NewEvent("thing-1", "ThingCreated", {"name": "big", "size": BIG})])

    assert services(app).store.head()[0] == 0


def test_the_node_verifier_says_it_does_not_check_format_1(
    make_app: MakeApp, other_database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"log_format": 1}\n', encoding="utf-8")

    result = verify_with_node(path)

    assert result.returncode == 2
    assert "chain format 1 is not one this verifier checks" in result.stderr
