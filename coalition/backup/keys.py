"""The instance's key files a backup carries: where each lives, reading them, and putting them back safely.

The seal's key and certificate and the checkpoint key are what earlier PDFs and checkpoints were signed with: a
restore that lost them would leave every PDF made before unverifiable. An instance that already holds a different
key has sealed or signed with it, so it is never replaced silently: the restore refuses unless told `--force-keys`,
and then keeps the old file beside the new one (`<name>.replaced-<time>`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coalition.pdf.seal_keys import KEY_FILE as SEAL_FILE
from coalition.transparency.keys import KEY_FILE as CHECKPOINT_FILE
from coalition.transparency.keys import key_path

SECRET_FILE = "secret_key"
PKCS12 = "seal.p12"
#: What each file is, in the words a restore's report uses.
ROLES = {
    SEAL_FILE: "the seal's key and certificate",
    PKCS12: "the seal's PKCS#12 file",
    CHECKPOINT_FILE: "the checkpoint signing key (Ed25519)",
    SECRET_FILE: "the session signing key",
}


class KeysRefused(ValueError):
    """The instance holds other keys than the backup's; the message names them and what to do."""


def locations(config: Any, instance_path: str) -> dict[str, Path]:
    """Where this instance keeps each key file."""
    found = {
        SEAL_FILE: Path(config.get("SEAL_DIRECTORY") or instance_path) / SEAL_FILE,
        CHECKPOINT_FILE: key_path(config, instance_path),
        SECRET_FILE: Path(instance_path) / SECRET_FILE,
        PKCS12: Path(config.get("SEAL_PKCS12") or Path(instance_path) / PKCS12),
    }
    return found


def collect(config: Any, instance_path: str) -> dict[str, bytes]:
    """The key files this instance holds (the session key only when the app signs with that file)."""
    found = {}
    for name, path in locations(config, instance_path).items():
        if not path.is_file():
            continue
        data = path.read_bytes()
        if name == SECRET_FILE and data.decode(errors="replace").strip() != config.get("SECRET_KEY"):
            continue  # SECRET_KEY comes from the environment: the file is not what signs sessions
        found[name] = data
    return found


@dataclass
class Staged:
    """A key file written beside its place, to be moved in once the database is committed."""

    name: str
    path: Path
    temporary: Path
    replaced: bool


def stage(files: dict[str, bytes], config: Any, instance_path: str, force: bool) -> list[Staged]:
    """Write the backup's key files next to their places, or KeysRefused naming every file that differs."""
    places = locations(config, instance_path)
    conflicts = [
        f"{places[name]} ({ROLES[name]})"
        for name, data in files.items()
        if name != SECRET_FILE and places[name].is_file() and places[name].read_bytes() != data
    ]
    if conflicts and not force:
        raise KeysRefused(
            "this instance already holds other keys than the backup's: "
            + "; ".join(conflicts)
            + ". PDFs and checkpoints made before the backup verify only with the backup's keys, and anything "
            "signed here with the present keys only with those. Nothing was restored. Move them away first, or "
            "pass --force-keys to replace them (the present files are kept as <name>.replaced-<time>)."
        )
    staged: list[Staged] = []
    try:
        for name, data in sorted(files.items()):
            place = places[name]
            if place.is_file() and place.read_bytes() == data:
                continue
            place.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=place.parent, prefix=f".{place.name}.restore.")  # 0600
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            staged.append(Staged(name, place, Path(temporary), place.is_file()))
    except OSError:
        discard(staged)
        raise
    return staged


def install(staged: list[Staged]) -> list[str]:
    """Move the staged files into place (the replaced ones kept aside); what was done, one line each."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    done = []
    for item in staged:
        note = ""
        if item.replaced and item.name != SECRET_FILE:
            kept = item.path.with_name(f"{item.path.name}.replaced-{stamp}")
            os.replace(item.path, kept)
            note = f" (the previous one kept as {kept})"
        os.replace(item.temporary, item.path)
        done.append(f"{ROLES[item.name]}: {item.path}{note}")
    return done


def discard(staged: list[Staged]) -> None:
    """Remove staged files (the restore failed)."""
    for item in staged:
        item.temporary.unlink(missing_ok=True)
