"""HTTP load: gunicorn on loopback, most of 64 clients signing one statement, the rest reading.

For each backend (SQLite, and PostgreSQL with --postgres-url) the run seeds a world: one
coalition, one open statement, N member organisations, each with its own person and API token.
It serves the world with gunicorn as `make serve` does and measures two phases, each driven by
`python -m bench.load` in a separate process:

1. `trivial`: every client asks GET /healthz. This is the same app under the same server,
   touching no database: the framework's own ceiling on this machine.
2. `mix`: the signers sign, each for its own organisations in turn. The readers read the
   standing, the statement and the audit history, pausing half a second between reads.

Afterwards, with the server stopped, every acknowledged signature must be in the log exactly
once, and the hash chain must verify. The figures and the targets are printed; the exit status
is 0 whether the targets pass or not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.loadworld import Plan, seed
from bench.postgres import server_info, sqlalchemy_url, throwaway_schema
from bench.report import Target, machine
from bench.server import Running, Server, environment
from events import EventStore, create_engine
from events.schema import events as events_table

SIGNING_RATE = 400  # requests/s
SIGNING_RATIO = 0.4  # of the trivial endpoint's rate
SIGNING_P99_MS = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--organisations", type=int, default=3000, help="member organisations, each signing once (default 3000)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (default 10)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes (default 2, one per core here)"
    )
    parser.add_argument("--postgres-url", help="also run on PostgreSQL (a throwaway schema in this database)")
    parser.add_argument("--tmp-dir", help="where the SQLite database and the logs go (default: the system's)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 200 organisations, 2 s phases")
    parser.add_argument("--json", action="store_true", help="JSON on stdout, the table on stderr")


def progress(message: str) -> None:
    print(f"[bench http] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))] if ordered else float("nan")


def endpoints(tally: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per endpoint: requests, rate over the phase, latency percentiles (ms), statuses and errors."""
    summary = {}
    for name, latencies in tally["latencies"].items():
        statuses = tally["statuses"][name]
        errors = sum(count for status, count in statuses.items() if not (status.isdigit() and int(status) < 400))
        summary[name] = {
            "requests": len(latencies),
            "per_second": len(latencies) / tally["seconds"],
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p95_ms": percentile(latencies, 0.95) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "statuses": statuses,
            "errors": errors,
        }
    return summary


def drive(plan_path: Path, base: str, phase: str, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the load driver in its own process and read what it saw."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            str(plan_path),
            base,
            "--phase",
            phase,
            "--duration",
            str(args.duration),
            "--clients",
            str(args.clients),
            "--out",
            str(out),
        ],
        check=True,
    )
    return dict(json.loads(out.read_text()))


def check_log(url: str, plan: Plan, acknowledged: list[str]) -> dict[str, Any]:
    """Every acknowledged signature in the log exactly once, none twice, and the chain intact."""
    from coalition.domain import statement
    from coalition.domain.event_types import registry

    engine = create_engine(url)
    try:
        query = select(events_table.c.payload).where(
            events_table.c.stream_id == statement.stream(plan.statement_id), events_table.c.type == "StatementSigned"
        )
        with engine.connect() as connection:
            signed = Counter(json.loads(payload)["organisation_id"] for payload in connection.scalars(query))
        report = EventStore(engine, registry).verify()
    finally:
        engine.dispose()
    missing = [organisation for organisation in acknowledged if signed[organisation] != 1]
    return {
        "acknowledged": len(acknowledged),
        "in_log": sum(signed.values()),
        "acknowledged_not_once": len(missing),
        "twice": sum(1 for count in signed.values() if count > 1),
        "unacknowledged_in_log": len(set(signed) - set(acknowledged)),
        "chain_ok": report.ok,
        "events": report.count,
    }


