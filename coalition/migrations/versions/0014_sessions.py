"""Server-side sessions, API tokens' expiry and last use, closed accounts

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 18:00:00.000000
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

#: Tokens made before expiry existed get the default lifetime from the day of the upgrade.
DEFAULT_DAYS = 90


def upgrade() -> None:
    op.create_table(
        'user_sessions',
        sa.Column('session_id', sa.String(length=64), primary_key=True),
        sa.Column('user_id', sa.String(length=64), sa.ForeignKey('users.user_id'), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('epoch', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('last_seen_at', sa.String(length=32), nullable=False),
        sa.Column('ended_at', sa.String(length=32), nullable=True),
        sa.Column('user_agent', sa.String(length=200), nullable=False, server_default=''),
        sa.Column('ip_prefix', sa.String(length=64), nullable=False, server_default=''),
    )
    op.create_index('ix_user_sessions_user_id', 'user_sessions', ['user_id'])
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.String(length=32), nullable=True))
    until = (datetime.now(UTC) + timedelta(days=DEFAULT_DAYS)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.String))
    op.execute(tokens.update().values(expires_at=until))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ can): rebuilding `users` would break the tokens' and sessions' references.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
    op.drop_index('ix_user_sessions_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
