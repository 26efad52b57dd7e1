"""`projections rebuild` over a synthetic log, timed in a fresh child process so its peak memory is its own."""

from __future__ import annotations

import multiprocessing
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.ours import build_log, open_store


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What building the log and rebuilding the projections from it took."""

    events: int
    build_seconds: float
    rebuild_seconds: float
    streams: int
    checkpoint: int
    rss_before_mb: float
    peak_rss_mb: float
    ru_maxrss_mb: float

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


def _rebuild_in_child(url: str, synchronous: str, replies: Any) -> None:
    """Child process: open the store, time `ProjectionRunner.rebuild()`, report time, rows and peak RSS."""
    from projections import (
        ProjectionRunner,
        checkpoints,
        default_projections,
        stream_heads,
    )

    try:
        engine, store = open_store(url, synchronous, migrate=False)
        runner = ProjectionRunner(store, default_projections())
        rss_before = _peak_rss_mb()
        start = time.perf_counter()
        runner.rebuild()
        elapsed = time.perf_counter() - start
        peak = _peak_rss_mb()
        with engine.connect() as connection:
            streams = connection.execute(select(func.count()).select_from(stream_heads)).scalar_one()
            names = [p.name for p in runner.projections]  # not the notification and webhook followers
            lowest = select(func.min(checkpoints.c.position)).where(checkpoints.c.name.in_(names))
            checkpoint = connection.execute(lowest).scalar_one()
        engine.dispose()
        replies.send(
            {
                "seconds": elapsed,
                "streams": streams,
                "checkpoint": checkpoint,
                "rss_before_mb": rss_before,
                "peak_rss_mb": peak,
                "ru_maxrss_mb": _ru_maxrss_mb(),
            }
        )
    except BaseException as error:  # report any failure to the parent instead of hanging it
        replies.send({"error": f"{type(error).__name__}: {error}"})
    finally:
        replies.close()


def run_rebuild(url: str, events: int, synchronous: str) -> RebuildReport:
    """Build a log of `events` events with the real store, then rebuild the projections in a spawned child."""
    engine, store = open_store(url, synchronous)
    start = time.perf_counter()
    head = build_log(store, events)
    build_seconds = time.perf_counter() - start
    engine.dispose()
    if head != events:
        raise RuntimeError(f"the synthetic log has {head} events, expected {events}")

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_rebuild_in_child, args=(url, synchronous, send), name="bench-rebuild")
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
        reply["streams"],
        reply["checkpoint"],
        round(reply["rss_before_mb"], 1),
        round(reply["peak_rss_mb"], 1),
        round(reply["ru_maxrss_mb"], 1),
    )
