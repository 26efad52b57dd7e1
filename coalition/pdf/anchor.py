"""The signed checkpoint and RFC 9162 inclusion proofs a statement PDF carries, and their check.

At export, the latest checkpoint covering the exported position is taken (one is issued if none covers it), and
the version event (the StatementOpened or StatementAmended that made the current version) and each counted
signature's event get an inclusion proof against that checkpoint's tree. A verifier needs only the platform's
checkpoint key to check them (docs/log-format.md, "Merkle tree and checkpoints"; tools/verify_statement.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import NoResultFound

from coalition.domain import statement_state
from coalition.domain.base import DomainError, RuleBroken
from coalition.domain.event_types import registry
from coalition.pdf.document import Inclusion, Proof
from coalition.pdf.reasons import Reason
from coalition.transparency import checkpoints, note
from events import EventStore, merkle, tree
from events.hashing import FORMATS
from events.schema import events
from events.sql import stored_format

#: The events that make a statement's version.
VERSIONING = ("StatementOpened", "StatementAmended")


def version_event(connection: Connection, statement_id: str, position: int) -> tuple[int, str]:
    """The position and hash of the event that made the statement's version as the log stood at `position`."""
    row = connection.execute(
        select(events.c.position, events.c.hash)
        .where(
            events.c.stream_id == statement_state.stream(statement_id),
            events.c.type.in_(VERSIONING),
            events.c.position <= position,
        )
        .order_by(events.c.position.desc())
        .limit(1)
    ).one()
    return int(row.position), str(row.hash)


def records(connection: Connection, positions: set[int]) -> dict[int, tuple[tuple[str, Any], ...]]:
    """The records of the events at `positions` (RECORD_FIELDS: what each one's hash covers, with the hash of the
    event before it), read from the log as stored."""
    wanted = positions | {p - 1 for p in positions if p > 1}
    rows = {row.position: row for row in connection.execute(select(events).where(events.c.position.in_(wanted)))}
    genesis = stored_format(connection).genesis
    return {
        p: (
            ("previous", rows[p - 1].hash if p > 1 else genesis),
            ("stream_id", rows[p].stream_id),
            ("version", rows[p].version),
            ("type", rows[p].type),
            ("schema_version", rows[p].schema_version),
            ("payload", rows[p].payload),
            ("metadata", rows[p].metadata),
            ("recorded_at", rows[p].recorded_at),
        )
        for p in positions
    }


class TreeBehind(DomainError):
    """The log's Merkle tree lags its head by more than one step: bringing it up to date is the worker's job (a
    step per turn), never a request's. The export is refused for now (503 with Retry-After)."""

    kind = "unavailable"
    retry_after = 60


def anchored(engine: Engine, signer: checkpoints.Signer, proof: Proof, now: datetime, bounded: bool = True) -> Proof:
    """The proof with a checkpoint covering its position and the inclusion proofs of its events in that tree.

    When no checkpoint covers the position, one is issued. `bounded` (an HTTP request): after adding at most
    `signer.step` leaves to the tree (COALITION_CHECKPOINT_STEP); a tree further behind the head is the worker's to
    catch up, and the export is refused for now (`TreeBehind`), so that no request does unbounded work. Not
    `bounded` (the worker's mail attachments, the command line): the tree is brought up to the head, however long."""
    limit = signer.step if bounded else None
    with engine.connect() as connection:
        found = checkpoints.latest(connection)
        behind = (
            store_head(connection) - tree.tree_size(connection)
            if found is None or found.size < proof.exported_position
            else 0
        )
    if limit is not None and behind > limit:
        raise TreeBehind("the log's proof tree is being brought up to date; try again in a minute")
    if found is None or found.size < proof.exported_position:
        try:
            found = checkpoints.issue(EventStore(engine, registry), signer, now, limit=limit)[0]
        except tree.LogDiverged as error:  # the log no longer holds what the tree was built from
            raise RuleBroken(
                "no PDF is made from a log that was truncated or rewritten: %(what)s", what=str(error)
            ) from None
        if found.size < proof.exported_position:  # the log grew by more than a step meanwhile
            raise TreeBehind("the log's proof tree is being brought up to date; try again in a minute")
    with engine.connect() as connection:
        wanted = [("version", *version_event(connection, proof.statement_id, proof.exported_position))]
        wanted += [("signature", s.position, s.event_hash) for s in proof.signatures]
        recorded = records(connection, {position for _, position, _ in wanted})
        inclusions = tuple(
            Inclusion(
                role,
                position,
                hash,
                found.size,
                tuple(x.hex() for x in tree.inclusion(connection, position - 1, found.size)),
                recorded[position],
            )
            for role, position, hash in wanted
        )
        chain = stored_format(connection).number
    return replace(proof, checkpoint=found.note, inclusions=inclusions, log_format=chain)


