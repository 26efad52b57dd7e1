"""Each member's open work in a coalition (coalition_open_work: how many commitments and tasks are not closed, the
earliest due date among them), filled here from the rows as they are; indexes on the commitments' and tasks'
organisation (the pages read a few members' work) and on the current memberships by state and by order (counted
and paged from the index)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'coalition_open_work',
        sa.Column('coalition_id', sa.String(64), nullable=False),
        sa.Column('organisation_id', sa.String(64), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('earliest_due_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('coalition_id', 'organisation_id'),
    )
    op.create_index('ix_coalition_open_work_due', 'coalition_open_work', ['coalition_id', 'earliest_due_on'])
    op.create_index(
        'ix_coalition_memberships_by_state',
        'coalition_memberships',
        ['coalition_id', 'state', 'until_position'],
    )
    op.create_index(
        'ix_coalition_memberships_by_order',
        'coalition_memberships',
        ['coalition_id', 'from_position', 'until_position'],
    )
    op.create_index(
        'ix_coalition_commitments_by_organisation', 'coalition_commitments', ['coalition_id', 'organisation_id']
    )
    op.create_index('ix_coalition_tasks_by_organisation', 'coalition_tasks', ['coalition_id', 'organisation_id'])
    # what the projection would have written, from the open rows now (`projections.coalitions._open_work`)
    op.execute(
        "INSERT INTO coalition_open_work (coalition_id, organisation_id, items, earliest_due_on)"
        " SELECT coalition_id, organisation_id, COUNT(*), MIN(due_on) FROM ("
        "  SELECT coalition_id, organisation_id, due_on FROM coalition_commitments"
        "   WHERE until_position IS NULL AND closed_on IS NULL"
        "  UNION ALL"
        "  SELECT coalition_id, organisation_id, due_on FROM coalition_tasks"
        "   WHERE until_position IS NULL AND closed_on IS NULL"
        " ) AS work GROUP BY coalition_id, organisation_id"
    )


def downgrade() -> None:
    op.drop_index('ix_coalition_tasks_by_organisation', table_name='coalition_tasks')
    op.drop_index('ix_coalition_commitments_by_organisation', table_name='coalition_commitments')
    op.drop_index('ix_coalition_memberships_by_order', table_name='coalition_memberships')
    op.drop_index('ix_coalition_memberships_by_state', table_name='coalition_memberships')
    op.drop_index('ix_coalition_open_work_due', table_name='coalition_open_work')
    op.drop_table('coalition_open_work')
