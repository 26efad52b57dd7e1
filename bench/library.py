"""The `eventsourcing` library (9.5) as a contender, through its documented Application API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from sqlalchemy.engine import make_url

from bench.raw import SYNCHRONOUS_NAMES


class Tally(Aggregate):
    """A benchmark aggregate: created once, then one event per increment."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    @event("Incremented")
    def increment(self, amount: int) -> None:
        """Add to the total (recorded as an Incremented event)."""
        self.total += amount


class TallyApp(Application[UUID]):
    """An application whose commands each trigger and save exactly one event."""

    def open_tally(self, name: str) -> Tally:
        """Create a tally (one Created event) and save it."""
        tally = Tally(name)
        self.save(tally)
        return tally

    def increment(self, tally: Tally, amount: int) -> None:
        """Increment a tally held in memory and save its one new event."""
        tally.increment(amount)
        self.save(tally)


def sqlite_env(path: str) -> dict[str, str]:
    """The environment for its SQLite persistence module, a file database at `path`."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}


def postgres_env(url: str, schema: str) -> dict[str, str]:
    """The environment for its PostgreSQL persistence module, tables in `schema`."""
    parsed = make_url(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parsed.database or "",
        "POSTGRES_HOST": parsed.host or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": parsed.username or "",
        "POSTGRES_PASSWORD": parsed.password or "",
        "POSTGRES_SCHEMA": schema,
    }


class LibrarySaves:
    """One `save()` of one new event per step, round robin over aggregates kept in memory.

    Keeping the aggregates in memory mirrors our contender knowing each stream's version from the
    previous AppendResult: neither re-reads the stream before writing.
    """

    events_per_step = 1

    def __init__(self, env: dict[str, str], streams: int) -> None:
        self.app = TallyApp(env=env)
        self.tallies = [self.app.open_tally(f"bench-{k}") for k in range(streams)]
        self.turn = 0

    def step(self) -> None:
        """One command: one Incremented event, one save, one commit."""
        tally = self.tallies[self.turn % len(self.tallies)]
        self.turn += 1
        self.app.increment(tally, self.turn)

    def sqlite_settings(self) -> dict[str, Any]:
        """journal_mode and synchronous as queried on the library's own pooled writer connection."""
        pool = self.app.recorder.datastore.pool  # type: ignore[attr-defined]
        connection = pool.get_connection(is_writer=True)
        try:
            raw = connection._sqlite_conn  # the stdlib connection it wraps
            journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
            level = raw.execute("PRAGMA synchronous").fetchone()[0]
        finally:
            pool.put_connection(connection)
        return {"journal_mode": str(journal).upper(), "synchronous": SYNCHRONOUS_NAMES.get(level, str(level))}

    def close(self) -> None:
        """Close the application and its connection pool."""
        self.app.close()
