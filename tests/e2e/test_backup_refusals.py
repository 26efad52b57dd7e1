"""A backup that cannot be restored here is refused with a message that says why, and nothing is written."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coalition.backup.archive import ArchiveWriter, Kdf
from coalition.infra.db import upgrade
from events import create_engine
from tests.conftest import sqlite_url
from tests.e2e.conftest import services
from tests.e2e.test_backup import ENV, PASSPHRASE, cli, instance, nothing_restored, source  # noqa: F401
from tests.e2e.world import PASSWORD
from tests.unit.test_backup_archive import chunk_offsets


def backup_of(source: dict[str, Any]) -> bytes:  # noqa: F811
    return (source["dir"] / "demo.backup").read_bytes()


def restore(target: Any, path: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    return cli(target, "backup", "restore", str(path), *extra, env=env)


@pytest.fixture
def target(database_url: str, tmp_path: Path) -> Any:
    """An app on an empty database (no tables yet) of each backend, with its own instance folder."""
    app = instance(database_url, tmp_path / "instance", migrated=False)
    yield app
    services(app).engine.dispose()


def test_a_wrong_passphrase_is_refused_and_nothing_is_written(source: dict, target: Any, tmp_path: Path) -> None:  # noqa: F811
    refused = restore(target, source["dir"] / "demo.backup", env={"COALITION_BACKUP_PASSPHRASE": "not the one at all"})

    assert refused.exit_code == 1 and "wrong passphrase" in refused.output, refused.output
    nothing_restored(target)
    assert not (tmp_path / "instance" / "seal" / "seal.pem").exists()


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_flipped_byte_is_refused_naming_the_chunk_and_nothing_is_written(
    source: dict,  # noqa: F811
    target: Any,
    tmp_path: Path,
    where: str,
) -> None:
    data = bytearray(backup_of(source))
    offsets = chunk_offsets(bytes(data))
    assert len(offsets) > 3, "the backup is in several chunks, so the damage comes after rows went in"
    chunk = 0 if where == "first" else len(offsets) - 1
    data[offsets[chunk] + 40] ^= 0x20
    (tmp_path / "flipped.backup").write_bytes(data)

    refused = restore(target, tmp_path / "flipped.backup")

    assert refused.exit_code == 1, refused.output
    assert f"damaged: chunk {chunk + 1}" in refused.output and "not restored" in refused.output
    nothing_restored(target)
    assert not (tmp_path / "instance" / "checkpoint.pem").exists()
    assert not [p for p in (tmp_path / "instance").rglob("*") if p.is_file()], "no staged key file left behind"

    intact = restore(target, source["dir"] / "demo.backup")  # the target is still empty, and takes it whole

    assert intact.exit_code == 0, intact.output
    assert services(target).store.head() == services(source["app"]).store.head()


@pytest.mark.parametrize("cut", [1000, -5, "last chunk"])
def test_a_truncated_backup_is_refused_and_nothing_is_written(
    source: dict,  # noqa: F811
    target: Any,
    tmp_path: Path,
    cut: Any,
) -> None:
    data = backup_of(source)
    end = chunk_offsets(data)[-1] if cut == "last chunk" else cut
    (tmp_path / "cut.backup").write_bytes(data[:end])

    refused = restore(target, tmp_path / "cut.backup")

    assert refused.exit_code == 1 and "truncated" in refused.output, refused.output
    nothing_restored(target)


def test_a_database_that_is_not_empty_is_refused_naming_what_it_holds(
    source: dict,  # noqa: F811
    migrated_url: str,
    tmp_path: Path,
) -> None:
    app = instance(migrated_url, tmp_path / "instance", migrated=False)
    try:
        registered = app.test_client().post(
            "/api/v1/users", json={"email": "someone@example.org", "password": PASSWORD, "name": "Some One"}
        )
        assert registered.status_code == 201

        refused = restore(app, source["dir"] / "demo.backup")

        assert refused.exit_code == 1 and "the database is not empty: it holds " in refused.output
        assert (
            "events (1 row)" in refused.output
            and "users (1 row)" in refused.output
            and "Restore only into an empty database" in refused.output
        )
        assert services(app).store.head()[0] == 1
        assert not (tmp_path / "instance" / "checkpoint.pem").exists()
    finally:
        services(app).engine.dispose()


def test_the_source_itself_is_refused_naming_its_log_and_accounts(source: dict) -> None:  # noqa: F811
    refused = restore(source["app"], source["dir"] / "demo.backup")

    assert refused.exit_code == 1, refused.output
    head = services(source["app"]).store.head()[0]
    assert f"events ({head} rows)" in refused.output and "users (7 rows)" in refused.output


def test_other_keys_in_the_instance_are_kept_unless_forced(source: dict, target: Any, tmp_path: Path) -> None:  # noqa: F811
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = tmp_path / "instance" / "checkpoint.pem"
    key.write_bytes(other)

    refused = restore(target, source["dir"] / "demo.backup")

    assert refused.exit_code == 1, refused.output
    assert "already holds other keys" in refused.output and str(key) in refused.output
    assert "--force-keys" in refused.output and "PDFs and checkpoints made before" in refused.output
    assert key.read_bytes() == other
    nothing_restored(target)

    forced = restore(target, source["dir"] / "demo.backup", "--force-keys")

    assert forced.exit_code == 0, forced.output
    assert key.read_bytes() == (source["dir"] / "instance" / "checkpoint.pem").read_bytes()
    kept = list(key.parent.glob("checkpoint.pem.replaced-*"))
    assert [k.read_bytes() for k in kept] == [other] and "kept as" in forced.output


def test_a_database_at_another_schema_revision_is_refused(source: dict, database_url: str, tmp_path: Path) -> None:  # noqa: F811
    engine = create_engine(database_url)
    upgrade(engine, "0011")
    engine.dispose()
    app = instance(database_url, tmp_path / "instance", migrated=False)
    try:
        refused = restore(app, source["dir"] / "demo.backup")

        assert refused.exit_code == 1, refused.output
        assert "at schema revision 0011 and the backup at" in refused.output
        nothing_restored(app)
    finally:
        services(app).engine.dispose()


def test_a_backup_from_an_unknown_schema_is_refused(target: Any, tmp_path: Path) -> None:
    out = io.BytesIO()
    writer = ArchiveWriter(out, PASSPHRASE, Kdf(n=16))
    manifest = {"contents": 1, "made_at": "", "revision": "9999", "log_format": 2, "head": {"position": 0, "hash": ""}}
    writer.write(json.dumps({**manifest, "tables": {}, "excluded": [], "files": []}).encode() + b"\n")
    writer.write(b'{"end_of_backup":true}\n')
    writer.close()
    (tmp_path / "future.backup").write_bytes(out.getvalue())

    refused = restore(target, tmp_path / "future.backup")

    assert refused.exit_code == 1 and "schema revision 9999" in refused.output, refused.output
    nothing_restored(target)


def test_the_passphrase_comes_from_a_file_or_a_prompt_asked_twice_never_the_command_line(
    source: dict,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = source["app"]
    (tmp_path / "passphrase").write_text(PASSPHRASE + "\n")
    from_file = cli(
        app, "backup", "create", str(tmp_path / "a.backup"), "--passphrase-file", str(tmp_path / "passphrase"), env={}
    )
    assert from_file.exit_code == 0, from_file.output

    runner = app.test_cli_runner()
    mismatch = runner.invoke(args=["backup", "create", str(tmp_path / "b.backup")], input=f"{PASSPHRASE}\nother\n" * 3)
    assert mismatch.exit_code != 0 and not (tmp_path / "b.backup").exists()
    prompted = runner.invoke(
        args=["backup", "create", str(tmp_path / "b.backup")], input=f"{PASSPHRASE}\n{PASSPHRASE}\n"
    )
    assert prompted.exit_code == 0 and PASSPHRASE not in prompted.output, prompted.output

    short = cli(app, "backup", "create", str(tmp_path / "c.backup"), env={"COALITION_BACKUP_PASSPHRASE": "short"})
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    again = cli(app, "backup", "create", str(tmp_path / "a.backup"))
    assert again.exit_code == 1 and "already exists" in again.output
    assert not list(tmp_path.glob("*.partial"))
    assert oct((tmp_path / "a.backup").stat().st_mode & 0o777) == "0o600"
    assert "--passphrase " not in runner.invoke(args=["backup", "create", "--help"]).output


def test_a_kdf_cost_that_is_not_a_power_of_two_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    app = instance(sqlite_url(tmp_path / "db"), tmp_path / "instance", BACKUP_SCRYPT_N=1000)
    try:
        refused = cli(app, "backup", "create", str(tmp_path / "x.backup"))

        assert refused.exit_code == 1 and "COALITION_BACKUP_SCRYPT_N" in refused.output, refused.output
        assert "power of two" in refused.output and not list(tmp_path.glob("x.backup*"))
    finally:
        services(app).engine.dispose()
