"""A PostgreSQL log at campaign scale: append latency empty vs full, a stream read, a catch-up rate, sizes on disk.

In a throwaway schema (dropped at the end) made by the app's migrations: 500 single-signature appends
through the real `EventStore` on the empty log, then N `StatementSigned` events written by COPY in
batches (real sealing and hash chain, synthetic world: bench/scale_log.py), then the same appends on
the full log, reads of whole statement streams, every projection caught up over the last 1,000,000
events, and the table's and each index's size. A second throwaway schema repeats the empty-log
appends at the end, so drift in the machine's load shows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from sqlalchemy import text

from bench import postgres
from bench.report import machine
from bench.scale_log import fill
from bench.scale_probe import SignatureAppends, catch_up, peak_rss_mb, read_streams, sizes
from coalition.domain.event_types import registry
from coalition.infra.db import upgrade
from events import EventStore, create_engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench scale`."""
    parser.add_argument("--postgres-url", required=True, help="the server to run on (a schema is made and dropped)")
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the full log (default 10,000,000)")
    parser.add_argument("--appends", type=int, default=500, help="timed single-event appends per series")
    parser.add_argument("--catch-up", type=int, default=1_000_000, help="events the projections catch up over")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per COPY (one commit each)")
    parser.add_argument("--verify", action="store_true", help="recompute the whole chain afterwards (slow at 10M)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 20,000 events, 50 appends, chain verified")
    parser.add_argument("--json", action="store_true", help="the JSON report on stdout (the table on stderr)")


def progress(message: str) -> None:
    """Tell the operator what is running (stderr, so stdout stays clean)."""
    print(f"· {message}", file=sys.stderr, flush=True)


