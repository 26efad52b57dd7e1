"""Issuing signed checkpoints of the log, reading the latest, and checking the log against an old one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from coalition.transparency import keys, note
from events import EventStore, tree
from events.schema import events, log_checkpoints
from events.store import format_time

#: Events that get a checkpoint at the loop's next turn, whatever the interval.
ANCHORED = ("StatementPublished",)

#: The most leaves one turn of the loop adds to the tree (CHECKPOINT_STEP): at 30,000–70,000 leaves a second on
#: the benchmark machine, a turn spends well under a second on it; a long log is caught up over several turns.
STEP = 20_000


class EmptyLog(ValueError):
    """The log holds no event: a checkpoint would vouch for nothing, so none is signed."""


@dataclass(frozen=True, slots=True)
class Signer:
    """The platform's checkpoint key and the name (the log's origin) it signs under."""

    name: str
    key: Ed25519PrivateKey
    step: int = STEP  # the most leaves one call may add to the tree (COALITION_CHECKPOINT_STEP)

    @property
    def public(self) -> Ed25519PublicKey:
        return self.key.public_key()

    @property
    def verifier_key(self) -> str:
        return note.verifier_key(self.name, self.public)


def origin(config: Any) -> str:
    """The log's origin line (and key name): CHECKPOINT_ORIGIN, else the public address's host and path + /log."""
    if config.get("CHECKPOINT_ORIGIN"):
        return str(config["CHECKPOINT_ORIGIN"])
    url = urlsplit(str(config.get("PUBLIC_URL") or "http://localhost"))
    return f"{url.netloc}{url.path.rstrip('/')}/log"


def signer_for(config: Any, instance_path: str) -> Signer:
    """The instance's signer, its key made on first use."""
    step = int(config.get("CHECKPOINT_STEP") or STEP)
    return Signer(origin(config), keys.load_or_create(keys.key_path(config, instance_path)), step)


@dataclass(frozen=True, slots=True)
class Issued:
    """One checkpoint as stored."""

    size: int
    root_hash: str
    note: str
    issued_at: str

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "root_hash": self.root_hash, "note": self.note, "issued_at": self.issued_at}


def latest(connection: Connection) -> Issued | None:
    """The newest checkpoint issued, if any (one of size 0, which older versions signed for an empty log, is
    not one)."""
    query = select(log_checkpoints).where(log_checkpoints.c.size > 0).order_by(log_checkpoints.c.size.desc())
    row = connection.execute(query.limit(1)).first()
    return None if row is None else Issued(int(row.size), row.root_hash, row.note, row.issued_at)


def issue(
    store: EventStore,
    signer: Signer,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    limit: int | None = None,
) -> tuple[Issued, bool]:
    """Extend the tree to the head (all of it, however long: `progress(size, head)` after each batch; or at most
    `limit` leaves) and sign a checkpoint of it; (the checkpoint, whether it is new). A log that has not grown since
    the latest checkpoint keeps that one; an empty log gets none (EmptyLog)."""
    size = tree.extend(store, limit=limit, progress=progress)
    if size == 0:
        raise EmptyLog("the log holds no event yet: the first checkpoint is signed once it holds one")
    return _sign(store, signer, now, size)


def _sign(store: EventStore, signer: Signer, now: datetime, size: int) -> tuple[Issued, bool]:
    """Sign and store a checkpoint of the tree's first `size` leaves, unless one as large exists."""
    with store.transaction(lock=False) as connection:
        tree.lock(connection)
        last = latest(connection)
        if last is not None and last.size >= size:
            return last, False
        root = tree.root(connection, size)
        text = note.sign(note.Checkpoint(signer.name, size, root), signer.name, signer.key)
        made = Issued(size, root.hex(), text, format_time(now))
        connection.execute(insert(log_checkpoints).values(**made.to_json()))
    return made, True


def due(store: EventStore, signer: Signer, now: datetime, interval: float, step: int = STEP) -> int:
    """The loop's step: when the log has grown and either `interval` seconds have passed since the last checkpoint
    or a statement was published since, add at most `step` leaves to the tree, and sign a checkpoint once the tree
    has caught up with the head (a long log is caught up over several turns, none of them long); 1 if one was
    issued. An empty log gets none."""
    head = store.head()[0]
    if head == 0:
        return 0
    with store.engine.connect() as connection:
        last = latest(connection)
        if last is not None and head <= last.size:
            return 0
        if last is not None and now - datetime.fromisoformat(last.issued_at) < timedelta(seconds=interval):
            anchored = select(events.c.position).where(events.c.position > last.size, events.c.type.in_(ANCHORED))
            if connection.execute(anchored.limit(1)).first() is None:
                return 0
    size = tree.extend(store, limit=step)
    if size < head:
        return 0  # the next turns go on from here
    return int(_sign(store, signer, now, size)[1])


def check_against(store: EventStore, text: str, name: str, public: Ed25519PublicKey) -> note.Checkpoint:
    """The checkpoint a note vouches for, after checking its signature and that the log still holds that tree:
    NoteError saying what was found otherwise (a bad signature, the log truncated, or rewritten)."""
    checkpoint = note.verify(text, name, public)
    count, root = tree.recomputed_root(store, checkpoint.size)
    if count < checkpoint.size:
        raise note.NoteError(
            f"TRUNCATED: the log holds {count} events, fewer than the {checkpoint.size} this checkpoint vouches for"
        )
    if root != checkpoint.root:
        raise note.NoteError(
            f"REWRITTEN: the first {checkpoint.size} events' Merkle root is {root.hex()}, "
            f"the checkpoint's is {checkpoint.root.hex()}: an event at or before position {checkpoint.size} changed"
        )
    return checkpoint
