"""The event store (append-only events, idempotency keys), projection checkpoints, the stream catalogue.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer, "sqlite")

IMMUTABLE = {
    "sqlite": [
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable: UPDATE is not allowed'); END",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable: DELETE is not allowed'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'events are immutable: % is not allowed', TG_OP; END $$",
        "CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_immutable()",
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_immutable()",
        # Wakes `flask projections run` (LISTEN coalition_events) when a transaction with new events commits.
        "CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('coalition_events', ''); RETURN NULL; END $$",
        "CREATE TRIGGER events_notify AFTER INSERT ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_notify()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_type_position", "events", ["type", "position"])
    for statement in IMMUTABLE[op.get_bind().dialect.name]:
        op.execute(statement)
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", POSITION, nullable=False),
    )
    op.create_table(
        "stream_heads",
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_position", POSITION, nullable=False),
        sa.Column("last_type", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_stream_heads_category", "stream_heads", ["category"])


def downgrade() -> None:
    op.drop_table("stream_heads")
    op.drop_table("projection_checkpoints")
    op.drop_table("idempotency_keys")
    op.drop_table("events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION events_immutable()")
        op.execute("DROP FUNCTION events_notify()")
