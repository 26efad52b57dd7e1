"""Issuing signed checkpoints of the log, reading the latest, and checking the log against an old one."""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Signer:
    """The platform's checkpoint key and the name (the log's origin) it signs under."""

    name: str
    key: Ed25519PrivateKey

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
    return Signer(origin(config), keys.load_or_create(keys.key_path(config, instance_path)))


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
    """The newest checkpoint issued, if any."""
    row = connection.execute(select(log_checkpoints).order_by(log_checkpoints.c.size.desc()).limit(1)).first()
    return None if row is None else Issued(int(row.size), row.root_hash, row.note, row.issued_at)


def issue(store: EventStore, signer: Signer, now: datetime) -> tuple[Issued, bool]:
    """Extend the tree to the head and sign a checkpoint of it; (the checkpoint, whether it is new). A log that
    has not grown since the latest checkpoint keeps that one."""
    size = tree.extend(store)
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


def due(store: EventStore, signer: Signer, now: datetime, interval: float) -> int:
    """The loop's step: a checkpoint when the log has grown and either `interval` seconds have passed since the
    last one or a statement was published since; 1 if one was issued."""
    head = store.head()[0]
    with store.engine.connect() as connection:
        last = latest(connection)
        if last is not None and head <= last.size:
            return 0
        if last is not None and now - datetime.fromisoformat(last.issued_at) < timedelta(seconds=interval):
            anchored = select(events.c.position).where(events.c.position > last.size, events.c.type.in_(ANCHORED))
            if connection.execute(anchored.limit(1)).first() is None:
                return 0
    return int(issue(store, signer, now)[1])


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
