"""Organisation identity: names and registration numbers claimed per country, registration numbers, verified members

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 18:30:00.000000

The claims are filled from the organisations read model, in the order the organisations were recorded:
organisations whose names already collide keep them (the first recorded holds the claim; each other one
is logged as a warning), and a new organisation is refused any claimed name. See coalition/infra/claims.py.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'organisation_claims',
        sa.Column('kind', sa.String(length=20), primary_key=True),
        sa.Column('country', sa.String(length=2), primary_key=True),
        sa.Column('key_hash', sa.String(length=64), primary_key=True),
        sa.Column('organisation_id', sa.String(length=64), nullable=False),
        sa.Column('claimed_at', sa.String(length=32), nullable=False),
    )
    op.create_index('ix_organisation_claims_organisation_id', 'organisation_claims', ['organisation_id'])
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_number', sa.String(length=100), nullable=True))
    with op.batch_alter_table('coalition_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('verified_at', sa.String(length=32), nullable=True))
    from coalition.infra.claims import backfill

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            'SELECT organisation_id, name, country, registration_number, created_at FROM organisations'
            ' ORDER BY position'
        )
    ).mappings()
    backfill(connection, [dict(row) for row in rows])


def downgrade() -> None:
    with op.batch_alter_table('coalition_memberships', schema=None) as batch_op:
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verified_by')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('registration_number')
    op.drop_index('ix_organisation_claims_organisation_id', table_name='organisation_claims')
    op.drop_table('organisation_claims')
