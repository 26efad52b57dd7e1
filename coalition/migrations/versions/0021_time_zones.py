"""Time zones: each person's (users.time_zone) and each coalition's, on its agreement's rows (None: UTC)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('coalition_agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('coalition_agreements', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
