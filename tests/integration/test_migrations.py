"""The Alembic migrations: they build the schema on every backend and can be walked back and forth."""

from __future__ import annotations

import sqlalchemy as sa

from coalition.infra.db import downgrade, upgrade
from events import create_engine

TABLES = {
    "events",
    "idempotency_keys",
    "projection_checkpoints",
    "stream_heads",
    "users",
    "api_tokens",
    "command_answers",
    "organisations",
    "organisation_people",
    "coalition_agreements",
    "coalition_memberships",
    "coalition_roles",
    "coalition_commitments",
    "coalition_tasks",
    "coalition_log",
    "statements",
    "statement_translations",
    "statement_versions",
    "statement_signatures",
    "statement_endorsements",
    "alembic_version",
}


def table_names(engine: sa.Engine) -> set[str]:
    """The tables the database holds now."""
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_creates_every_table_and_records_the_revision(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        assert TABLES <= table_names(engine)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0005"
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert table_names(engine) & TABLES <= {"alembic_version"}
        upgrade(engine)
        assert TABLES <= table_names(engine)
    finally:
        engine.dispose()


def test_upgrading_a_current_database_changes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO projection_checkpoints (name, position) VALUES ('x', 7)"))
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT position FROM projection_checkpoints")).scalar_one() == 7
    finally:
        engine.dispose()
