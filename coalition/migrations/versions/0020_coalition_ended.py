"""A coalition's end: when, why and by whom it closed, and the final report's position, on its agreement's rows

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-04 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('coalition_agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ended_by', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('final_position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('coalition_agreements', schema=None) as batch_op:
        batch_op.drop_column('final_position')
        batch_op.drop_column('ended_by')
        batch_op.drop_column('ended_reason')
        batch_op.drop_column('ended_on')
