"""Per-person keys for crypto-shredding the personal fields of new events

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-03 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_keys',
        sa.Column('subject', sa.String(64), primary_key=True),
        sa.Column('key', sa.LargeBinary(32)),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('erased_at', sa.String(32)),
    )


def downgrade() -> None:
    op.drop_table('person_keys')
