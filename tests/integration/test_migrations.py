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
    "webhooks",
    "webhook_deliveries",
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
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0009"
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


def test_0006_fills_who_each_projected_statement_was_drafted_for_from_the_audit_log(database_url: str) -> None:
    engine = create_engine(database_url)
    statement = (
        "INSERT INTO statements (statement_id, coalition_id, language, title, body, state, version, drafted_by,"
        " drafted_at, changed_at, from_position, until_position)"
        " VALUES (:id, 'c1', 'en', 't', 'b', 'draft', 0, 'u1', 'then', 'then', :start, :until)"
    )
    logged = (
        "INSERT INTO coalition_log (position, coalition_id, type, subject_organisation_id, recorded_at)"
        " VALUES (:position, 'c1', 'StatementDrafted', :subject, 'then')"
    )
    try:
        upgrade(engine, "0005")
        with engine.begin() as connection:
            connection.execute(sa.text(logged), [{"position": 3, "subject": "o1"}, {"position": 4, "subject": "None"}])
            connection.execute(
                sa.text(statement),
                [
                    {"id": "s1", "start": 3, "until": 5},  # drafted for o1, then revised at 5
                    {"id": "s1", "start": 5, "until": None},
                    {"id": "s2", "start": 4, "until": None},  # a facilitator's draft, naming no one
                ],
            )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT statement_id, from_position, drafted_for FROM statements ORDER BY 1, 2")
            ).all()
        assert [tuple(r) for r in rows] == [("s1", 3, "o1"), ("s1", 5, "o1"), ("s2", 4, None)]
    finally:
        engine.dispose()
