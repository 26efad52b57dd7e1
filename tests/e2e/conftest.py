"""The app on each backend, its test client and CLI runner, the API, and the world copied for each test.

Databases come from templates built once per session (per xdist worker) and copied per test
(`tests.copies`): the migrated, empty database, and the world of `tests.e2e.world` recorded in it.
Each test gets its own app on its own copy, so nothing the app keeps in memory (its state cache,
its clock) or on disk (its PDF cache) is shared; only the platform seal's key is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from coalition import create_app
from coalition.infra.extensions import Services
from tests.conftest import copy_migrated_into, make_registry, migrate
from tests.copies import Databases

if TYPE_CHECKING:
    from tests.e2e.world import Api, World

__all__ = ["migrate", "services"]  # imported from here by the tests
MakeApp = Callable[..., Flask]
#: Copies a recorded world for the test: `worlds(built_on=None, tags=("",))` -> {tag: World}.
CopyWorlds = Callable[..., "dict[str, World]"]


def services(app: Flask) -> Services:
    """The app's event store, projection runner and append."""
    return app.extensions["coalition"]


@pytest.fixture
def make_app(databases: Databases) -> Iterator[MakeApp]:
    """Builds apps on a database (migrated first unless `migrated=False`) with the test event types."""
    built: list[Flask] = []

    def make(url: str, *, migrated: bool = True, **config: Any) -> Flask:
        if migrated and not copy_migrated_into(url, databases.template("sqlite", "migrated", migrate)):
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
def app(make_app: MakeApp, migrated_url: str) -> Flask:
    """The app on an empty, migrated database of each backend."""
    return make_app(migrated_url, migrated=False)


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
def pdf_config(seal_directory: str, tmp_path: Path) -> dict[str, str]:
    """The seal shared by the tests and a PDF cache of the test's own."""
    return {"SEAL_DIRECTORY": seal_directory, "PDF_CACHE_DIRECTORY": str(tmp_path / "pdf-cache")}


@pytest.fixture
def open_api(pdf_config: dict[str, str]) -> Iterator[Callable[[str], Api]]:
    """Opens the API of an app with its real event types on a database; its engine is disposed afterwards."""
    from tests.e2e.world import TEST_CONFIG, Api  # here: world.py imports this module's helpers

    opened: list[Flask] = []

    def open_on(url: str) -> Api:
        app = create_app({"DATABASE_URL": url, **TEST_CONFIG, **pdf_config})
        opened.append(app)
        return Api(app.test_client())

    yield open_on
    for app in opened:
        services(app).engine.dispose()


@pytest.fixture
def api(request: pytest.FixtureRequest, backend: str, open_api: Callable[[str], Api]) -> Api:
    """The API of the app with its real event types, on each backend, with a fast password hash.

    A test that has a world speaks to that world's app; otherwise the app is on an empty database.
    """
    if "world" in request.fixturenames:
        world = request.getfixturevalue("world")
        if hasattr(world, "api"):
            return world.api  # type: ignore[no-any-return]
    return open_api(request.getfixturevalue("migrated_url"))


@pytest.fixture
def worlds(
    backend: str,
    databases: Databases,
    seal_directory: str,
    tmp_path: Path,
    open_api: Callable[[str], Api],
) -> Iterator[CopyWorlds]:
    """Copies of worlds recorded once per session: `worlds(built_on=None, tags=("",))` -> {tag: World}."""
    from tests.e2e.snapshots import recorder, restore

    with ExitStack() as copies:

        def copy(built_on: datetime | None = None, tags: tuple[str, ...] = ("",)) -> dict[str, World]:
            name = f"worlds{'-'.join(tags)}@{built_on.isoformat() if built_on else 'now'}"
            record = recorder(seal_directory, databases.directory / "pdf-cache", built_on, tags)
            template = databases.template(backend, name, record)
            api = open_api(copies.enter_context(databases.copy(template, tmp_path)))
            if built_on is not None:
                services(api.app).store.clock = lambda: built_on  # the app is this test's alone
            return restore(api, template.data)

        yield copy


@pytest.fixture
def world(worlds: CopyWorlds) -> World:
    """The small coalition of `tests.e2e.world` (recorded once per session), copied for this test."""
    return worlds()[""]
