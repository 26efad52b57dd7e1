"""The facilitators' activity chart counts kept by a projection of their own (`ActivityCounts`): how many events of each type a coalition's
log holds for each day (`coalition_activity`), so the coalition home reads a row per day and type instead of
grouping every event the coalition ever had.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 18:40:00.000000

The counts are filled here from the audit log's rows, and the new projection's checkpoint (`activity`) is set to
the audit log's, so no read finds them empty; events appended after this by code that does not keep the counts
yet (the app before this revision, still running during an upgrade) move the audit's checkpoint but not this one,
and are counted when the new code catches up. A new database has no audit checkpoint: the runner fills the
table from the log.
"""

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'coalition_activity',
        sa.Column('coalition_id', sa.String(64), primary_key=True),
        sa.Column('day', sa.String(10), primary_key=True),
        sa.Column('type', sa.String(100), primary_key=True),
        sa.Column('events', sa.Integer(), nullable=False),
    )
    op.execute(
        "INSERT INTO coalition_activity (coalition_id, day, type, events) "
        "SELECT coalition_id, substr(recorded_at, 1, 10), type, count(*) FROM coalition_log "
        "GROUP BY coalition_id, substr(recorded_at, 1, 10), type"
    )
    op.execute(
        "INSERT INTO projection_checkpoints (name, position) "
        "SELECT 'activity', position FROM projection_checkpoints WHERE name = 'audit'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'activity'")
    op.drop_table('coalition_activity')
