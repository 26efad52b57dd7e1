"""Progress on the common objectives: one row per recorded point (its projection, `projections/progress.py`)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:30:00.000000

The projection starts with no checkpoint, so the runner fills it from the log on its first pass.
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'objective_progress',
        sa.Column('coalition_id', sa.String(64), primary_key=True),
        sa.Column('progress_id', sa.String(64), primary_key=True),
        sa.Column('objective_id', sa.String(64), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('note', sa.Text()),
        sa.Column('organisation_id', sa.String(64)),
        sa.Column('supersedes', sa.String(64)),
        sa.Column('recorded_by', sa.String(64), nullable=False),
        sa.Column('recorded_at', sa.String(32), nullable=False),
        sa.Column('position', POSITION, nullable=False),
    )
    op.create_index('ix_objective_progress_position', 'objective_progress', ['position'])


def downgrade() -> None:
    op.drop_index('ix_objective_progress_position', table_name='objective_progress')
    op.drop_table('objective_progress')
