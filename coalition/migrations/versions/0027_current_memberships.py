"""On PostgreSQL, an index of the coalitions' current memberships by state, so that finding a coalition's requests
to join (the inbox, on every page a facilitator opens) reads the few current rows in that state, not every row.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 06:40:00.000000

PostgreSQL's planner cannot tell from its statistics that the "requested" rows are all past ones (each request was
closed by its approval), so it walked every current membership of the coalition for them: 0.65 ms a page at 3,000
members, against 0.06 ms with this index. SQLite already finds them by `ix_coalition_memberships_by_state`, and a
partial index there would change which index other reads of current memberships take, so it has none.
"""

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

NAME = 'ix_coalition_memberships_current'


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            NAME,
            'coalition_memberships',
            ['coalition_id', 'state'],
            postgresql_where=sa.text('until_position IS NULL'),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name='coalition_memberships')
