"""Fixtures shared by every test: databases on each backend, a test event registry, the store."""

from __future__ import annotations

#: The browser fixtures (Chromium, a served app) for any test module that asks for them.
pytest_plugins = ["tests.e2e.browser"]

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Engine, make_url

from coalition.infra.db import upgrade
from events import EventStore, Registry, create_engine

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("COALITION_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def missing(what: str) -> None:
    """Fail in CI, where everything must run; skip elsewhere, naming what is missing."""
    if IN_CI:
        pytest.fail(f"CI=true but {what}", pytrace=False)
    pytest.skip(what)


def make_registry() -> Registry:
    """A registry of small event types exercising validation and upcasting."""
    registry = Registry()

    @registry.register("ThingCreated")
    class ThingCreated(Schema):
        name = fields.String(required=True, validate=validate.Length(min=1))
        size = fields.Integer(load_default=None)
        tags = fields.Raw(load_default=None)

    @registry.register("ThingRenamed", version=1)
    class ThingRenamedV1(Schema):
        name = fields.String(required=True)

    @registry.register("ThingRenamed", version=2)
    class ThingRenamedV2(Schema):
        name = fields.String(required=True)
        reason = fields.String(required=True)

    @registry.upcaster("ThingRenamed", from_version=1)
    def _renamed_v1_to_v2(payload: dict) -> dict:
        return {**payload, "reason": "not recorded before version 2"}

    return registry


@pytest.fixture
def registry() -> Registry:
    """A fresh registry of the test event types."""
    return make_registry()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A throwaway PostgreSQL schema for one test; yields a URL whose search_path is that schema."""
    if not POSTGRES_URL:
        missing("PostgreSQL is not configured: set COALITION_TEST_POSTGRES_URL")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {name}")
    except sa.exc.OperationalError as error:
        admin.dispose()
        missing(f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is unreachable ({error.orig})")
    try:
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()


def sqlite_url(directory: Path) -> str:
    """The URL of a new SQLite file in `directory`."""
    return f"sqlite:///{directory / 'coalition.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def other_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty (un-migrated) database on the same backend as `database_url`."""
    if database_url.startswith("sqlite"):
        (tmp_path / "other").mkdir()
        yield sqlite_url(tmp_path / "other")
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the current schema."""
    engine = create_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine, registry: Registry) -> EventStore:
    """An empty event store on each backend."""
    return EventStore(engine, registry)
