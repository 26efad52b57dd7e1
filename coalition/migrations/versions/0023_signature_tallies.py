"""Signature tallies: each statement's signatures counted by version signed, withdrawn, membership state and
country (`projections/tallies.py`); indexes to page a statement's signatures by keyset and to find the last
change of a statement's signatures and of a coalition's memberships

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 22:00:00.000000

The tallies are filled here from the rows the statements and coalitions projections hold now, and the new
projection's checkpoint is set to the statements projection's, so no read ever finds them empty; where the
statements projection has no checkpoint yet (a new database), the runner fills them from the log.
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'statement_tallies',
        sa.Column('statement_id', sa.String(64), primary_key=True),
        sa.Column('version_hash', sa.String(64), primary_key=True),
        sa.Column('withdrawn', sa.Boolean(), primary_key=True),
        sa.Column('member_state', sa.String(20), primary_key=True),
        sa.Column('country', sa.String(2), primary_key=True),
        sa.Column('signatures', sa.Integer(), nullable=False),
    )
    op.create_table(
        'statement_tally_keys',
        sa.Column('statement_id', sa.String(64), primary_key=True),
        sa.Column('organisation_id', sa.String(64), primary_key=True),
        sa.Column('coalition_id', sa.String(64), nullable=False),
        sa.Column('version_hash', sa.String(64), nullable=False),
        sa.Column('withdrawn', sa.Boolean(), nullable=False),
        sa.Column('member_state', sa.String(20), nullable=False),
        sa.Column('country', sa.String(2), nullable=False),
    )
    op.create_index('ix_statement_tally_keys_member', 'statement_tally_keys', ['coalition_id', 'organisation_id'])
    op.create_index(
        'ix_statement_signatures_listing',
        'statement_signatures',
        ['statement_id', 'first_signed_at', 'organisation_id'],
    )
    op.create_index('ix_statement_signatures_changes', 'statement_signatures', ['statement_id', 'from_position'])
    op.create_index('ix_coalition_memberships_changes', 'coalition_memberships', ['coalition_id', 'from_position'])
    op.execute(
        "INSERT INTO statement_tally_keys "
        "(statement_id, organisation_id, coalition_id, version_hash, withdrawn, member_state, country) "
        "SELECT s.statement_id, s.organisation_id, s.coalition_id, s.version_hash, s.status = 'withdrawn', "
        "COALESCE(m.state, ''), COALESCE(o.country, '') FROM statement_signatures s "
        "LEFT JOIN coalition_memberships m ON m.coalition_id = s.coalition_id "
        "AND m.organisation_id = s.organisation_id AND m.until_position IS NULL "
        "LEFT JOIN organisations o ON o.organisation_id = s.organisation_id "
        "WHERE s.until_position IS NULL "
        "AND EXISTS (SELECT 1 FROM projection_checkpoints WHERE name = 'statements')"
    )
    op.execute(
        "INSERT INTO statement_tallies "
        "(statement_id, version_hash, withdrawn, member_state, country, signatures) "
        "SELECT statement_id, version_hash, withdrawn, member_state, country, count(*) FROM statement_tally_keys "
        "GROUP BY statement_id, version_hash, withdrawn, member_state, country"
    )
    op.execute(
        "INSERT INTO projection_checkpoints (name, position) "
        "SELECT 'signature_tallies', position FROM projection_checkpoints WHERE name = 'statements'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'signature_tallies'")
    op.drop_index('ix_coalition_memberships_changes', table_name='coalition_memberships')
    op.drop_index('ix_statement_signatures_changes', table_name='statement_signatures')
    op.drop_index('ix_statement_signatures_listing', table_name='statement_signatures')
    op.drop_index('ix_statement_tally_keys_member', table_name='statement_tally_keys')
    op.drop_table('statement_tally_keys')
    op.drop_table('statement_tallies')
