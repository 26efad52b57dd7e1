"""Code run in child processes by the writers' queue tests (importable, so that `spawn` can start it)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from events.turns import queued


def wait_for_file(path: Path, seconds: float = 30.0) -> None:
    """Return once `path` exists (the test's signal); give up after `seconds`."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.001)


def take_turn(lock: str, name: str, log: str, hold: bool = False) -> None:
    """Queue at `lock`; on this writer's turn write `name` to `log` (and, if `hold`, keep the turn until told)."""
    with queued(lock, wait=60):
        if hold:
            Path(f"{log}.{name}.holding").touch()
            wait_for_file(Path(f"{log}.{name}.release"), 120)
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, f"{name}\n".encode())
        finally:
            os.close(descriptor)
