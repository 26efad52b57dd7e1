"""Webhooks: the endpoints coalitions register and the outbox of deliveries to them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        'webhooks',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('coalition_id', sa.String(64), nullable=False),
        sa.Column('url', sa.String(2000), nullable=False),
        sa.Column('events', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(200), nullable=False),
        sa.Column('created_by', sa.String(64), nullable=False),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('after_position', POSITION, nullable=False),
        sa.Column('disabled_at', sa.String(32)),
        sa.Column('disabled_reason', sa.Text()),
        sa.Column('failing_since', sa.String(32)),
    )
    op.create_index('ix_webhooks_coalition_id', 'webhooks', ['coalition_id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('webhook_id', sa.String(64), sa.ForeignKey('webhooks.id', ondelete='CASCADE'), nullable=False),
        sa.Column('position', POSITION, nullable=False),
        sa.Column('event_id', sa.String(200), nullable=False),
        sa.Column('event_type', sa.String(100), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.String(32), nullable=False),
        sa.Column('last_status_code', sa.Integer()),
        sa.Column('last_error', sa.Text()),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('delivered_at', sa.String(32)),
        sa.UniqueConstraint('webhook_id', 'position', name='uq_webhook_deliveries_webhook_position'),
    )
    op.create_index('ix_webhook_deliveries_status_due', 'webhook_deliveries', ['status', 'due_at'])


def downgrade() -> None:
    op.drop_index('ix_webhook_deliveries_status_due', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_webhooks_coalition_id', table_name='webhooks')
    op.drop_table('webhooks')
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'webhooks'")
