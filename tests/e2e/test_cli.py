"""The command line: `flask db`, `flask events` and `flask projections`, on every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from events import NewEvent
from projections import checkpoints, default_projections, stream_heads
from tests.e2e.conftest import MakeApp, services

DROP_UPDATE_TRIGGER = {
    "sqlite": "DROP TRIGGER events_no_update",
    "postgresql": "DROP TRIGGER events_no_update_delete ON events",
}


#: The application's projections, in the order the runner applies them.
PROJECTIONS = [projection.name for projection in default_projections()]


def fill(app: Flask) -> str:
    """Append five events over three streams; return the head hash."""
    append = services(app).append
    append([NewEvent("thing-1", "ThingCreated", {"name": "a thing"})])
    append([NewEvent("thing-2", "ThingCreated", {"name": "ț", "tags": ["x"]})])
    append(
        [
            NewEvent("thing-1", "ThingRenamed", {"name": "b", "reason": "r"}),
            NewEvent("other-3", "ThingCreated", {"name": "c"}),
        ]
    )
    return append([NewEvent("thing-2", "ThingRenamed", {"name": "d", "reason": "r"})]).head_hash


def table_rows(app: Flask, table: sa.Table) -> list[tuple[Any, ...]]:
    with services(app).engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key))]


def export(runner: FlaskCliRunner, path: Path) -> None:
    result = runner.invoke(args=["events", "export", str(path)])
    assert result.exit_code == 0, result.output


def test_db_upgrade_creates_the_schema_on_a_fresh_database(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, migrated=False)

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    tables = set(sa.inspect(services(app).engine).get_table_names())
    assert {"events", "idempotency_keys", "projection_checkpoints", "stream_heads", "alembic_version"} <= tables
    fill(app)
    assert len(table_rows(app, stream_heads)) == 3


def test_verify_reports_the_count_and_head_hash(app: Flask, runner: FlaskCliRunner) -> None:
    head_hash = fill(app)

    result = runner.invoke(args=["events", "verify"])

    assert result.exit_code == 0, result.output
    assert f"OK: 5 events, head hash {head_hash}" in result.stdout


def test_verify_of_a_tampered_log_exits_1_naming_the_position(app: Flask, runner: FlaskCliRunner) -> None:
    fill(app)
    with services(app).engine.begin() as connection:
        connection.exec_driver_sql(DROP_UPDATE_TRIGGER[connection.dialect.name])
        connection.execute(sa.text("""UPDATE events SET payload = '{"name":"forged"}' WHERE position = 2"""))

    result = runner.invoke(args=["events", "verify"])

    assert result.exit_code == 1
    assert "BROKEN at position 2:" in result.stderr
    assert "(1 events before it verified)" in result.stderr


def test_export_to_standard_output_writes_only_the_format_and_the_events(app: Flask, runner: FlaskCliRunner) -> None:
    fill(app)

    result = runner.invoke(args=["events", "export"])

    assert result.exit_code == 0, result.output
    header, *events = result.stdout.splitlines()
    assert json.loads(header) == {"log_format": 2}
    assert [json.loads(line)["position"] for line in events] == [1, 2, 3, 4, 5]
    assert "Exported 5 events." in result.stderr


def test_export_then_import_gives_the_same_log_and_read_models(
    app: Flask, runner: FlaskCliRunner, make_app: MakeApp, other_database_url: str, tmp_path: Path
) -> None:
    head_hash = fill(app)
    export(runner, tmp_path / "log.jsonl")
    other = make_app(other_database_url)

    result = other.test_cli_runner().invoke(args=["events", "import", str(tmp_path / "log.jsonl")])

    assert result.exit_code == 0, result.output
    assert "Imported 5 events; projections rebuilt." in result.stdout
    assert services(other).store.head() == (5, head_hash)
    assert table_rows(other, stream_heads) == table_rows(app, stream_heads)
    assert [r for r in table_rows(other, checkpoints) if r[0] in PROJECTIONS] == [(n, 5) for n in sorted(PROJECTIONS)]
    # a restore is not news: the notifications and webhooks start after it
    assert [r for r in table_rows(other, checkpoints) if r[0] in ("notify", "webhooks")] == [
        ("notify", 5),
        ("webhooks", 5),
    ]


def test_import_into_a_non_empty_store_is_refused_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, make_app: MakeApp, other_database_url: str, tmp_path: Path
) -> None:
    fill(app)
    export(runner, tmp_path / "log.jsonl")
    other = make_app(other_database_url)
    services(other).append([NewEvent("thing-9", "ThingCreated", {"name": "already here"})])
    before = services(other).store.head()

    result = other.test_cli_runner().invoke(args=["events", "import", str(tmp_path / "log.jsonl")])

    assert result.exit_code != 0
    assert "not empty" in result.output
    assert services(other).store.head() == before
    assert [row[0] for row in table_rows(other, stream_heads)] == ["thing-9"]


@pytest.mark.parametrize("field", ["hash", "payload"])
def test_import_of_an_altered_export_names_the_position_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, make_app: MakeApp, other_database_url: str, tmp_path: Path, field: str
) -> None:
    fill(app)
    path = tmp_path / "log.jsonl"
    export(runner, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])  # after the header line: position 3
    record[field] = "0" * 64 if field == "hash" else {**record["payload"], "name": "forged"}
    lines[3] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    other = make_app(other_database_url)

    result = other.test_cli_runner().invoke(args=["events", "import", str(path)])

    assert result.exit_code != 0
    assert "import refused at position 3" in result.output
    assert services(other).store.head()[0] == 0
    assert table_rows(other, stream_heads) == []


def test_projections_status_shows_each_projection_and_its_lag(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, PROJECTIONS="worker")
    fill(app)

    result = app.test_cli_runner().invoke(args=["projections", "status"])

    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["projection", "checkpoint", "head", "lag"]
    assert [row.split() for row in rows] == [[name, "0", "5", "5"] for name in PROJECTIONS]


def test_projections_rebuild_replays_the_log(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, PROJECTIONS="worker")
    fill(app)

    result = app.test_cli_runner().invoke(args=["projections", "rebuild"])

    assert result.exit_code == 0, result.output
    assert f"Rebuilt {', '.join(PROJECTIONS)} up to position 5." in result.stdout
    assert [row[:3] for row in table_rows(app, stream_heads)] == [
        ("other-3", "other", 1),
        ("thing-1", "thing", 2),
        ("thing-2", "thing", 2),
    ]
    assert [r for r in table_rows(app, checkpoints) if r[0] in PROJECTIONS] == [(n, 5) for n in sorted(PROJECTIONS)]


def test_projections_rebuild_of_an_unknown_name_names_the_known_ones(app: Flask, runner: FlaskCliRunner) -> None:
    fill(app)
    before = table_rows(app, stream_heads)

    result = runner.invoke(args=["projections", "rebuild", "nope"])

    assert result.exit_code != 0
    assert f"no projection named nope; known: {', '.join(PROJECTIONS)}" in result.stderr
    assert table_rows(app, stream_heads) == before


@pytest.mark.parametrize("command", [["projections", "run"], ["notify", "run"]])
def test_a_loop_with_no_idle_wait_is_refused_before_it_starts(runner: FlaskCliRunner, command: list[str]) -> None:
    """With none it would spin while the database is away (each turn failing at once)."""
    result = runner.invoke(args=[*command, "--idle-wait", "0"])

    assert result.exit_code == 2 and "'--idle-wait': 0.0 is not in the range x>=0.1" in result.output
