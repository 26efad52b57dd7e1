"""E-mail verification and change: one-time links (only their hashes kept) and when an address was verified

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'email_links',
        sa.Column('link_id', sa.String(length=64), primary_key=True),
        sa.Column('user_id', sa.String(length=64), sa.ForeignKey('users.user_id'), nullable=False),
        sa.Column('purpose', sa.String(length=12), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.Column('used_at', sa.String(length=32), nullable=True),
    )
    op.create_index('ix_email_links_user_id', 'email_links', ['user_id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ can): rebuilding `users` would break the references to it (tokens, resets).
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('email_verified_at')
    op.drop_index('ix_email_links_user_id', table_name='email_links')
    op.drop_table('email_links')
