"""Issue 15, item 3: every published statement gets a checkpoint at the loop's next turn, whatever the interval."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coalition.notify.worker import Notifier
from coalition.transparency import checkpoints, note
from events import merkle
from events.schema import events
from tests.e2e.test_statement_pdf import published
from tests.e2e.world import World


def another(world: World) -> None:
    """A second statement, signed by River Watch alone, published."""
    w = world
    body = {"title": "Clean air too", "language": "en", "body": "We call for clean air."}
    path = f"{w.path}/statements/{w.ok('POST', f'{w.path}/statements', 'ana', body)['id']}"
    w.ok("POST", f"{path}/open", "ana", {"threshold": 1})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")


def publications(app: Flask) -> list[tuple[int, str]]:
    with app.extensions["coalition"].engine.connect() as connection:
        found = select(events.c.position, events.c.hash).where(events.c.type == "StatementPublished")
        return [(int(p), str(h)) for p, h in connection.execute(found.order_by(events.c.position))]


def latest(app: Flask) -> checkpoints.Issued:
    with app.extensions["coalition"].engine.connect() as connection:
        found = checkpoints.latest(connection)
    assert found is not None
    return found


def proves(app: Flask, position: int, event_hash: str, issued: checkpoints.Issued) -> bool:
    """The public API's inclusion proof of the event leads to the checkpoint's signed root."""
    signer = checkpoints.signer_for(app.config, app.instance_path)
    head = note.verify(issued.note, signer.name, signer.public)
    answer = app.test_client().get(f"/api/v1/log/proof/inclusion?position={position}&size={head.size}")
    path = [bytes.fromhex(h) for h in answer.json["audit_path"]]
    leaf = merkle.leaf_hash(bytes.fromhex(event_hash))
    return merkle.verify_inclusion(position - 1, head.size, leaf, path, head.root)


def test_each_published_statement_is_in_a_checkpoint_issued_at_the_next_turn(world: World) -> None:
    app: Flask = world.api.client.application
    app.config["CHECKPOINT_INTERVAL"] = 3600  # far from due by time alone
    notifier = Notifier(app)
    notifier.turn()
    first = latest(app)
    assert publications(app) == []

    for publish in (published, another):
        publish(world)
        position, event_hash = publications(app)[-1]
        assert latest(app).size < position  # nothing is signed inside the publishing request
        notifier.turn()
        issued = latest(app)
        assert issued.size >= position > first.size and proves(app, position, event_hash, issued)
    assert len(publications(app)) == 2

    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("mo"), "title": "Aide"})
    notifier.turn()  # grown, but by no publication and within the interval: no new checkpoint
    assert latest(app) == issued