def empty_log_appends(url: str, appends: int, warmup: int) -> dict[str, Any]:
    """The append series on a freshly migrated, empty log in a schema of its own."""
    with postgres.throwaway_schema(url) as schema:
        engine = create_engine(postgres.sqlalchemy_url(url, schema))
        try:
            upgrade(engine)
            return SignatureAppends(EventStore(engine, registry)).measure(appends, warmup).to_json()
        finally:
            engine.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Everything, in one throwaway schema plus one for the second empty-log series; both dropped."""
    events = 20_000 if args.quick else args.events
    appends = 50 if args.quick else args.appends
    warmup = max(5, appends // 10)
    url = args.postgres_url
    report: dict[str, Any] = {
        "machine": machine(),
        "postgresql": postgres.server_info(url),
        "load_average_start": list(os.getloadavg()),
        "settings": {
            "events": events,
            "appends": appends,
            "warmup": warmup,
            "catch_up_events": min(events, args.catch_up),
            "batch": args.batch,
            "quick": args.quick,
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
        },
    }
    with postgres.throwaway_schema(url) as schema:
        report["schema"] = schema
        engine = create_engine(postgres.sqlalchemy_url(url, schema))
        try:
            upgrade(engine)
            store = EventStore(engine, registry)
            probe = SignatureAppends(store)
            progress(f"{appends} appends on the empty log")
            report["append_empty"] = probe.measure(appends, warmup).to_json()
            progress(f"filling to {events:,} events by COPY, {args.batch:,} per batch")
            filled = fill(postgres.conninfo(url), schema, events - store.head()[0], args.batch, progress)
            report["fill"] = {
                "events": filled.events,
                "seconds": round(filled.seconds, 1),
                "events_per_second": round(filled.events_per_second, 1),
                "statements": filled.streams,
                "signers": filled.signers,
                "payload_bytes_mean": round(filled.payload_bytes / max(1, filled.events), 1),
                "metadata_bytes_mean": round(filled.metadata_bytes / max(1, filled.events), 1),
                "peak_rss_mb": peak_rss_mb(),
            }
            with engine.begin() as connection:
                started = time.perf_counter()
                connection.execute(text("ANALYZE events"))
                report["analyze_seconds"] = round(time.perf_counter() - started, 1)
            progress(f"{appends} appends on the full log")
            report["append_full"] = probe.measure(appends, warmup).to_json()
            # The 1,000,000-event run found appends twice as slow on the full log. Suspects: autovacuum's first pass
            # over the freshly filled table, and hint bits set by the first reads of COPYed pages. A VACUUM (it sets
            # both, as autovacuum would in time on a live log) and the series again tell them apart.
            progress("VACUUM (ANALYZE) events, then the full-log appends again")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                started = time.perf_counter()
                connection.execute(text("VACUUM (ANALYZE) events"))
                report["vacuum_seconds"] = round(time.perf_counter() - started, 1)
            report["append_full_vacuumed"] = probe.measure(appends, warmup).to_json()
            progress("reading whole statement streams")
            report["read_stream"] = read_streams(store, filled.sample_streams)
            head = store.head()[0]
            progress(f"catching every projection up over the last {min(head, args.catch_up):,} events")
            report["catch_up"] = catch_up(store, args.catch_up)
            with engine.connect() as connection:
                report["sizes"] = sizes(connection, schema, store.head()[0])
            if args.quick or args.verify:
                progress("verifying the whole chain")
                verified = store.verify()
                report["verify"] = {"ok": verified.ok, "events": verified.count, "reason": verified.reason}
        finally:
            engine.dispose()
    progress(f"{appends} appends on a second empty log (drift check)")
    report["append_empty_after"] = empty_log_appends(url, appends, warmup)
    report["append_ratio_full_to_empty_p50"] = round(
        report["append_full"]["p50_ms"] / report["append_empty"]["p50_ms"], 2
    )
    report["append_ratio_vacuumed_to_empty_p50"] = round(
        report["append_full_vacuumed"]["p50_ms"] / report["append_empty"]["p50_ms"], 2
    )
    report["load_average_end"] = list(os.getloadavg())
    return report


def format_report(report: dict[str, Any]) -> str:
    """The figures as readable text."""
    m, s = report["machine"], report["settings"]
    lines = [
        f"{m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, "
        f"PostgreSQL {report['postgresql']['server_version']}",
        f"load average at start {report['load_average_start'][0]:.2f}, at end {report['load_average_end'][0]:.2f}",
        f"fill: {report['fill']['events']:,} events in {report['fill']['seconds']:,} s "
        f"({report['fill']['events_per_second']:,.0f} events/s), peak RSS {report['fill']['peak_rss_mb']} MiB",
        "",
        "single-event append (ms)       p50      p99     mean   log before",
    ]
    for key, label in (
        ("append_empty", "empty log"),
        ("append_full", f"full log ({s['events']:,})"),
        ("append_full_vacuumed", "full log, after VACUUM"),
        ("append_empty_after", "empty log, again"),
    ):
        a = report[key]
        lines.append(
            f"  {label:<26} {a['p50_ms']:8.3f} {a['p99_ms']:8.3f} {a['mean_ms']:8.3f} {a['log_events_before']:>12,}"
        )
    lines.append(
        f"  full / empty (p50): {report['append_ratio_full_to_empty_p50']}×; after VACUUM "
        f"{report['append_ratio_vacuumed_to_empty_p50']}× (VACUUM took {report['vacuum_seconds']} s)"
    )
    r = report["read_stream"]
    lines.append(
        f"read_stream: {r['streams']} streams of {r['events_per_stream_mean']} events, "
        f"p50 {r['p50_ms']} ms, max {r['max_ms']} ms"
    )
    c = report["catch_up"]
    lines.append(
        f"catch-up of every projection over {c['events']:,} events: {c['seconds']} s, "
        f"{c['events_per_second']:,.0f} events/s, peak RSS {c['peak_rss_mb']} MiB"
    )
    z = report["sizes"]
    lines.append(
        f"events table: {z['total_bytes'] / 2**20:,.1f} MiB in all ({z['per_event']['total']} B/event): heap "
        f"{z['heap_bytes'] / 2**20:,.1f} MiB ({z['per_event']['heap']} B/event), indexes "
        f"{z['indexes_bytes'] / 2**20:,.1f} MiB ({z['per_event']['indexes']} B/event)"
    )
    for name, size in z["indexes"].items():
        lines.append(f"  {name:<28} {size / 2**20:10,.1f} MiB  {z['per_event'][name]:7.1f} B/event")
    if "verify" in report:
        lines.append(f"chain verified: {report['verify']}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Run, print the table (and the JSON with --json)."""
    report = run(args)
    table = format_report(report)
    if args.json:
        print(table, file=sys.stderr)
        print(json.dumps(report, indent=2))
    else:
        print(table)
    return 0
