"""Invitations of people without an account: a row per invitation, only the hash of its link's token

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invitations',
        sa.Column('invitation_id', sa.String(length=64), primary_key=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('organisation_id', sa.String(length=64), nullable=True),
        sa.Column('coalition_id', sa.String(length=64), nullable=True),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('invited_by', sa.String(length=64), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.Column('accepted_at', sa.String(length=32), nullable=True),
        sa.Column('accepted_by', sa.String(length=64), nullable=True),
        sa.Column('revoked_at', sa.String(length=32), nullable=True),
    )
    op.create_index('invitations_organisation', 'invitations', ['organisation_id'])
    op.create_index('invitations_coalition', 'invitations', ['coalition_id'])


def downgrade() -> None:
    op.drop_index('invitations_coalition', table_name='invitations')
    op.drop_index('invitations_organisation', table_name='invitations')
    op.drop_table('invitations')
