"""The app on each backend, its test client and CLI runner, and a second database to import into."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from coalition import create_app
from coalition.infra.db import upgrade
from coalition.infra.extensions import Services
from events import create_engine
from tests.conftest import make_registry

if TYPE_CHECKING:
    from tests.e2e.world import Api, World

MakeApp = Callable[..., Flask]


def migrate(url: str) -> None:
    """Bring the database at `url` to the current schema."""
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def services(app: Flask) -> Services:
    """The app's event store, projection runner and append."""
    return app.extensions["coalition"]


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """Builds apps on a database (migrated first unless `migrated=False`) with the test event types."""
    built: list[Flask] = []

    def make(url: str, *, migrated: bool = True, **config: Any) -> Flask:
        if migrated:
            migrate(url)
        app = create_app(
            {"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False, **config}
        )
        built.append(app)
        # The app's own registry is empty until the domains register their events.
        services(app).store.registry = make_registry()
        return app

    yield make
    for app in built:
        services(app).engine.dispose()


@pytest.fixture
def app(make_app: MakeApp, database_url: str) -> Flask:
    """The app on an empty, migrated database of each backend."""
    return make_app(database_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def seal_directory(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the tests' apps keep the platform seal's key: made once, shared by every test."""
    return str(tmp_path_factory.mktemp("seal"))


@pytest.fixture
def pdf_config(seal_directory: str, tmp_path: Any) -> dict[str, str]:
    """The seal shared by the tests and a PDF cache of the test's own."""
    return {"SEAL_DIRECTORY": seal_directory, "PDF_CACHE_DIRECTORY": str(tmp_path / "pdf-cache")}


@pytest.fixture
def api(database_url: str, pdf_config: dict[str, str]) -> Iterator[Api]:
    """The API of the app with its real event types, on each backend, with a fast password hash."""
    from tests.e2e.world import TEST_CONFIG, Api  # here: world.py imports this module's helpers

    migrate(database_url)
    app = create_app({"DATABASE_URL": database_url, **TEST_CONFIG, **pdf_config})
    yield Api(app.test_client())
    services(app).engine.dispose()


@pytest.fixture
def world(api: Api) -> World:
    """The small coalition of `tests.e2e.world`, built through the API."""
    from tests.e2e.world import build_world

    return build_world(api)
