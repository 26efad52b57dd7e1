"""The store's tables (SQLAlchemy Core); the migrations create them and the triggers that keep `events` append-only."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

events = Table(
    "events",
    metadata,
    # Assigned by the store under its write lock, so positions are contiguous and in commit order.
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("stream_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("result", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
)

#: One row: the chain format the log's hashes are computed in (docs/log-format.md). Set by the
#: migration that made it (1 for a log that already held events, 2 for an empty one) and by an
#: import into an empty store (the export's format); never guessed from the events.
log_format = Table(
    "log_format",
    metadata,
    Column("id", Integer, CheckConstraint("id = 1", name="ck_log_format_one_row"), primary_key=True),
    Column("format", Integer, nullable=False),
)

#: The Merkle tree over the events (events/merkle.py): the hash of every complete subtree, by level (0: the
#: leaves) and index. Kept by whoever issues checkpoints (events/tree.py), never by the append path.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

#: The signed checkpoints issued (C2SP tlog-checkpoint notes), one per tree size.
log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("issued_at", String(32), nullable=False),
)

#: Crypto-shredding (events/personal.py): one AES-256 key per person, kept outside the log. Erasing a
#: person destroys the key (`key` set to NULL, `erased_at` set) and keeps the row, so later appends
#: know the person is gone and reads need not ask again.
person_keys = Table(
    "person_keys",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("key", LargeBinary(32)),
    Column("created_at", String(32), nullable=False),
    Column("erased_at", String(32)),
)
