"""Evaluation rounds: the rounds and their responses (read models of the coalition stream)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'coalition_evaluations',
        sa.Column('coalition_id', sa.String(64), nullable=False),
        sa.Column('evaluation_id', sa.String(64), nullable=False),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('questions', sa.Text(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('opened_by', sa.String(64), nullable=False),
        sa.Column('opened_at', sa.String(32), nullable=False),
        sa.Column('opened_position', POSITION, nullable=False),
        sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('summary', sa.Text()),
        sa.Column('lessons', sa.Text()),
        sa.Column('closed_by', sa.String(64)),
        sa.Column('closed_at', sa.String(32)),
        sa.PrimaryKeyConstraint('coalition_id', 'evaluation_id'),
    )
    op.create_table(
        'coalition_evaluation_responses',
        sa.Column('coalition_id', sa.String(64), nullable=False),
        sa.Column('evaluation_id', sa.String(64), nullable=False),
        sa.Column('organisation_id', sa.String(64), nullable=False),
        sa.Column('responded_by', sa.String(64), nullable=False),
        sa.Column('responded_at', sa.String(32), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('position', POSITION, nullable=False),
        sa.PrimaryKeyConstraint('coalition_id', 'evaluation_id', 'organisation_id'),
    )


def downgrade() -> None:
    op.drop_table('coalition_evaluation_responses')
    op.drop_table('coalition_evaluations')
