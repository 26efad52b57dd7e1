"""A table the backup code has never heard of (another change's migration) is backed up and restored all the same."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from werkzeug.security import generate_password_hash

from coalition.backup.contents import revision
from coalition.infra.db import alembic_config, upgrade
from events import create_engine
from tests.conftest import postgres_schema, sqlite_url
from tests.e2e.conftest import services
from tests.e2e.test_backup import cli, instance, nothing_restored
from tests.e2e.world import PASSWORD

SQLITE_TABLE = (
    "CREATE TABLE future_keys (id INTEGER PRIMARY KEY, person TEXT NOT NULL, key BLOB NOT NULL, made TIMESTAMP)"
)
POSTGRES_TABLE = (
    "CREATE TABLE future_keys (id SERIAL PRIMARY KEY, person TEXT NOT NULL, key BYTEA NOT NULL, made TIMESTAMP)"
)


def test_a_table_added_by_another_migration_is_carried_whole(database_url: str, backend: str, tmp_path: Path) -> None:
    (tmp_path / "source").mkdir()
    source = instance(sqlite_url(tmp_path / "source"), tmp_path / "source" / "instance")
    target = instance(database_url, tmp_path / "target")
    try:
        with services(source).engine.begin() as connection:
            connection.exec_driver_sql(SQLITE_TABLE)
            connection.exec_driver_sql(
                "INSERT INTO future_keys (id, person, key, made) VALUES "
                "(7, 'ana', x'00ff10', '2026-12-01 10:00:00'), (9, 'bo', x'', NULL)"
            )
        with services(target).engine.begin() as connection:
            connection.exec_driver_sql(SQLITE_TABLE if backend == "sqlite" else POSTGRES_TABLE)
        made = cli(source, "backup", "create", str(tmp_path / "x.backup"))
        assert made.exit_code == 0 and "future_keys: 2 rows" in made.output, made.output

        restored = cli(target, "backup", "restore", str(tmp_path / "x.backup"))

        assert restored.exit_code == 0, restored.output
        with services(target).engine.begin() as connection:
            rows = connection.execute(sa.text("SELECT id, person, key, made FROM future_keys ORDER BY id")).all()
            # the same moment (SQLite's text may gain the microseconds SQLAlchemy writes: 10:00:00.000000)
            assert [(r[0], r[1], bytes(r[2]), str(r[3])[:19]) for r in rows] == [
                (7, "ana", b"\x00\xff\x10", "2026-12-01 10:00:00"),
                (9, "bo", b"", "None"),
            ]
            # a new row gets the next key: on PostgreSQL the serial's sequence was moved past the restored rows
            connection.exec_driver_sql("INSERT INTO future_keys (person, key) VALUES ('lia', '')")
            assert connection.execute(sa.text("SELECT max(id) FROM future_keys")).scalar() == 10
    finally:
        services(source).engine.dispose()
        services(target).engine.dispose()


def test_a_backup_from_an_older_schema_goes_into_an_empty_database_then_through_the_migrations(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "old").mkdir()
    old_url = sqlite_url(tmp_path / "old")
    engine = create_engine(old_url)
    upgrade(engine, "0011")
    with engine.begin() as connection:  # an account as that schema held it (today's code writes today's columns)
        connection.execute(
            sa.text(
                "INSERT INTO users (user_id, email, name, password_hash, created_at)"
                " VALUES ('u1', 'ana@example.org', 'Ana Pop', :hash, '2026-12-01T10:00:00.000000Z')"
            ),
            {"hash": generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")},
        )
    engine.dispose()
    source = instance(old_url, tmp_path / "old" / "instance", migrated=False)
    target = instance(database_url, tmp_path / "target", migrated=False)
    try:
        made = cli(source, "backup", "create", str(tmp_path / "old.backup"))
        assert made.exit_code == 0, made.output

        restored = cli(target, "backup", "restore", str(tmp_path / "old.backup"))

        assert restored.exit_code == 0, restored.output
        assert "Migrated the empty database to the backup's revision 0011" in restored.output
        with services(target).engine.connect() as connection:
            assert revision(connection) == ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert services(target).store.head() == services(source).store.head()
        token = target.test_client().post("/api/v1/tokens", json={"email": "ana@example.org", "password": PASSWORD})
        assert token.status_code == 201
    finally:
        services(source).engine.dispose()
        services(target).engine.dispose()


@pytest.mark.postgres
def test_a_row_postgresql_refuses_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "source").mkdir()
    source = instance(sqlite_url(tmp_path / "source"), tmp_path / "source" / "instance")
    with postgres_schema() as url:
        target = instance(url, tmp_path / "target")
        try:
            with services(source).engine.begin() as connection:
                connection.exec_driver_sql(SQLITE_TABLE)  # SQLite keeps any length in a short column
                connection.exec_driver_sql("INSERT INTO future_keys (id, person, key) VALUES (1, 'ana', x'00')")
            registered = source.test_client().post(
                "/api/v1/users", json={"email": "ana@example.org", "password": PASSWORD, "name": "Ana Pop"}
            )
            assert registered.status_code == 201
            with services(target).engine.begin() as connection:
                connection.exec_driver_sql(
                    "CREATE TABLE future_keys (id SERIAL PRIMARY KEY, person VARCHAR(2), key BYTEA, made TIMESTAMP)"
                )
            assert cli(source, "backup", "create", str(tmp_path / "x.backup")).exit_code == 0

            refused = cli(target, "backup", "restore", str(tmp_path / "x.backup"))

            assert refused.exit_code == 1, refused.output
            assert "the database refused a row of the table 'future_keys'" in refused.output
            assert "too long" in refused.output and "nothing was written" in refused.output
            nothing_restored(target)
        finally:
            services(source).engine.dispose()
            services(target).engine.dispose()
