"""Alembic environment: migrate the connection we are handed, or the current Flask app's database."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import coalition.accounts
import coalition.accounts.invitations
import coalition.infra.claims
import coalition.infra.idempotency
import coalition.notify.tables
import coalition.webhooks.tables
import events.schema
import projections

TARGET_METADATA = [
    events.schema.metadata,
    projections.metadata,
    coalition.accounts.metadata,
    coalition.infra.idempotency.metadata,
    coalition.infra.claims.metadata,
    coalition.notify.tables.metadata,
    coalition.webhooks.tables.metadata,
]


def run(connection: Connection) -> None:
    """Run the pending migrations in one transaction (SQLite does transactional DDL too)."""
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        transactional_ddl=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


handed = context.config.attributes.get("connection")
if handed is not None:
    run(handed)
else:
    from flask import current_app

    with current_app.extensions["coalition"].engine.connect() as own:
        run(own)
        own.commit()
