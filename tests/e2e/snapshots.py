"""Worlds recorded once into a template database, and handed back to each test that copies it.

What a world is lives in the database (the log, the read models, the accounts) except what the
test holds in hand: the people's API tokens and the ids of what was created. `recorder` returns
those as plain data with the template; `restore` rebuilds the `World`s around a new app's `Api`.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from coalition import create_app
from tests.copies import Build
from tests.e2e.conftest import migrate, services
from tests.e2e.world import TEST_CONFIG, Api, World, build_world


def recorder(seal_directory: str, pdf_cache: Path, built_on: datetime | None, tags: tuple[str, ...]) -> Build:
    """Records the worlds tagged `tags` (on `built_on`, else now) into an empty database: their tokens and ids."""

    def record(url: str) -> dict[str, Any]:
        migrate(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                **TEST_CONFIG,
                "SEAL_DIRECTORY": seal_directory,
                "PDF_CACHE_DIRECTORY": str(pdf_cache),
            }
        )
        try:
            if built_on is not None:
                services(app).store.clock = lambda: built_on
            api = Api(app.test_client())
            built = {tag: build_world(api, tag) for tag in tags}
            return {"tokens": dict(api.tokens), "worlds": {tag: held(w) for tag, w in built.items()}}
        finally:
            services(app).engine.dispose()

    return record


def held(world: World) -> dict[str, Any]:
    """What the test holds of a world besides its API: ids, keyed by field."""
    return {f.name: getattr(world, f.name) for f in fields(world) if f.name != "api"}


def restore(api: Api, data: dict[str, Any]) -> dict[str, World]:
    """The recorded worlds, speaking through `api` (an app on a copy of their database), by tag."""
    api.tokens.update(data["tokens"])
    return {tag: World(api, **_copied(ids)) for tag, ids in data["worlds"].items()}


def _copied(ids: dict[str, Any]) -> dict[str, Any]:
    """A deep enough copy that a test changing its world's dicts leaves the recording alone."""
    return {name: dict(value) if isinstance(value, dict) else value for name, value in ids.items()}
