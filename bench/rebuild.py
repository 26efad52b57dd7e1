"""`projections rebuild` over a campaign-shaped log, timed in a fresh child process so its peak memory is its own.

The log is `bench.world_log`'s (the app's event types, about four in five signatures). Standalone:
`python -m bench.rebuild --events 1000000 [--postgres-url URL] [--check]` (PostgreSQL: a throwaway schema).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import postgres
from bench.world_log import build_world_log, registry
from coalition.infra.db import upgrade
from events import EventStore, create_engine


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What building the log and rebuilding the projections from it took."""

    events: int
    build_seconds: float
    rebuild_seconds: float
    cpu_seconds: float  # the child's own CPU time over the rebuild (user + system), less sensitive to load
    streams: int
    checkpoint: int
    rss_before_mb: float
    peak_rss_mb: float
    ru_maxrss_mb: float
    types: dict[str, int] | None = None
    disagreeing: list[str] | None = None  # with --check: the tables `projections check` finds wrong

    @property
    def growth_mb(self) -> float:
        """Peak RSS growth over the rebuild: the high-water mark less the child's size before it started."""
        return round(self.peak_rss_mb - self.rss_before_mb, 1)

    @property
    def events_per_second(self) -> float:
        """Rebuild throughput: log events replayed per second."""
        return self.events / self.rebuild_seconds if self.rebuild_seconds > 0 else float("inf")

    @property
    def build_events_per_second(self) -> float:
        """Log-building throughput: events appended per second, 1000 per append."""
        return self.events / self.build_seconds if self.build_seconds > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        """The JSON form, throughputs included."""
        return {
            **asdict(self),
            "events_per_second": round(self.events_per_second, 1),
            "growth_mb": self.growth_mb,
            "cpu_events_per_second": round(self.events / self.cpu_seconds, 1) if self.cpu_seconds > 0 else None,
            "build_events_per_second": round(self.build_events_per_second, 1),
        }


def _ru_maxrss_mb() -> float:
    """Peak RSS per getrusage, in MiB; on Linux it survives fork+exec, so a spawned child starts with its parent's."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_rss_mb() -> float:
    """This process's own peak resident set size in MiB: VmHWM (reset by exec), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _ru_maxrss_mb()


def _open(url: str, synchronous: str, migrate: bool = True) -> tuple[Any, EventStore]:
    """An engine as the app makes it, migrated, and a store with the app's registry."""
    engine = create_engine(url, sqlite_synchronous=synchronous)
    if migrate:
        upgrade(engine)
    return engine, EventStore(engine, registry)


def _rebuild_in_child(url: str, synchronous: str, check: bool, replies: Any) -> None:
    """Child process: open the store, time `ProjectionRunner.rebuild()`, report time, rows and peak RSS."""
    from projections import (
        ProjectionRunner,
        checkpoints,
        default_projections,
        stream_heads,
    )

    try:
        engine, store = _open(url, synchronous, migrate=False)
        runner = ProjectionRunner(store, default_projections())
        rss_before = _peak_rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        runner.rebuild()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = _peak_rss_mb()
        with engine.connect() as connection:
            streams = connection.execute(select(func.count()).select_from(stream_heads)).scalar_one()
            names = [p.name for p in runner.projections]  # not the notification and webhook followers
            lowest = select(func.min(checkpoints.c.position)).where(checkpoints.c.name.in_(names))
            checkpoint = connection.execute(lowest).scalar_one()
        disagreeing = (
            [f"{c.table} ({c.missing} missing, {c.extra} extra)" for c in runner.check() if not c.agrees]
            if check
            else None
        )
        engine.dispose()
        replies.send(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "streams": streams,
                "checkpoint": checkpoint,
                "rss_before_mb": rss_before,
                "peak_rss_mb": peak,
                "ru_maxrss_mb": _ru_maxrss_mb(),
                "disagreeing": disagreeing if check else None,
            }
        )
    except BaseException as error:  # report any failure to the parent instead of hanging it
        replies.send({"error": f"{type(error).__name__}: {error}"})
    finally:
        replies.close()


def run_rebuild(url: str, events: int, synchronous: str, check: bool = False) -> RebuildReport:
    """Build a log of `events` events with the real store, then rebuild the projections in a spawned child."""
    engine, store = _open(url, synchronous)
    start = time.perf_counter()
    types = build_world_log(store, events)
    head = store.head()[0]
    build_seconds = time.perf_counter() - start
    engine.dispose()
    if head != events:
        raise RuntimeError(f"the synthetic log has {head} events, expected {events}")

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_rebuild_in_child, args=(url, synchronous, check, send), name="bench-rebuild")
    child.start()
    send.close()
    reply = receive.recv()
    child.join()
    if "error" in reply:
        raise RuntimeError(f"the rebuild failed in the child process: {reply['error']}")
    if reply["checkpoint"] != events:
        raise RuntimeError(f"the rebuild stopped at {reply['checkpoint']}, expected {events}")
    return RebuildReport(
        events,
        build_seconds,
        reply["seconds"],
        reply["cpu_seconds"],
        reply["streams"],
        reply["checkpoint"],
        round(reply["rss_before_mb"], 1),
        round(reply["peak_rss_mb"], 1),
        round(reply["ru_maxrss_mb"], 1),
        dict(types.most_common()),
        reply["disagreeing"],
    )


def main(argv: list[str] | None = None) -> int:
    """Build the log on SQLite (a temporary file) or PostgreSQL (a throwaway schema), rebuild, print JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the log (default 1,000,000)")
    parser.add_argument("--postgres-url", help="run on this PostgreSQL server instead of SQLite")
    parser.add_argument("--synchronous", default="FULL", help="SQLite synchronous (default FULL)")
    parser.add_argument("--check", action="store_true", help="then run `projections check` in the child too")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    if args.postgres_url:
        with postgres.throwaway_schema(args.postgres_url) as schema:
            url = postgres.sqlalchemy_url(args.postgres_url, schema)
            report = run_rebuild(url, args.events, args.synchronous, args.check)
    else:
        with tempfile.TemporaryDirectory(prefix="coalition-rebuild-") as tmp:
            report = run_rebuild(f"sqlite:///{tmp}/rebuild.db", args.events, args.synchronous, args.check)
    document = {
        "backend": "postgresql" if args.postgres_url else "sqlite",
        "command": " ".join(["python -m bench.rebuild", *(argv if argv is not None else sys.argv[1:])]),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **report.to_json(),
    }
    print(json.dumps(document, indent=2))
    return 0 if not report.disagreeing else 1


if __name__ == "__main__":
    sys.exit(main())
