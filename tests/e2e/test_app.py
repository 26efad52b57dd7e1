"""The app as a whole: pages, configuration, projection modes and the system check."""

from __future__ import annotations

import builtins
import secrets
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coalition import create_app
from coalition.config import secret_key
from coalition.infra.system_check import weasyprint_problem
from events import NewEvent
from events.engine import TCP_SETTINGS
from projections import stream_heads
from tests.conftest import make_registry
from tests.e2e.conftest import MakeApp, migrate, services


def created(stream: str) -> NewEvent:
    return NewEvent(stream, "ThingCreated", {"name": "a thing"})


def stream_rows(app: Flask) -> list[tuple[Any, ...]]:
    with services(app).engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.select(stream_heads).order_by(stream_heads.c.stream_id))]


def test_home_page_says_the_log_is_empty(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "The log is empty" in response.text


def test_home_page_shows_the_event_count_and_head_hash(app: Flask, client: FlaskClient) -> None:
    services(app).append([created("thing-1"), created("thing-2")])
    head_hash = services(app).append([created("thing-3")]).head_hash

    response = client.get("/")

    assert response.status_code == 200
    assert "The log holds 3 events." in response.text
    assert head_hash in response.text
    assert "The log is empty" not in response.text
    # for auditors, under "Technical details"; what everyone reads first says what the records are, in plain words
    technical = response.text.index('<details class="technical">')
    assert technical < response.text.index(head_hash) < response.text.index("</details>", technical)
    assert "Nothing recorded here can be changed or removed afterwards without it showing." in response.text


def test_health_check_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("timeout", [0, 1, "5", 2.5])
def test_a_connect_timeout_below_two_seconds_or_not_whole_is_refused_naming_the_setting(timeout: object) -> None:
    with pytest.raises(ValueError, match="COALITION_DATABASE_CONNECT_TIMEOUT must be a whole number of seconds, at"):
        create_app({"DATABASE_CONNECT_TIMEOUT": timeout, "TESTING": True, "SECRET_KEY": "test"})


def test_an_unknown_projections_mode_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="COALITION_PROJECTIONS must be one of inline, worker"):
        create_app({"PROJECTIONS": "bogus", "TESTING": True, "SECRET_KEY": "test"})


def test_the_database_url_is_read_from_the_environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(database_url)
    monkeypatch.setenv("COALITION_DATABASE_URL", database_url)

    app = create_app({"TESTING": True, "SECRET_KEY": "test"})
    try:
        engine_url = services(app).engine.url.difference_update_query(["connect_timeout", *TCP_SETTINGS])
        assert engine_url.render_as_string(hide_password=False) == database_url  # (less the settings `events` adds)
        services(app).store.registry = make_registry()
        services(app).append([created("thing-1")])

        assert "The log holds 1 event." in app.test_client().get("/").text
    finally:
        services(app).engine.dispose()


def test_the_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    key = secret_key(str(tmp_path))

    assert len(key) >= 32
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key(str(tmp_path)) == key


def test_a_key_file_still_being_written_is_not_read_as_an_empty_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writing, release = threading.Event(), threading.Event()
    real_token, calls = secrets.token_urlsafe, []

    def slow_token(size: int) -> str:
        calls.append(size)
        if len(calls) == 1:
            writing.set()
            release.wait(5)
        return real_token(size)

    monkeypatch.setattr(secrets, "token_urlsafe", slow_token)
    first: list[str] = []
    thread = threading.Thread(target=lambda: first.append(secret_key(str(tmp_path))))
    thread.start()
    try:
        assert writing.wait(5)
        second = secret_key(str(tmp_path))
    finally:
        release.set()
        thread.join(5)

    assert second and first == [second]


def test_inline_projections_are_updated_by_the_append(app: Flask) -> None:
    services(app).append([created("thing-1"), created("thing-1")])

    assert [row[:3] for row in stream_rows(app)] == [("thing-1", "thing", 2)]


def test_worker_projections_wait_for_the_runner(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, PROJECTIONS="worker")

    services(app).append([created("thing-1"), created("thing-1")])
    assert stream_rows(app) == []

    services(app).runner.catch_up()
    assert [row[:3] for row in stream_rows(app)] == [("thing-1", "thing", 2)]


def test_weasyprint_loads_here() -> None:
    assert weasyprint_problem() is None


def test_missing_weasyprint_libraries_name_the_packages_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def failing_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)

    problem = weasyprint_problem()

    assert problem is not None and "\n" not in problem
    assert "sudo apt-get install libpango-1.0-0" in problem
