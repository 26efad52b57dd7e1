"""The webhooks' own tables: the endpoints a coalition registered, and the outbox of deliveries to them.

They are not read models: nothing rebuilds them from the log. The follower's place in the log is the
`webhooks` row of `projection_checkpoints` (not a registered projection, so never rebuilt or replayed).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

#: One row per endpoint; `secret` is the Standard Webhooks `whsec_...` key, shown to its facilitator once.
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("coalition_id", String(64), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("events", Text, nullable=False),  # a JSON list of event types
    Column("secret", String(200), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    # the head of the log when it was registered: events at or before it are never delivered to it
    Column("after_position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("disabled_at", String(32)),
    Column("disabled_reason", Text),
    Column("failing_since", String(32)),  # the first failure since the last success
)

#: The outbox: one row per webhook and event; `id` is the Standard Webhooks `webhook-id`. While a runner
#: sends it, `status` is `sending` and `due_at` the end of its lease (a crashed runner's row is taken again).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("webhook_id", String(64), ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("status", String(16), nullable=False),  # queued, sending, delivered, failed
    Column("attempts", Integer, nullable=False),
    Column("due_at", String(32), nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", String(32), nullable=False),
    Column("delivered_at", String(32)),
    UniqueConstraint("webhook_id", "position", name="uq_webhook_deliveries_webhook_position"),
    Index("ix_webhook_deliveries_status_due", "status", "due_at"),
)
