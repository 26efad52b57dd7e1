"""An export never builds the log's whole Merkle tree inside a request: when no checkpoint covers the exported
position and the tree lags the head by more than one step (COALITION_CHECKPOINT_STEP), the answer is a 503 with
Retry-After and a message saying why; within a step, the export extends the tree and issues a checkpoint."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from coalition.pdf import export
from coalition.transparency import checkpoints, note
from events import tree
from events.schema import log_checkpoints, merkle_nodes
from tests.e2e.conftest import services
from tests.e2e.test_export_from_log import proof_of
from tests.e2e.test_statement_pdf import published
from tests.e2e.world import World, error_of


def no_tree_yet(app: Flask, step: int) -> int:
    """The log as it is on a large log with no tree yet: no checkpoint, no stored tree; the export's step is
    `step`. The log's head."""
    sealer = export.for_app(app)[0]
    assert sealer.checkpoints is not None
    sealer.checkpoints = replace(sealer.checkpoints, step=step)
    with services(app).engine.begin() as connection:
        connection.execute(log_checkpoints.delete())
        connection.execute(merkle_nodes.delete())
    return int(services(app).store.head()[0])


def stored(app: Flask) -> tuple[int, int]:
    """(checkpoints signed, the tree's size)."""
    with services(app).engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(log_checkpoints)).scalar_one()
        return int(count), tree.tree_size(connection)


def test_an_export_far_behind_the_tree_is_a_503_with_retry_after_and_does_no_tree_work(world: World) -> None:
    app = world.api.app
    statement = published(world)
    head = no_tree_yet(app, step=5)
    assert head > 5

    answer = world.api.call("GET", f"{world.path}/statements/{statement.id}.pdf", world.who("ana"))

    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    message = error_of(answer, 503, "unavailable")["message"]
    assert message == "the log's proof tree is being brought up to date; try again in a minute"
    assert stored(app) == (0, 0)  # nothing built, nothing signed: the worker catches the tree up

    page = app.test_client().get(f"/public/statements/{statement.id}.pdf", headers={"Accept-Language": "ro"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "60" and page.mimetype == "text/html"
    assert "arborele de dovezi al jurnalului este adus la zi; încercați din nou peste un minut" in page.text
    assert stored(app) == (0, 0)


def test_an_export_within_a_step_of_the_tree_extends_it_and_issues_a_checkpoint(world: World) -> None:
    app = world.api.app
    statement = published(world)
    head = no_tree_yet(app, step=10_000)

    answer = world.api.call("GET", f"{world.path}/statements/{statement.id}.pdf", world.who("ana"))

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    proof = proof_of(answer.data)
    assert note.parse(proof.checkpoint)[0].size == head == proof.exported_position
    assert stored(app) == (1, head)
    with services(app).engine.connect() as connection:
        latest = checkpoints.latest(connection)
    assert latest is not None and latest.note == proof.checkpoint


def test_the_worker_catches_the_tree_up_and_the_export_then_succeeds(world: World) -> None:
    app = world.api.app
    statement = published(world)
    head = no_tree_yet(app, step=5)
    path = f"{world.path}/statements/{statement.id}.pdf"
    assert world.api.call("GET", path, world.who("ana")).status_code == 503

    store, signer = services(app).store, export.for_app(app)[0].checkpoints
    assert signer is not None
    while stored(app)[1] < head:  # the worker's turns, a step each
        checkpoints.due(store, signer, store.clock(), 0, step=5)

    answer = world.api.call("GET", path, world.who("ana"))
    assert answer.status_code == 200 and note.parse(proof_of(answer.data).checkpoint)[0].size == head


def test_the_command_line_export_is_not_a_request_and_brings_the_tree_up_to_date(world: World, tmp_path: Path) -> None:
    app = world.api.app
    statement = published(world)
    head = no_tree_yet(app, step=5)

    out = tmp_path / "statement.pdf"
    done = app.test_cli_runner().invoke(args=["statements", "export", statement.id, str(out)])

    assert done.exit_code == 0, done.output
    assert note.parse(proof_of(out.read_bytes()).checkpoint)[0].size == head
    assert stored(app) == (1, head)
