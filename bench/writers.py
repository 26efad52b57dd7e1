"""Many writers at once: raw sqlite3 one-row commits, our plain appends, and group commit, WRITERS threads each.

Every contender runs WRITERS threads; each thread makes its share of single-event commits to its
own streams (so no conflicts: what is measured is the write path, not retries). The clock runs
from the moment all threads have warmed up until the last one is done.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Connection

from bench.ours import OurAppends, bench_registry, open_store
from bench.raw import RowMaker, ddl, insert_statement
from bench.timing import Result
from coalition.infra.db import upgrade
from events import EventStore, GroupCommitStore, create_engine
from events.batching import Request

#: How many threads write at once.
WRITERS = 16

Step = Callable[[], None]


def measure_writers(key: str, label: str, backend: str, steps: list[Step], each: int, warmup: int) -> Result:
    """Run every step function on its own thread: `warmup` untimed calls, then `each` timed ones."""
    ready = threading.Barrier(len(steps) + 1)
    errors: list[BaseException] = []

    def work(step: Step) -> None:
        try:
            for _ in range(warmup):
                step()
        except BaseException as error:  # noqa: BLE001 - reported by the measuring thread
            errors.append(error)
        ready.wait()
        if errors:
            return
        try:
            for _ in range(each):
                step()
        except BaseException as error:  # noqa: BLE001 - reported by the measuring thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    commits = len(steps) * each
    return Result(key, label, backend, commits, commits, elapsed)


class RawSqliteWriters:
    """Raw sqlite3 for many threads: a connection each, one row per BEGIN IMMEDIATE … COMMIT, one at a time.

    A process lock lets one thread write at a time, so no thread ever sleeps in SQLite's busy
    handler: the best raw one-row commits can do with many writers in one process.
    """

    def __init__(self, path: str, synchronous: str, writers: int) -> None:
        self.rows = RowMaker(writers)
        self.lock = threading.Lock()
        self.insert = insert_statement("events", "?")
        self.connections = []
        for _ in range(writers):
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(f"PRAGMA synchronous={synchronous}")
            self.connections.append(connection)
        for statement in ddl("events", "INTEGER"):
            self.connections[0].execute(statement)

    def steps(self) -> list[Step]:
        """One step function per writer, each on its own connection."""
        return [self._step_on(connection) for connection in self.connections]

    def _step_on(self, connection: sqlite3.Connection) -> Step:
        def step() -> None:
            with self.lock:
                row = self.rows.rows(1)[0]
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(self.insert, row)
                connection.execute("COMMIT")

        return step

    def close(self) -> None:
        """Close every connection."""
        for connection in self.connections:
            connection.close()


class TimedGroupCommit(GroupCommitStore):
    """GroupCommitStore that keeps how long its writer spent recording batches, and how much of that committing."""

    busy = committing = 0.0

    def _record(self, batch: list[Request]) -> None:
        start = time.perf_counter()
        super()._record(batch)
        self.busy += time.perf_counter() - start

    @contextmanager
    def transaction(self, lock: bool = True, durable: bool = True) -> Iterator[Connection]:
        """The store's transaction, timing its end: the commit (the fsync) and the release of the locks."""
        with super().transaction(lock, durable) as connection:
            yield connection
            body_done = time.perf_counter()
        self.committing += time.perf_counter() - body_done

    def describe(self) -> str:
        """What the writer did, warm-up included."""
        commits, appends = max(1, self.commits), max(1, self.batched)
        return (
            f"Group commit recorded {self.batched:,} appends (warm-up included) in {self.commits:,} commits: "
            f"{self.batched / commits:.1f} appends per commit on average, {self.largest_batch} at most. "
            f"Its writer thread spent {(self.busy - self.committing) / appends * 1e6:.0f} µs per append inside "
            f"the batch (the append's own work: head query, checks, chain hash, insert; a savepoint if not plain) "
            "and "
            f"{self.committing / commits * 1e3:.2f} ms per commit (fsync and unlocking)."
        )


def our_steps(store: EventStore, writers: int, streams: int) -> list[Step]:
    """One `OurAppends` per writer, on streams of its own (`w<k>-bench-<n>`), expected versions known."""
    steps = []
    for writer in range(writers):
        appends = OurAppends(store, 1, max(1, streams // writers))
        appends.prefix = f"w{writer}-"
        steps.append(appends.step)
    return steps


def run_writers(tmp: Path, synchronous: str, events: int, streams: int) -> tuple[list[Result], list[str]]:
    """Raw sqlite3, our plain append and group commit, WRITERS threads each, `events` commits in all."""
    each, warmup = max(1, events // WRITERS), 5
    results, notes = [], []
    raw = RawSqliteWriters(str(tmp / "raw-writers.db"), synchronous, WRITERS)
    try:
        label = f"raw sqlite3: 1 row/commit, {WRITERS} threads"
        results.append(measure_writers("sqlite.raw.writers", label, "sqlite", raw.steps(), each, warmup))
    finally:
        raw.close()
    engine, store = open_store(f"sqlite:///{tmp / 'ours-writers.db'}", synchronous)
    try:
        label = f"ours: EventStore.append, 1 event, {WRITERS} threads"
        results.append(
            measure_writers("sqlite.ours.writers", label, "sqlite", our_steps(store, WRITERS, streams), each, warmup)
        )
    finally:
        engine.dispose()
    engine = create_engine(f"sqlite:///{tmp / 'group-writers.db'}", sqlite_synchronous=synchronous)
    upgrade(engine)
    group = TimedGroupCommit(engine, bench_registry())
    try:
        label = f"ours: GroupCommitStore, 1 event, {WRITERS} threads"
        steps = our_steps(group, WRITERS, streams)
        results.append(measure_writers("sqlite.group.writers", label, "sqlite", steps, each, warmup))
    finally:
        group.close()
        engine.dispose()
    notes.append(group.describe())
    notes.append(
        f"The {WRITERS}-thread raw sqlite3 writers take turns under one process lock "
        "(none sleeps in SQLite's busy handler)."
    )
    return results, notes
