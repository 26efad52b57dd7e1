"""`flask backup create` and `flask backup restore`: everything comes back, on SQLite and PostgreSQL, or nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from coalition import create_app, demo
from coalition.backup import archive
from coalition.transparency.checkpoints import latest
from tests.conftest import postgres_schema, sqlite_url
from tests.e2e.conftest import migrate, services
from tests.e2e.pages import csrf
from tests.e2e.test_demo import projection_rows
from tests.e2e.world import TEST_CONFIG

PASSPHRASE = "four rivers and a summit"
ENV = {"COALITION_BACKUP_PASSPHRASE": PASSPHRASE}
FACILITATOR = demo.PEOPLE["ioana"][0]


def instance(url: str, directory: Path, *, migrated: bool = True, **extra: Any) -> Flask:
    """An app on `url` whose keys live in `directory` (its own instance), with a fast KDF."""
    directory.mkdir(parents=True, exist_ok=True)
    if migrated:
        migrate(url)
    return create_app(
        {
            "DATABASE_URL": url,
            **TEST_CONFIG,
            "SEAL_DIRECTORY": str(directory / "seal"),
            "CHECKPOINT_KEY": str(directory / "checkpoint.pem"),
            "PDF_CACHE_DIRECTORY": str(directory / "pdf-cache"),
            "BACKUP_SCRYPT_N": 16,
            **extra,
        }
    )


def cli(app: Flask, *args: str, env: dict[str, str] | None = None) -> Result:
    return app.test_cli_runner().invoke(args=list(args), env=ENV if env is None else env)


def signed_in(app: Flask, email: str, password: str = demo.PASSWORD) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": email, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def published_statement(app: Flask) -> str:
    found = next(e for e in services(app).store.read_all() if e.type == "StatementPublished")
    return str(found.payload["statement_id"])


def table_rows(app: Flask, name: str, leaving: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """A table's rows in key order, without the columns named in `leaving`."""
    with services(app).engine.connect() as connection:
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        columns = [c for c in table.columns if c.name not in leaving]
        return [tuple(row) for row in connection.execute(sa.select(*columns).order_by(*table.primary_key.columns))]


def nothing_restored(app: Flask) -> None:
    with services(app).engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        for table in ("events", "users", "api_tokens"):
            if table in names:
                assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo on SQLite with a token, a sealed PDF and a signed checkpoint, and its backup in small chunks."""
    directory = tmp_path_factory.mktemp("source")
    app = instance(sqlite_url(directory), directory / "instance")
    ids = demo.load(services(app), services(app).store.clock().date())
    token = app.test_client().post("/api/v1/tokens", json={"email": FACILITATOR, "password": demo.PASSWORD}).json
    statement = published_statement(app)
    assert cli(app, "statements", "export", statement, str(directory / "before.pdf")).exit_code == 0
    assert cli(app, "log", "checkpoint").exit_code == 0
    with services(app).engine.connect() as connection:
        note = latest(connection)
    assert note is not None
    (directory / "checkpoint.txt").write_text(note.note)
    saved, archive.CHUNK_SIZE = archive.CHUNK_SIZE, 4096  # several chunks, so that damage can come late
    try:
        made = cli(app, "backup", "create", str(directory / "demo.backup"))
    finally:
        archive.CHUNK_SIZE = saved
    assert made.exit_code == 0, made.output
    yield {"app": app, "dir": directory, "ids": ids, "token": token["token"], "statement": statement}
    services(app).engine.dispose()


def restored_like_the_source(target: Flask, source: dict[str, Any]) -> None:
    """The chain head, the accounts, the read models, the token, the PDF, the checkpoint: all as they were."""
    app = source["app"]
    assert services(target).store.head() == services(app).store.head()
    assert cli(target, "events", "verify").exit_code == 0
    against = cli(target, "events", "verify", "--against", str(source["dir"] / "checkpoint.txt"))
    assert against.exit_code == 0 and "still holds the tree" in against.output, against.output
    assert projection_rows(target) == projection_rows(app)
    for table in ("users", "log_checkpoints", "merkle_nodes", "outbox"):
        assert table_rows(target, table) == table_rows(app, table), table
    # A token's last use is noted when it is used (below): a backup taken after that carries the time.
    assert table_rows(target, "api_tokens", ("last_used_at",)) == table_rows(app, "api_tokens", ("last_used_at",))
    verified = cli(target, "statements", "verify-pdf", str(source["dir"] / "before.pdf"))
    assert verified.exit_code == 0 and "GENUINE" in verified.output, verified.output
    coalition = source["ids"]["coalition"]
    bearer = {"Authorization": f"Bearer {source['token']}"}
    assert target.test_client().get(f"/api/v1/coalitions/{coalition}", headers=bearer).status_code == 200


def facilitator_acts(target: Flask, coalition: str, organisation: str) -> None:
    """Ioana signs in with her password and pledges for her organisation; the log grows and still verifies."""
    client = signed_in(target, FACILITATOR)
    head = services(target).store.head()[0]
    due = (services(target).store.clock().date() + timedelta(days=30)).isoformat()
    pledge = {
        "organisation_id": organisation,
        "objective": "o1",
        "kind": "expertise",
        "description": "Kits",
        "due_on": due,
    }
    answer = client.post(
        f"/coalitions/{coalition}/commitments",
        data={"csrf_token": csrf(client, f"/coalitions/{coalition}/work"), **pledge},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert services(target).store.head()[0] == head + 1
    assert cli(target, "events", "verify").exit_code == 0
    assert cli(target, "log", "checkpoint").exit_code == 0  # the restored tree extends without diverging


def test_a_restored_backup_lets_the_demo_facilitator_sign_in_and_act(source: dict[str, Any], tmp_path: Path) -> None:
    target = instance(sqlite_url(tmp_path), tmp_path / "instance", migrated=False)
    try:
        restored = cli(target, "backup", "restore", str(source["dir"] / "demo.backup"))

        assert restored.exit_code == 0, restored.output
        assert "Migrated the empty database" in restored.output and "users: 7 rows" in restored.output
        assert (tmp_path / "instance" / "seal" / "seal.pem").read_bytes() == (
            source["dir"] / "instance" / "seal" / "seal.pem"
        ).read_bytes()
        restored_like_the_source(target, source)
        facilitator_acts(target, source["ids"]["coalition"], source["ids"]["ro"])
    finally:
        services(target).engine.dispose()


@pytest.mark.postgres
def test_a_backup_moves_from_sqlite_to_postgresql_and_back(source: dict[str, Any], tmp_path: Path) -> None:
    with postgres_schema() as url:
        on_postgres = instance(url, tmp_path / "pg", migrated=False)
        try:
            restored = cli(on_postgres, "backup", "restore", str(source["dir"] / "demo.backup"))
            assert restored.exit_code == 0, restored.output
            restored_like_the_source(on_postgres, source)
            again = cli(on_postgres, "backup", "create", str(tmp_path / "from-postgres.backup"))
            assert again.exit_code == 0, again.output
            facilitator_acts(on_postgres, source["ids"]["coalition"], source["ids"]["ro"])  # serial keys moved on
        finally:
            services(on_postgres).engine.dispose()
    (tmp_path / "back").mkdir()
    back = instance(sqlite_url(tmp_path / "back"), tmp_path / "pg")  # migrated first; the same keys already there
    try:
        restored = cli(back, "backup", "restore", str(tmp_path / "from-postgres.backup"))
        assert restored.exit_code == 0, restored.output
        restored_like_the_source(back, source)
        facilitator_acts(back, source["ids"]["coalition"], source["ids"]["ro"])
    finally:
        services(back).engine.dispose()
