"""The readiness probe (`/readyz`) a load balancer asks before sending a host requests: ready when the database can be
reached and its schema is not behind this code (a newer one is ready, with a note: a release's migrations run before
its code); otherwise 503 with the reason. `/healthz` (liveness) never touches the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask

from coalition.infra import db
from coalition.infra.db import alembic_config, downgrade, upgrade
from events import create_engine
from tests.e2e.conftest import MakeApp, services
from tests.integration.test_database_lost import cut_every_pooled_connection, refusing


@pytest.fixture
def other_engine(other_database_url: str) -> Iterator[sa.Engine]:
    """An engine on a second, empty database."""
    engine = create_engine(other_database_url)
    yield engine
    engine.dispose()


def head() -> str:
    """The one revision this code's migrations end at."""
    [only] = ScriptDirectory.from_config(alembic_config()).get_heads()
    return str(only)


def test_a_migrated_database_is_ready(app: Flask) -> None:
    response = app.test_client().get("/readyz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})
    assert response.headers["Cache-Control"] == "no-store"


def test_a_database_taking_no_connections_is_not_ready_but_the_process_is_alive(app: Flask) -> None:
    client = app.test_client()
    with refusing(services(app).engine):
        ready, alive = client.get("/readyz"), client.get("/healthz")

    assert (ready.status_code, ready.get_json()) == (
        503,
        {"status": "unavailable", "reason": "the database cannot be reached"},
    )
    assert ready.headers["Retry-After"] == "5" and ready.headers["Cache-Control"] == "no-store"
    assert alive.status_code == 200
    assert client.get("/readyz").status_code == 200  # reachable again


def test_a_database_answering_the_check_with_an_error_is_not_ready(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing:
        """Alembic's context on a database that refuses its read (say, a role without rights on its table)."""

        @staticmethod
        def configure(_connection: sa.Connection) -> Refusing:
            return Refusing()

        def get_current_heads(self) -> tuple[str, ...]:
            raise sa.exc.ProgrammingError("SELECT version_num FROM alembic_version", {}, PermissionError("denied"))

    monkeypatch.setattr(db, "MigrationContext", Refusing)
    refused = app.test_client().get("/readyz")

    assert (refused.status_code, refused.get_json()) == (
        503,
        {"status": "unavailable", "reason": "the database answered the check with an error (PermissionError)"},
    )


def test_a_schema_behind_the_code_is_not_ready_until_upgraded(
    make_app: MakeApp, other_database_url: str, other_engine: sa.Engine
) -> None:
    upgrade(other_engine)
    downgrade(other_engine, "-1")  # a deploy whose last migration has not run yet
    client = make_app(other_database_url, migrated=False).test_client()

    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.get_json()["reason"].endswith(f"this code needs {head()}: run `flask db upgrade`")

    upgrade(other_engine)
    assert client.get("/readyz").status_code == 200


def test_an_empty_database_is_not_ready_and_a_schema_newer_than_the_code_is(
    make_app: MakeApp, other_database_url: str, other_engine: sa.Engine
) -> None:
    client = make_app(other_database_url, migrated=False).test_client()
    empty = client.get("/readyz")
    upgrade(other_engine)
    with other_engine.begin() as connection:  # as a newer release's migration leaves it, before its code is deployed
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'f0f0f0f0f0f0'"))

    newer = client.get("/readyz")

    assert empty.status_code == 503
    assert empty.get_json()["reason"] == "the database has no schema yet: run `flask db upgrade`"
    assert (newer.status_code, newer.get_json()) == (
        200,
        {
            "status": "ready",
            "note": f"the database schema (f0f0f0f0f0f0) is newer than this code ({head()}), or unknown to it",
        },
    )


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_after_a_restart_the_first_check_is_answered_on_a_fresh_connection(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    cut_every_pooled_connection(services(app).engine)  # the pool holds only dead connections now

    assert client.get("/readyz").get_json() == {"status": "ready"}  # not "cannot be reached": the database is back
