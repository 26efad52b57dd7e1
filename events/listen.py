"""Waiting for new events: LISTEN/NOTIFY on PostgreSQL, a short sleep on SQLite."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Engine

from events.engine import is_sqlite
from events.store import NOTIFY_CHANNEL


class Listener:
    """Blocks until events may have been appended, or a timeout passes."""

    def __init__(self, engine: Engine, poll_interval: float = 0.2) -> None:
        self.engine = engine
        self.poll_interval = poll_interval
        self._connection: Any = None

    def __enter__(self) -> Listener:
        if not is_sqlite(self.engine):
            import psycopg

            url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._connection = psycopg.connect(url, autocommit=True)
            self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return self

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True if a notification arrived (always False on SQLite)."""
        if self._connection is None:
            time.sleep(min(timeout, self.poll_interval))
            return False
        return any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
