"""Configuration: defaults, then `COALITION_*` environment variables, then a test mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECTION_MODES = ("inline", "worker")


def defaults(instance_path: str) -> dict[str, Any]:
    """The settings an empty checkout runs with: SQLite under `instance/`, projections inline."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'coalition.db'}",
        # FULL: an acknowledged append survives power loss. NORMAL trades that for speed.
        "SQLITE_SYNCHRONOUS": "FULL",
        "SQLITE_BUSY_TIMEOUT_MS": 10_000,
        # inline: projections are updated in the request's transaction; worker: by `flask projections run`.
        "PROJECTIONS": "inline",
    }


def check(config: dict[str, Any]) -> None:
    """Refuse settings that cannot work, saying which and why."""
    if config["PROJECTIONS"] not in PROJECTION_MODES:
        raise ValueError(f"COALITION_PROJECTIONS must be one of {', '.join(PROJECTION_MODES)}")


def secret_key(instance_path: str) -> str:
    """The key signing sessions: kept in `instance/secret_key` (mode 0600), made on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
