"""The Merkle tree over the events (complete subtrees' hashes) and the signed checkpoints issued

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    position = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table(
        'merkle_nodes',
        sa.Column('level', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('idx', position, primary_key=True, autoincrement=False),
        sa.Column('hash', sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        'log_checkpoints',
        sa.Column('size', position, primary_key=True, autoincrement=False),
        sa.Column('root_hash', sa.String(64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('issued_at', sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('log_checkpoints')
    op.drop_table('merkle_nodes')