def store_head(connection: Connection) -> int:
    """The log's last position (0 when empty)."""
    return int(connection.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one())


def check(proof: Proof, signer: checkpoints.Signer, reasons: list[Reason]) -> int | None:
    """Check the proof's checkpoint signature and its inclusion proofs, adding a reason for each failure; the
    checkpoint's tree size when it verifies. Proofs before format 3 carry none and are not faulted for it."""
    if not proof.checkpoint and not proof.inclusions:
        return None
    try:
        checkpoint = note.verify(proof.checkpoint, signer.name, signer.public)
    except note.NoteError as error:
        reasons.append(_checkpoint_reason(error))
        return None
    if checkpoint.size < proof.exported_position:
        reasons.append(
            Reason(
                "the PDF's checkpoint covers %(size)d events, not its position %(position)d",
                size=checkpoint.size,
                position=proof.exported_position,
            )
        )
    for x in proof.inclusions:
        leaf = merkle.leaf_hash(bytes.fromhex(x.event_hash))
        path = [bytes.fromhex(h) for h in x.audit_path]
        if x.tree_size != checkpoint.size or not merkle.verify_inclusion(
            x.position - 1, checkpoint.size, leaf, path, checkpoint.root
        ):
            reasons.append(
                Reason(
                    "the inclusion proof of the event at position %(position)d does not lead to the checkpoint's root",
                    position=x.position,
                )
            )
    _records(proof, reasons)
    proved = {(x.role, x.position, x.event_hash) for x in proof.inclusions}
    if not any(x.role == "version" for x in proof.inclusions):
        reasons.append(Reason("the PDF's proof has no inclusion proof for its version event"))
    if any(("signature", s.position, s.event_hash) not in proved for s in proof.signatures):
        reasons.append(Reason("a counted signature in the PDF has no inclusion proof in its checkpoint"))
    return checkpoint.size


def _records(proof: Proof, reasons: list[Reason]) -> None:
    """From format 4: each event record gives its proved hash, and names the proof's version hash."""
    chain = FORMATS.get(proof.log_format)
    for x in proof.inclusions:
        if not x.event or chain is None:
            continue
        record = dict(x.event)
        try:
            recomputed = chain.hash(
                record["previous"],
                x.position,
                record["stream_id"],
                record["version"],
                record["type"],
                record["schema_version"],
                record["payload"],
                record["metadata"],
                record["recorded_at"],
            )
            named = json.loads(record["payload"]).get("version_hash")
        except (TypeError, ValueError, AttributeError):
            recomputed, named = "", None
        if recomputed != x.event_hash:
            reasons.append(
                Reason(
                    "the PDF's record of the event at position %(position)d does not give its hash", position=x.position
                )
            )
        elif named != proof.version_hash:
            reasons.append(
                Reason("the event at position %(position)d does not name the PDF's version hash", position=x.position)
            )


def _checkpoint_reason(error: note.NoteError) -> Reason:
    """Why the PDF's checkpoint does not verify, in words the page can translate."""
    if "carries no signature" in str(error):
        return Reason("the PDF's checkpoint carries no signature by this platform's checkpoint key")
    if "does not verify" in str(error):
        return Reason("the PDF's checkpoint's signature does not verify: it was altered or not signed by this platform")
    return Reason("the PDF's checkpoint is not a well-formed signed checkpoint")


def matches_log(connection: Connection, proof: Proof, reasons: list[Reason]) -> None:
    """The version event the proof names is the one the log holds as making the version at its position."""
    named = {(x.position, x.event_hash) for x in proof.inclusions if x.role == "version"}
    try:
        held = {version_event(connection, proof.statement_id, proof.exported_position)}
    except NoResultFound:
        held = set()
    if named and named != held:
        reasons.append(Reason("the PDF's version event is not the event that made the version in this platform's log"))
