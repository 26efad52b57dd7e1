"""Waiting for new events: LISTEN/NOTIFY on PostgreSQL, a short sleep on SQLite.

The LISTEN connection is the listener's own (not the pool's), made from the engine's URL, so with its connect timeout
and TCP settings (`events.engine`). A database that restarts, or cannot be reached, never ends the loop waiting: the
wait that meets it reports that events may have come (so the caller looks), and the next one listens again, or, while
the database stays away, sleeps its timeout instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Engine

from events.engine import is_sqlite
from events.store import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


class Listener:
    """Blocks until events may have been appended, or a timeout passes."""

    def __init__(self, engine: Engine, poll_interval: float = 0.2) -> None:
        self.engine = engine
        self.poll_interval = poll_interval
        self._connection: Any = None
        self._listening = False  # on PostgreSQL, between `__enter__` and `__exit__`

    def __enter__(self) -> Listener:
        if not is_sqlite(self.engine):
            self._listening = True
            self._listen()
        return self

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True if a notification arrived, or if some may have been missed (the LISTEN
        connection was lost, or made again); always False on SQLite."""
        if not self._listening:
            time.sleep(min(timeout, self.poll_interval))
            return False
        if self._connection is None:  # lost at the last wait, or never made
            if not self._listen():
                time.sleep(timeout)  # the database is away: look again after the wait, as without notifications
            return True
        import psycopg

        try:
            return any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1))
        except psycopg.Error as error:
            log.warning("the connection listening for new events was lost (%s); listening again", error)
            self._close()
            return True

    def _listen(self) -> bool:
        """Make the LISTEN connection; False (logged) if the database cannot be reached now."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._connection = psycopg.connect(url, autocommit=True)
            self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as error:
            log.warning("cannot listen for new events (%s); trying again later", error)
            self._close()
            return False
        return True

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._close()
        self._listening = False


def follow(engine: Engine, stop: threading.Event, turn: Callable[[], object], what: str, idle_wait: float) -> None:
    """Call `turn` again and again until `stop` is set, waiting between turns for new events (or `idle_wait`
    seconds): the loop of `flask projections run` and of the notifications. A turn that fails (the database
    restarted or away, or a fault of ours) is logged and tried again after `idle_wait`: it never ends the loop."""
    with Listener(engine) as listener:
        while not stop.is_set():
            try:
                turn()
            except Exception:  # noqa: BLE001 - logged whole; the next turn tries again
                log.exception("%s failed; trying again in %s s", what, idle_wait)
                stop.wait(idle_wait)
                continue
            listener.wait(idle_wait)