def run_backend(backend: str, url: str, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Seed, serve, measure both phases, stop, check the log."""
    progress(f"{backend}: seeding {args.organisations} organisations")
    started = time.perf_counter()
    plan = seed(url, args.organisations, directory)
    seeded = time.perf_counter() - started
    plan_path = directory / f"plan-{backend}.json"
    plan.save(plan_path)
    server = Server(environment(url, directory), directory / f"gunicorn-{backend}.log", workers=args.workers)
    phases = {}
    with Running(server):
        for phase in ("trivial", "mix"):
            progress(f"{backend}: {phase} phase, {args.clients} clients, up to {args.duration:g} s")
            phases[phase] = drive(plan_path, server.url, phase, args, directory / f"{backend}-{phase}.json")
    progress(f"{backend}: checking the log")
    return {
        "backend": backend,
        "seed_seconds": seeded,
        "organisations": args.organisations,
        "trivial": {"seconds": phases["trivial"]["seconds"], "endpoints": endpoints(phases["trivial"])},
        "mix": {"seconds": phases["mix"]["seconds"], "endpoints": endpoints(phases["mix"])},
        "log": check_log(url, plan, phases["mix"]["acknowledged"]),
    }


@contextmanager
def databases(args: argparse.Namespace, directory: Path) -> Iterator[list[tuple[str, str]]]:
    """(backend, URL) for each backend of this run; a PostgreSQL schema is dropped afterwards."""
    chosen = [("sqlite", f"sqlite:///{directory / 'load.db'}")]
    if not args.postgres_url:
        yield chosen
        return
    with throwaway_schema(args.postgres_url) as schema:
        yield [*chosen, ("postgresql", sqlalchemy_url(args.postgres_url, schema))]


def targets(result: dict[str, Any]) -> list[Target]:
    """The issue's targets, judged on one backend's figures."""
    backend = result["backend"]
    sign = result["mix"]["endpoints"].get("sign", {"per_second": 0.0, "p99_ms": float("inf"), "errors": 0})
    trivial = result["trivial"]["endpoints"]["healthz"]
    errors = sum(e["errors"] for phase in ("trivial", "mix") for e in result[phase]["endpoints"].values())
    log = result["log"]
    return [
        Target(f"{backend}: signing ≥ {SIGNING_RATE} requests/s", sign["per_second"], SIGNING_RATE, "requests/s"),
        Target(
            f"{backend}: signing ≥ {SIGNING_RATIO}× the trivial endpoint",
            sign["per_second"] / trivial["per_second"],
            SIGNING_RATIO,
            "×",
        ),
        Target(
            f"{backend}: signing p99 ≤ {SIGNING_P99_MS} ms",
            sign["p99_ms"],
            SIGNING_P99_MS + 1e-9,
            "ms",
            higher_is_better=False,
        ),
        Target(f"{backend}: errors (both phases)", errors, 1, "errors", higher_is_better=False),
        Target(
            f"{backend}: acknowledged signatures not in the log exactly once",
            log["acknowledged_not_once"],
            1,
            "signatures",
            higher_is_better=False,
        ),
        Target(
            f"{backend}: organisations signed twice in the log", log["twice"], 1, "signatures", higher_is_better=False
        ),
        Target(f"{backend}: hash chain verifies", 1.0 if log["chain_ok"] else 0.0, 1, "", higher_is_better=True),
    ]


def format_run(document: dict[str, Any]) -> str:
    m = document["machine"]
    s = document["settings"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, {m['os']}",
        f"Python {m['python']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {document['postgresql']['server_version']}" if document.get("postgresql") else ""),
        f"Settings: {s['clients']} clients, gunicorn {s['workers']} sync workers, phases of up to "
        f"{s['duration']:g} s, {s['organisations']} organisations",
        "",
        f"{'backend':<11} {'phase':<8} {'endpoint':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  statuses",
        "-" * 108,
    ]
    for result in document["results"]:
        for phase in ("trivial", "mix"):
            for name, e in result[phase]["endpoints"].items():
                statuses = ", ".join(f"{status}: {count}" for status, count in sorted(e["statuses"].items()))
                lines.append(
                    f"{result['backend']:<11} {phase:<8} {name:<10} {e['requests']:>9,} "
                    f"{e['per_second']:>8,.0f} {e['p50_ms']:>8.1f} {e['p95_ms']:>8.1f} {e['p99_ms']:>8.1f} "
                    f"{e['errors']:>7}  {statuses}"
                )
        log = result["log"]
        lines.append(
            f"{result['backend']:<11} log: {log['acknowledged']:,} acknowledged, {log['in_log']:,} signatures "
            f"in the log, {log['acknowledged_not_once']} acknowledged but not there exactly once, "
            f"{log['twice']} twice, {log['unacknowledged_in_log']} there but unacknowledged; chain "
            f"{'verifies' if log['chain_ok'] else 'BROKEN'} over {log['events']:,} events "
            f"(seeded in {result['seed_seconds']:.0f} s)"
        )
    lines += ["", "Targets"]
    for target in document["targets"]:
        shown = Target(target["name"], target["value"], target["threshold"], target["unit"], target["higher_is_better"])
        described = (
            shown.describe() if target["unit"] in ("×", "requests/s") else f"{target['value']:,.1f} {target['unit']}"
        )
        lines.append(f"  {target['result']}  {target['name']:<66} {described}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Run every backend, print the table and the targets; exit 0 (a missed target is reported, not an error)."""
    if args.quick:
        args.organisations, args.duration = 200, 2.0
    with tempfile.TemporaryDirectory(dir=args.tmp_dir, prefix="bench-http-") as name:
        directory = Path(name)
        with databases(args, directory) as chosen:
            results = [run_backend(backend, url, directory, args) for backend, url in chosen]
    judged = [target for result in results for target in targets(result)]
    document = {
        "machine": machine(),
        "postgresql": server_info(args.postgres_url) if args.postgres_url else None,
        "settings": {
            "clients": args.clients,
            "workers": args.workers,
            "duration": args.duration,
            "organisations": args.organisations,
        },
        "results": results,
        "targets": [t.to_json() for t in judged],
    }
    print(format_run(document), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(document, indent=2, default=str))
    return 0
