"""Who a statement was drafted for, kept on the statement's rows (it was only in the audit log)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drafted_for', sa.String(length=64), nullable=True))
    # the rows already projected: the member the statement's first event named, as the audit log indexed it
    # (which wrote a facilitator's draft, naming no one, as the text 'None')
    op.execute(
        "UPDATE statements SET drafted_for = ("
        " SELECT NULLIF(entry.subject_organisation_id, 'None') FROM coalition_log AS entry"
        " WHERE entry.position = ("
        "  SELECT MIN(earliest.from_position) FROM statements AS earliest"
        "  WHERE earliest.statement_id = statements.statement_id))"
    )


def downgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_column('drafted_for')
