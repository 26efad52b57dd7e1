"""The readiness probe (`/readyz`) a load balancer asks before sending a host requests: ready only when the database
can be reached and its schema is the one this code needs; otherwise 503 with the reason. `/healthz` (liveness) never
touches the database."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask

from coalition.infra.db import alembic_config, downgrade, upgrade
from events import create_engine
from tests.e2e.conftest import MakeApp, services
from tests.integration.test_database_lost import refusing


def test_a_migrated_database_is_ready(app: Flask) -> None:
    response = app.test_client().get("/readyz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})


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


def test_a_schema_behind_the_code_is_not_ready_until_upgraded(make_app: MakeApp, other_database_url: str) -> None:
    engine = create_engine(other_database_url)
    upgrade(engine)
    downgrade(engine, "-1")  # a deploy whose last migration has not run yet
    client = make_app(other_database_url, migrated=False).test_client()

    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.get_json()["reason"].endswith("this code needs " + head() + ": run `flask db upgrade`")

    upgrade(engine)
    assert client.get("/readyz").status_code == 200
    engine.dispose()


def test_an_empty_database_and_a_schema_newer_than_the_code_are_not_ready(
    make_app: MakeApp, other_database_url: str
) -> None:
    client = make_app(other_database_url, migrated=False).test_client()
    empty = client.get("/readyz").get_json()["reason"]
    engine = create_engine(other_database_url)
    upgrade(engine)
    with engine.begin() as connection:  # as a newer release's migration would leave it
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'f0f0f0f0f0f0'"))

    newer = client.get("/readyz")

    assert empty == "the database has no schema yet: run `flask db upgrade`"
    assert newer.status_code == 503
    assert newer.get_json()["reason"] == (
        f"the database schema (f0f0f0f0f0f0) is newer than this code ({head()}): deploy the newer code"
    )
    engine.dispose()


def head() -> str:
    """The one revision this code's migrations end at."""
    [only] = ScriptDirectory.from_config(alembic_config()).get_heads()
    return str(only)
