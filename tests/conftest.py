"""Fixtures shared by every test: databases on each backend, a test event registry, the store."""

from __future__ import annotations

#: The browser fixtures (Chromium, a served app) for any test module that asks for them.
pytest_plugins = ["tests.e2e.browser", "tests.mail"]

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
from tests.copies import IN_CI, POSTGRES_URL, Databases, Template, missing, sqlite_path, sqlite_url
from tests.speedups import cache_url_builders

__all__ = ["IN_CI", "POSTGRES_URL", "missing", "sqlite_url"]  # imported from here by the tests
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
cache_url_builders()  # every test creates its own app: compile the URL rules' builders once


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


def migrate(url: str) -> None:
    """Bring the database at `url` to the current schema."""
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn: sqlite, then postgres (marked `postgres`)."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """This worker's database templates (built once) and their copies; PostgreSQL ones dropped at the end."""
    made = Databases(tmp_path_factory.mktemp("templates"))
    yield made
    made.close()


@pytest.fixture
def migrated(backend: str, databases: Databases) -> Template:
    """A database migrated to the current schema, made once per session on this backend."""
    return databases.template(backend, "migrated", migrate)


@pytest.fixture
def migrated_url(migrated: Template, databases: Databases, tmp_path: Path) -> Iterator[str]:
    """A copy of the migrated, empty database for this test alone."""
    with databases.copy(migrated, tmp_path) as url:
        yield url


def copy_migrated_into(url: str, migrated: Template) -> bool:
    """Make the (not yet existing) SQLite file of `url` a copy of the migrated template; False if it cannot."""
    if migrated.backend != "sqlite" or not url.startswith("sqlite:///") or sqlite_path(url).exists():
        return False
    sqlite_path(url).write_bytes(Path(migrated.source).read_bytes())
    return True


@pytest.fixture
def other_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A second empty (un-migrated) database on the same backend as `database_url`."""
    if backend == "sqlite":
        (tmp_path / "other").mkdir()
        yield sqlite_url(tmp_path / "other")
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the current schema (a copy of the migrated template)."""
    engine = create_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine, registry: Registry) -> EventStore:
    """An empty event store on each backend."""
    return EventStore(engine, registry)
