"""How many organisations each coalition holds in each membership state, kept by a projection of its own
(`MemberCounts`, `coalition_member_counts`), so that a page counts a coalition's members by reading a row per
state instead of every membership the coalition has.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 04:20:00.000000

The counts are filled here from the memberships the coalitions projection holds now, and the new projection's
checkpoint (`member_counts`) is set to the coalitions projection's, so no read finds them empty; membership events
appended after this by code that does not keep the counts yet (the app before this revision, still running during
an upgrade) move the coalitions' checkpoint but not this one, and are counted when the new code catches up. A new
database has no coalitions checkpoint: the runner fills the table from the log.
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The coalitions' checkpoint held until the end: an append of the app before this revision (which moves it
        # in its transaction) waits, so the counts below and the checkpoint copied last see the same memberships.
        op.execute("SELECT position FROM projection_checkpoints WHERE name = 'coalitions' FOR UPDATE")
    op.create_table(
        'coalition_member_counts',
        sa.Column('coalition_id', sa.String(64), primary_key=True),
        sa.Column('state', sa.String(20), primary_key=True),
        sa.Column('members', sa.Integer(), nullable=False),
    )
    op.execute(
        "INSERT INTO coalition_member_counts (coalition_id, state, members) "
        "SELECT coalition_id, state, count(*) FROM coalition_memberships WHERE until_position IS NULL "
        "AND EXISTS (SELECT 1 FROM projection_checkpoints WHERE name = 'coalitions') "
        "GROUP BY coalition_id, state"
    )
    op.execute(
        "INSERT INTO projection_checkpoints (name, position) "
        "SELECT 'member_counts', position FROM projection_checkpoints WHERE name = 'coalitions'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'member_counts'")
    op.drop_table('coalition_member_counts')
