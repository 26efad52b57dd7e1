"""The demo coalition: it loads into an empty database only, and shows every standing level."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from coalition import create_app, demo
from coalition.reads.evaluations import rounds
from coalition.reads.standing import Moment, responsibilities, snapshot, standing
from coalition.reads.statements import of_coalition, phase, view
from projections import default_projections
from tests.conftest import postgres_schema, sqlite_url
from tests.e2e.conftest import migrate, services
from tests.e2e.pages import csrf
from tests.e2e.world import TEST_CONFIG


def demo_app(database_url: str) -> Flask:
    migrate(database_url)
    return create_app({"DATABASE_URL": database_url, **TEST_CONFIG})


def test_the_demo_loads_once_and_shows_good_attention_and_lapsed_members(database_url: str) -> None:
    app = demo_app(database_url)
    runner: FlaskCliRunner = app.test_cli_runner()
    try:
        loaded = runner.invoke(args=["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        assert demo.PASSWORD in loaded.output and "ioana@raurisicurate.ro" in loaded.output
        head = services(app).store.head()[0]

        again = runner.invoke(args=["demo", "load"])
        assert again.exit_code == 1 and "only into an empty database" in again.output
        skipped = runner.invoke(args=["demo", "load", "--if-empty"])
        assert skipped.exit_code == 0 and services(app).store.head()[0] == head
        assert services(app).store.verify().ok
        times = [e.recorded_at for e in services(app).store.read_all()]
        assert times == sorted(times), "the story is recorded in time order, so dates map to positions"

        coalition_id = next(
            e.payload["coalition_id"] for e in services(app).store.read_all() if e.type == "CoalitionFounded"
        )
        today = services(app).store.clock().date()
        with services(app).engine.connect() as connection:
            snap = snapshot(connection, coalition_id, Moment(None, today), statements=True)
        levels = {m["name"]: m["level"] for m in standing(snap)}
        assert set(levels.values()) == {"good", "attention", "lapsed"}
        assert levels["Dunav Civic Network"] == "lapsed" and levels["Fundacja Czysta Wisła"] == "attention"
        states = {m["name"]: m["membership"]["state"] for m in standing(snap)}
        assert states["Sfântul Nicolae Community Trust"] == "requested"
        assert responsibilities(snap)["uncovered"] == ["o4"]  # the summit lost its host
        with services(app).engine.connect() as connection:
            now = services(app).store.clock()
            statements = {row["title"]: phase(row, now) for row in of_coalition(connection, coalition_id)}
            call = next(row for row in of_coalition(connection, coalition_id) if row["state"] == "published")
            found = view(connection, call["statement_id"])
            assert found is not None
            statuses = sorted(s["status"] for s in found.signatures)
        assert sorted(statements.values()) == ["draft", "open", "published"]
        assert statuses == ["signed", "signed", "signed", "withdrawn"]
        assert call["version"] == 2 and [t["language"] for t in found.translations] == ["ro"]
        assert {m["name"]: m["statements"]["signed"]["count"] for m in standing(snap)}["Asociația Râuri Curate"] == 2
        with services(app).engine.connect() as connection:
            [spring] = rounds(connection, coalition_id).values()
        assert spring.closed and spring.summary and spring.lessons and len(spring.responses) == 4
        client = app.test_client()  # the coalition's home shows it, and each objective's status, to a member
        sign_in = {"csrf_token": csrf(client, "/login"), "email": demo.PEOPLE["marta"][0], "password": demo.PASSWORD}
        assert client.post("/login", data=sign_in).status_code == 302
        home = client.get(f"/coalitions/{coalition_id}").get_data(as_text=True)
        assert f"Latest evaluation round: {spring.title}" in home and "Share the minutes" not in home
        assert spring.lessons in home and home.count('class="badge progress-status') == len(
            snap.agreement["objectives"]
        )
    finally:
        services(app).engine.dispose()


def projection_rows(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every read model's rows, in key order."""
    rows = {}
    with services(app).engine.connect() as connection:
        for projection in default_projections():
            for table in projection.tables:
                query = sa.select(table).order_by(*(table.primary_key or table.columns))
                rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


@pytest.mark.postgres
def test_a_coalition_moves_from_sqlite_to_postgresql_through_export_and_import(tmp_path: Path) -> None:
    (tmp_path / "sqlite").mkdir()
    source = demo_app(sqlite_url(tmp_path / "sqlite"))
    with postgres_schema() as url:
        target = demo_app(url)
        try:
            assert source.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
            exported = source.test_cli_runner().invoke(args=["events", "export", str(tmp_path / "log.jsonl")])
            assert exported.exit_code == 0, exported.output

            # the personal fields in the log are sealed: their keys travel beside it (README, "Personal data")
            keys = source.test_cli_runner().invoke(args=["people", "export-keys", str(tmp_path / "keys.jsonl")])
            assert keys.exit_code == 0, keys.output

            imported = target.test_cli_runner().invoke(args=["events", "import", str(tmp_path / "log.jsonl")])
            assert imported.exit_code == 0, imported.output
            opened = target.test_cli_runner().invoke(args=["people", "import-keys", str(tmp_path / "keys.jsonl")])
            assert opened.exit_code == 0, opened.output
            rebuilt = target.test_cli_runner().invoke(args=["projections", "rebuild"])

            assert rebuilt.exit_code == 0, rebuilt.output
            assert services(target).store.head() == services(source).store.head()
            assert services(target).store.verify().ok
            assert projection_rows(target) == projection_rows(source)
        finally:
            services(target).engine.dispose()
            services(source).engine.dispose()
