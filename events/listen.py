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


#: The longest a loop that follows the log waits before trying a failed turn again (it doubles from its idle wait).
LONGEST_RETRY_SECONDS = 60.0
#: How often a wait looks whether it was told to stop (seconds).
STOP_CHECK_SECONDS = 1.0


class Listener:
    """Blocks until events may have been appended, or a timeout passes, or `stop` is set."""

    def __init__(self, engine: Engine, poll_interval: float = 0.2, stop: threading.Event | None = None) -> None:
        self.engine = engine
        self.poll_interval = poll_interval
        self.stop = stop if stop is not None else threading.Event()
        self._connection: Any = None
        self._listening = False  # on PostgreSQL, between `__enter__` and `__exit__`
        self._failure = ""  # the last failure to listen told in the log (told again only when it changes)

    def __enter__(self) -> Listener:
        if not is_sqlite(self.engine):
            self._listening = True
            self._listen()
        return self

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True if a notification arrived, or if some may have been missed (the LISTEN
        connection was lost, or made again); always False on SQLite."""
        if not self._listening:
            self.stop.wait(min(timeout, self.poll_interval))
            return False
        if self._connection is None:  # lost at the last wait, or never made
            if not self._listen():
                self.stop.wait(timeout)  # the database is away: look again after the wait, as without notifications
            return True
        import psycopg

        deadline = time.monotonic() + timeout
        try:
            while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
                if any(True for _ in self._connection.notifies(timeout=min(left, STOP_CHECK_SECONDS), stop_after=1)):
                    return True
            return False
        except psycopg.Error as error:
            log.warning("the connection listening for new events was lost (%s); listening again", error)
            self._close()
            return True

    def _listen(self) -> bool:
        """Make the LISTEN connection; False (logged, once per kind of failure) if the database cannot be reached."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._connection = psycopg.connect(url, autocommit=True)
            self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as error:
            if str(error) != self._failure:
                log.warning("cannot listen for new events (%s); trying again after each wait", error)
            self._failure = str(error)
            self._close()
            return False
        self._failure = ""
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
    restarted or away, or a fault of ours) never ends the loop: it is tried again after `idle_wait`, then twice as
    long each time it fails again, up to `LONGEST_RETRY_SECONDS`; logged with its traceback when the failure is new,
    in one line when it repeats."""
    delay, failure = idle_wait, ""
    with Listener(engine, stop=stop) as listener:
        while not stop.is_set():
            try:
                turn()
            except Exception as error:  # noqa: BLE001 - logged; the next turn tries again
                told = f"{type(error).__name__}: {error}"
                if told != failure:
                    log.exception("%s failed; trying again in %s s", what, delay)
                else:
                    log.warning("%s failed again (%s); trying again in %s s", what, told.splitlines()[0], delay)
                failure = told
                stop.wait(delay)
                delay = min(max(delay * 2, idle_wait, 0.1), LONGEST_RETRY_SECONDS)
                continue
            delay, failure = idle_wait, ""
            listener.wait(idle_wait)
