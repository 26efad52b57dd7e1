"""The platform's Ed25519 checkpoint key: a private PEM file made on first use (mode 0600), kept like the seal key."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

#: The file in the instance folder holding the key (COALITION_CHECKPOINT_KEY names another path).
KEY_FILE = "checkpoint-ed25519.pem"


class CheckpointKeyError(ValueError):
    """The checkpoint key cannot be loaded; the message names the file."""


def key_path(config: Any, instance_path: str) -> Path:
    """Where the key is kept: COALITION_CHECKPOINT_KEY, else the instance folder."""
    return Path(config.get("CHECKPOINT_KEY") or Path(instance_path) / KEY_FILE)


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, made first if there is none (linked into place, so that one process wins)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise CheckpointKeyError(f"cannot load the checkpoint key from {path}: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyError(f"the checkpoint key in {path} must be an Ed25519 key")
    return key
