"""The notifications: the outbox, each person's preferences and digest hour

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox',
        sa.Column('message_id', sa.String(length=64), primary_key=True),
        sa.Column('key', sa.String(length=300), nullable=False, unique=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('attachment', sa.String(length=200), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('due_at', sa.String(length=32), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('sent_at', sa.String(length=32), nullable=True),
        sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    )
    op.create_index('outbox_due', 'outbox', ['status', 'due_at'])
    op.create_index('ix_outbox_user_id', 'outbox', ['user_id'])
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.String(length=64), primary_key=True),
        sa.Column('kind', sa.String(length=40), primary_key=True),
        sa.Column('mode', sa.String(length=12), nullable=False),
    )
    op.create_table(
        'notification_digest_hours',
        sa.Column('user_id', sa.String(length=64), primary_key=True),
        sa.Column('hour', sa.Integer(), nullable=False),
    )
    # The reactor starts at the head of an existing log: what happened before it existed is not news.
    op.execute(
        "INSERT INTO projection_checkpoints (name, position) SELECT 'notify', COALESCE(MAX(position), 0) FROM events"
    )


def downgrade() -> None:
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'notify'")
    op.drop_table('notification_digest_hours')
    op.drop_table('notification_preferences')
    op.drop_index('ix_outbox_user_id', table_name='outbox')
    op.drop_index('outbox_due', table_name='outbox')
    op.drop_table('outbox')
