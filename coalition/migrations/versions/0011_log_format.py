"""The log's chain format, recorded: 1 for a log that already holds events, 2 (RFC 8785) for an empty one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'log_format',
        sa.Column('id', sa.Integer(), sa.CheckConstraint('id = 1', name='ck_log_format_one_row'), primary_key=True),
        sa.Column('format', sa.Integer(), nullable=False),
    )
    # Events written before this migration were hashed in format 1 and stay so; an empty log starts in format 2.
    held = op.get_bind().execute(sa.text('SELECT 1 FROM events LIMIT 1')).first() is not None
    op.bulk_insert(table, [{'id': 1, 'format': 1 if held else 2}])


def downgrade() -> None:
    # Format-2 events cannot be read by the code before this migration: refuse rather than lose the record.
    if op.get_bind().execute(sa.text('SELECT format FROM log_format')).scalar() == 2 and (
        op.get_bind().execute(sa.text('SELECT 1 FROM events LIMIT 1')).first() is not None
    ):
        raise RuntimeError('this log is in chain format 2, which revision 0010 cannot verify; keep 0011')
    op.drop_table('log_format')
