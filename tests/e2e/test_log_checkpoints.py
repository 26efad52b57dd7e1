"""Signed checkpoints and Merkle proofs: `flask log checkpoint`, the public API, the loop, `events verify --against`."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask

from coalition.transparency import checkpoints, note
from events import merkle, tree
from events.schema import log_checkpoints
from tests.e2e.conftest import MakeApp, services
from tests.e2e.test_cli import fill

DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS events_no_update", "DROP TRIGGER IF EXISTS events_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS events_no_update_delete ON events"],
}


@pytest.fixture
def app(make_app: MakeApp, migrated_url: str, tmp_path: Path) -> Flask:
    return make_app(
        migrated_url,
        migrated=False,
        CHECKPOINT_KEY=str(tmp_path / "keys" / "checkpoint.pem"),
        PUBLIC_URL="https://coalition.example.org",
    )


def leaves(app: Flask) -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(e.hash)) for e in services(app).store.read_all()]


def folded(hashes: list[bytes]) -> bytes:
    folder = merkle.Folder()
    for leaf in hashes:
        folder.push(leaf)
    return folder.root()


def public_key(app: Flask) -> Ed25519PublicKey:
    return checkpoints.signer_for(app.config, app.instance_path).public


def issue(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["log", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_checkpoint_is_a_signed_note_of_the_tree_head(app: Flask, tmp_path: Path) -> None:
    fill(app)
    text = issue(app)

    lines = text.split("\n")
    assert lines[:3] == ["coalition.example.org/log", "5", base64.b64encode(folded(leaves(app))).decode()]
    assert lines[3] == "" and lines[4].startswith("\u2014 coalition.example.org/log ") and lines[5:] == [""]
    assert note.verify(text, "coalition.example.org/log", public_key(app)).size == 5
    key_file = tmp_path / "keys" / "checkpoint.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # The key ID is the C2SP one: SHA-256(name || 0x0A || 0x01 || public key)[:4].
    signature = base64.b64decode(lines[4].rsplit(" ", 1)[1])
    raw = note.raw(public_key(app))
    assert signature[:4] == hashlib.sha256(b"coalition.example.org/log\n\x01" + raw).digest()[:4]
    assert issue(app) == text  # the log has not grown: the same checkpoint
    with pytest.raises(note.NoteError, match="does not verify"):
        note.verify(text.replace("\n5\n", "\n4\n"), "coalition.example.org/log", public_key(app))


def test_the_public_api_serves_checkpoints_and_proofs(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/api/v1/log/checkpoint").status_code == 404
    fill(app)
    issue(app)
    d = leaves(app)
    answer = client.get("/api/v1/log/checkpoint")
    assert answer.mimetype == "text/plain" and answer.get_data(as_text=True).split("\n")[1] == "5"
    for asked in ({"query_string": {"format": "json"}}, {"headers": {"Accept": "application/json"}}):
        body = client.get("/api/v1/log/checkpoint", **asked).json  # type: ignore[arg-type]
        assert body["size"] == 5 and body["root_hash"] == folded(d).hex()
        assert body["verifier_key"].startswith("coalition.example.org/log+")
    for position in range(1, 6):
        for size in range(position, 6):
            proof = client.get(f"/api/v1/log/proof/inclusion?position={position}&size={size}").json
            assert proof["leaf_index"] == position - 1 and proof["leaf_hash"] == d[position - 1].hex()
            path = [bytes.fromhex(p) for p in proof["audit_path"]]
            assert merkle.verify_inclusion(position - 1, size, d[position - 1], path, folded(d[:size]))
            consistency = client.get(f"/api/v1/log/proof/consistency?from={position}&to={size}").json
            path = [bytes.fromhex(p) for p in consistency["consistency_path"]]
            assert merkle.verify_consistency(position, size, folded(d[:position]), folded(d[:size]), path)
    for query, field in (
        ("inclusion?position=0&size=5", "position"),
        ("inclusion?position=x&size=5", "position"),
        ("inclusion?position=3", "size"),
        ("inclusion?position=4&size=3", "position"),
        ("inclusion?position=1&size=6", "size"),
        ("consistency?from=3&to=2", "from"),
        ("consistency?from=1&to=9", "to"),
        ("consistency?to=2", "from"),
    ):
        answer = client.get(f"/api/v1/log/proof/{query}")
        assert answer.status_code == 422, query
        assert field in answer.json["error"]["fields"], (query, answer.json)
    spec = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/log/checkpoint", "/log/proof/inclusion", "/log/proof/consistency"} <= set(spec)


def test_the_loop_issues_checkpoints_when_due(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    store, signer = services(app).store, checkpoints.signer_for(app.config, app.instance_path)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert checkpoints.due(store, signer, start, 600) == 0  # an empty log gets no checkpoint
    fill(app)
    assert checkpoints.due(store, signer, start, 600) == 1  # the first
    assert checkpoints.due(store, signer, start, 600) == 0  # not grown
    fill(app)
    assert checkpoints.due(store, signer, start + timedelta(seconds=60), 600) == 0  # grown, but too soon
    assert checkpoints.due(store, signer, start + timedelta(seconds=601), 600) == 1
    monkeypatch.setattr(checkpoints, "ANCHORED", ("ThingRenamed",))  # as if a statement were published
    fill(app)
    assert checkpoints.due(store, signer, start + timedelta(seconds=602), 600) == 1
    with services(app).engine.connect() as connection:
        assert checkpoints.latest(connection).size == 15  # type: ignore[union-attr]


def test_the_loop_catches_a_long_log_up_in_bounded_steps(app: Flask) -> None:
    from coalition.notify.worker import Notifier

    for _ in range(5):
        fill(app)  # 25 events, none in the tree
    app.config["CHECKPOINT_STEP"] = 10
    notifier = Notifier(app)
    seen = []
    for _ in range(3):
        notifier.turn()
        with services(app).engine.connect() as connection:
            seen.append((tree.tree_size(connection), checkpoints.latest(connection)))
    # Each turn adds at most 10 leaves; the checkpoint waits until the tree has caught up with the head.
    assert [(size, found is None) for size, found in seen] == [(10, True), (20, True), (25, False)]
    assert seen[-1][1].size == 25 and seen[-1][1].root_hash == folded(leaves(app)).hex()  # type: ignore[union-attr]


def test_an_empty_log_gets_no_checkpoint(app: Flask) -> None:
    from coalition.notify.worker import Notifier

    result = app.test_cli_runner().invoke(args=["log", "checkpoint"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "no checkpoint signed: the log holds no event yet" in result.output, result.output
    Notifier(app).turn()
    answer = app.test_client().get("/api/v1/log/checkpoint")
    assert answer.status_code == 404
    assert "the log is empty: no checkpoint is signed until it holds an event" in answer.json["error"]["message"]
    with services(app).engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(log_checkpoints)).scalar() == 0
    with services(app).engine.begin() as connection:  # one signed for an empty log by an earlier version
        connection.execute(sa.insert(log_checkpoints).values(size=0, root_hash="e3", note="-", issued_at="x"))
    assert app.test_client().get("/api/v1/log/checkpoint").status_code == 404
    fill(app)
    answer = app.test_client().get("/api/v1/log/checkpoint")
    assert answer.status_code == 404 and "no checkpoint has been issued yet" in answer.json["error"]["message"]
    result = app.test_cli_runner().invoke(args=["log", "checkpoint"])
    assert result.exit_code == 0 and result.stdout.split("\n")[1] == "5"
    assert "Merkle tree: 5 of 5 events" in result.output


def test_the_loop_has_a_checkpoint_step(app: Flask) -> None:
    from coalition.notify.worker import Notifier

    fill(app)
    Notifier(app).turn()
    with services(app).engine.connect() as connection:
        assert checkpoints.latest(connection).size == 5  # type: ignore[union-attr]


def tamper(app: Flask, *statements: tuple[str, dict[str, object]]) -> None:
    with services(app).engine.begin() as connection:
        for drop in DROP_TRIGGERS[connection.dialect.name]:
            connection.exec_driver_sql(drop)
        for statement, params in statements:
            connection.execute(sa.text(statement), params)


def verify_against(app: Flask, note_file: Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["events", "verify", "--against", str(note_file)])
    return result.exit_code, result.output


def test_verify_against_a_checkpoint_finds_truncation_and_rewriting(app: Flask, tmp_path: Path) -> None:
    fill(app)
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(issue(app))
    fill(app)  # the log grows after the checkpoint: still consistent
    code, output = verify_against(app, saved)
    assert code == 0 and "still holds the tree of 5 events" in output, output

    forged = tmp_path / "forged.txt"
    forged.write_text(saved.read_text().replace("\n5\n", "\n6\n"))
    code, output = verify_against(app, forged)
    assert code == 1 and "does not verify" in output

    tamper(app, ("DELETE FROM events WHERE position > 3", {}))
    code, output = verify_against(app, saved)
    assert code == 1 and "TRUNCATED: the log holds 3 events, fewer than the 5" in output, output


def test_verify_against_a_checkpoint_finds_an_old_event_rewritten(app: Flask, tmp_path: Path) -> None:
    fill(app)
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(issue(app))
    store = services(app).store
    chain = store.log_format()
    rows = list(store.read_batches(0, raw=True))[0]
    # Rewrite event 2 and recompute every later hash, so that the chain alone still verifies.
    previous = rows[0].hash
    changes = []
    for row in rows[1:]:
        payload = row.payload.replace("ț", "t") if row.position == 2 else row.payload
        values = dict(row._mapping, payload=payload)
        previous = chain.hash(
            previous,
            values["position"],
            values["stream_id"],
            values["version"],
            values["type"],
            values["schema_version"],
            values["payload"],
            values["metadata"],
            values["recorded_at"],
        )
        changes.append(
            (
                "UPDATE events SET payload = :pl, hash = :h WHERE position = :p",
                {"pl": payload, "h": previous, "p": row.position},
            )
        )
    tamper(app, *changes)
    assert store.verify().ok
    code, output = verify_against(app, saved)
    assert code == 1 and "REWRITTEN: the first 5 events' Merkle root is" in output, output

    tamper(app, ("UPDATE events SET payload = :pl WHERE position = 1", {"pl": '{"name":"forged"}'}))
    code, output = verify_against(app, saved)
    assert code == 1 and "BROKEN at position 1" in output, output


def test_no_checkpoint_is_signed_over_a_truncated_or_rewritten_log(app: Flask) -> None:
    fill(app)
    issue(app)
    fill(app)
    tamper(app, ("DELETE FROM events WHERE position > 4", {}))
    result = app.test_cli_runner().invoke(args=["log", "checkpoint"])
    assert result.exit_code == 1 and "fewer than the tree's 5: truncated" in result.output, result.output
    fill(app)  # the log grows again past the tree, with other events at positions 5 and after
    result = app.test_cli_runner().invoke(args=["log", "checkpoint"])
    assert result.exit_code == 1 and "position 5 no longer has the hash" in result.output, result.output
