"""The audit log's index by coalition also orders by position (coalition_id, position), so that a page of a
coalition's history, newest first, is read from the index's end on PostgreSQL (50 rows), not gathered whole and
sorted (every event the coalition ever had); the count of matching events the page shows still reads them all. SQLite's index on coalition_id already ends in the rowid, the
position: the same order, the same index, renamed.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 16:20:00.000000
"""

from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_coalition_log_by_position', 'coalition_log', ['coalition_id', 'position'])
    op.drop_index('ix_coalition_log_coalition_id', table_name='coalition_log')


def downgrade() -> None:
    op.create_index('ix_coalition_log_coalition_id', 'coalition_log', ['coalition_id'])
    op.drop_index('ix_coalition_log_by_position', table_name='coalition_log')
