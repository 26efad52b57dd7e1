"""What `bench scale` measures with the real store: append latency, a stream read, a catch-up, and sizes on disk."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bench.scale_log import EVENT_TYPE, TITLES
from events import EventStore, Metadata, NewEvent
from projections import ProjectionRunner, default_projections


@dataclass(frozen=True, slots=True)
class Latency:
    """Per-append wall times of one series, in milliseconds."""

    appends: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    log_events_before: int

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "appends": self.appends,
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "log_events_before": self.log_events_before,
        }


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class SignatureAppends:
    """Single-signature appends through `EventStore.append`, the app's registry: validation, sealing, chain."""

    def __init__(self, store: EventStore, streams: int = 10) -> None:
        self.store = store
        self.streams = [f"statement-probe{k:04d}{'0' * 24}" for k in range(streams)]
        self.versions: dict[str, int] = {}
        self.turn = 0

    def step(self) -> None:
        """One signature by a new signer on the next probe statement, with the expected version known."""
        stream = self.streams[self.turn % len(self.streams)]
        self.turn += 1
        user, organisation = f"{self.turn:032x}", f"{self.turn + 10**9:032x}"
        payload = {
            "coalition_id": "c" * 32,
            "statement_id": stream.removeprefix("statement-"),
            "organisation_id": organisation,
            "user_id": user,
            "signer_name": f"Probe Signer {self.turn}",
            "signer_title": TITLES[self.turn % len(TITLES)],
            "version_hash": "ab" * 32,
        }
        result = self.store.append(
            [NewEvent(stream, EVENT_TYPE, payload)],
            expected={stream: self.versions.get(stream, 0)},
            metadata=Metadata(user, organisation, f"{self.turn:032x}"),
        )
        self.versions[stream] = result.versions[stream]

    def measure(self, appends: int, warmup: int) -> Latency:
        """Warm up, then time each of `appends` appends on its own."""
        before = self.store.head()[0]
        for _ in range(warmup):
            self.step()
        times = []
        for _ in range(appends):
            start = time.perf_counter()
            self.step()
            times.append((time.perf_counter() - start) * 1000)
        return Latency(appends, percentile(times, 0.5), percentile(times, 0.99), statistics.fmean(times), before)


def read_streams(store: EventStore, streams: list[str]) -> dict[str, Any]:
    """`read_stream` of each stream (envelopes opened with the person keys), timed one by one."""
    times, sizes = [], []
    for stream in streams:
        start = time.perf_counter()
        events = store.read_stream(stream)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(events))
    return {
        "streams": len(streams),
        "events_per_stream_mean": round(statistics.fmean(sizes), 1),
        "p50_ms": round(percentile(times, 0.5), 3),
        "max_ms": round(max(times), 3),
    }


def catch_up(store: EventStore, events: int) -> dict[str, Any]:
    """Every default projection, empty, set to (head - events), then `ProjectionRunner.catch_up()` to the head."""
    runner = ProjectionRunner(store, default_projections())
    head = store.head()[0]
    start_at = max(0, head - events)
    with store.transaction(lock=False) as connection:
        for projection in runner.projections:
            projection.reset(connection)
        runner._checkpoints(connection, runner.projections)  # creates the missing ones at 0
        connection.execute(text("UPDATE projection_checkpoints SET position = :p"), {"p": start_at})
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    read = runner.catch_up()
    seconds = time.perf_counter() - start
    lowest = min(status.position for status in runner.status())
    if lowest != head:
        raise RuntimeError(f"the catch-up stopped at {lowest}, expected {head}")
    return {
        "events": head - start_at,
        "positions_read": read,
        "seconds": round(seconds, 3),
        "events_per_second": round((head - start_at) / seconds, 1) if seconds > 0 else None,
        "from_position": start_at,
        "to_position": head,
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def sizes(connection: Connection, schema: str, events: int) -> dict[str, Any]:
    """The events table on disk: heap, TOAST, each index, in bytes and per event; every other table's total."""

    def scalar(query: str, **params: Any) -> int:
        return int(connection.execute(text(query), params).scalar() or 0)

    table = f'"{schema}".events'
    total = scalar("SELECT pg_total_relation_size(CAST(:t AS regclass))", t=table)
    heap = scalar("SELECT pg_relation_size(CAST(:t AS regclass))", t=table)
    indexes_total = scalar("SELECT pg_indexes_size(CAST(:t AS regclass))", t=table)
    index_names = connection.execute(
        text("SELECT indexname FROM pg_indexes WHERE schemaname = :s AND tablename = 'events' ORDER BY indexname"),
        {"s": schema},
    ).scalars()
    indexes = {
        name: scalar("SELECT pg_relation_size(CAST(:i AS regclass))", i=f'"{schema}"."{name}"') for name in index_names
    }
    others = connection.execute(
        text(
            "SELECT tablename, pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass) "
            "FROM pg_tables WHERE schemaname = :s AND tablename <> 'events' ORDER BY 2 DESC LIMIT 8"
        ),
        {"s": schema},
    ).all()

    def per_event(value: int) -> float:
        return round(value / events, 1) if events else 0.0

    return {
        "events": events,
        "total_bytes": total,
        "heap_bytes": heap,
        "indexes_bytes": indexes_total,
        "toast_and_maps_bytes": total - heap - indexes_total,
        "indexes": indexes,
        "per_event": {
            "total": per_event(total),
            "heap": per_event(heap),
            "indexes": per_event(indexes_total),
            **{name: per_event(size) for name, size in indexes.items()},
        },
        "avg_row_text_bytes": scalar(
            "SELECT avg(pg_column_size(e.*))::bigint FROM (SELECT * FROM events ORDER BY position DESC LIMIT 10000) e"
        ),
        "other_tables": {name: int(size) for name, size in others},
    }
