"""The tables of the notifications: the outbox of messages to send, and each person's choices."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

#: Every message to send, rendered when it was queued. `key` names what it is about (an event and a
#: recipient and a kind, a reminder of a subject on a day, an invitation), so that queuing twice is a no-op.
outbox = Table(
    "outbox",
    metadata,
    Column("message_id", String(64), primary_key=True),  # also the Message-ID's local part
    Column("key", String(300), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("user_id", String(64), index=True),  # None: someone without an account (an invitation)
    Column("email", String(320), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("attachment", String(200)),  # what to attach when sending, e.g. "statement-pdf:<id>:<language>"
    # queued -> sending -> sent; or retried (queued again, later); or failed. held: waits for the daily digest,
    # then digested (it went out inside the digest), or dropped (the person turned its kind off meanwhile).
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("due_at", String(32), nullable=False),  # when to try (again); while sending, when the claim lapses
    Column("last_error", Text),
    Column("created_at", String(32), nullable=False),
    Column("sent_at", String(32)),
    Column("position", BigInteger().with_variant(Integer, "sqlite")),  # the event it came from, if any
    Index("outbox_due", "status", "due_at"),
)

#: How a person wants each kind of message: immediate (the default), daily (in one digest), or off.
preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("mode", String(12), nullable=False),
)

#: A person's digest hour (UTC, 0-23): when the day's held messages go out as one.
digest_hours = Table(
    "notification_digest_hours",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("hour", Integer, nullable=False),
)
