"""Which key files a backup carries, and how a restore puts them back without losing the instance's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalition.backup import keys


def config(tmp_path: Path, secret: str = "from-the-environment") -> dict[str, str]:
    return {"SECRET_KEY": secret, "SEAL_DIRECTORY": str(tmp_path / "seal")}


def test_the_session_key_file_goes_only_when_it_is_what_signs_sessions(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("abc\n")
    (tmp_path / "checkpoint-ed25519.pem").write_bytes(b"cp")

    assert keys.collect(config(tmp_path, "abc"), str(tmp_path)) == {
        "secret_key": b"abc\n",
        "checkpoint-ed25519.pem": b"cp",
    }
    assert keys.collect(config(tmp_path), str(tmp_path)) == {"checkpoint-ed25519.pem": b"cp"}


def test_the_seal_key_is_read_from_the_configured_directory(tmp_path: Path) -> None:
    (tmp_path / "seal").mkdir()
    (tmp_path / "seal" / "seal.pem").write_bytes(b"seal")

    assert keys.collect(config(tmp_path), str(tmp_path)) == {"seal.pem": b"seal"}


def test_the_same_key_already_there_is_left_alone_and_a_different_one_refused(tmp_path: Path) -> None:
    (tmp_path / "checkpoint-ed25519.pem").write_bytes(b"same")

    assert keys.stage({"checkpoint-ed25519.pem": b"same"}, config(tmp_path), str(tmp_path), force=False) == []
    with pytest.raises(keys.KeysRefused, match="checkpoint signing key"):
        keys.stage({"checkpoint-ed25519.pem": b"other"}, config(tmp_path), str(tmp_path), force=False)
    assert (tmp_path / "checkpoint-ed25519.pem").read_bytes() == b"same"


def test_staged_files_wait_beside_their_place_until_installed_or_discarded(tmp_path: Path) -> None:
    staged = keys.stage({"seal.pem": b"seal"}, config(tmp_path), str(tmp_path), force=False)

    assert not (tmp_path / "seal" / "seal.pem").exists()
    keys.discard(staged)
    assert list((tmp_path / "seal").iterdir()) == []

    keys.install(keys.stage({"seal.pem": b"seal"}, config(tmp_path), str(tmp_path), force=False))
    assert (tmp_path / "seal" / "seal.pem").read_bytes() == b"seal"
    assert oct((tmp_path / "seal" / "seal.pem").stat().st_mode & 0o777) == "0o600"


def test_a_replaced_session_key_needs_no_force_since_an_empty_database_has_no_sessions(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("made at start")

    done = keys.install(keys.stage({"secret_key": b"restored"}, config(tmp_path), str(tmp_path), force=False))

    assert (tmp_path / "secret_key").read_bytes() == b"restored" and "session signing key" in done[0]
