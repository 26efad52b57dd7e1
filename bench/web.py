"""HTTP load: gunicorn on loopback, most of 64 clients signing one statement, the rest reading.

For each backend (SQLite, and PostgreSQL with --postgres-url) the run seeds a world: one
coalition, one open statement, N member organisations, each with its own person and API token.
It serves the world with gunicorn as `make serve` does and measures two phases, each driven by
`python -m bench.load` in a separate process:

1. `trivial`: every client asks GET /healthz. This is the same app under the same server,
   touching no database: the framework's own ceiling on this machine.
2. `mix`: the signers sign, each for its own organisations in turn. The readers read the
   standing, the statement and the audit history, pausing half a second between reads.
   With `--rate R`, an open loop instead (`open`): R signatures and `--read-rate` reads per second
   sent on a fixed schedule, latency measured from each request's scheduled send time
   (bench/openloop.py), judged against p99 ≤ 100 ms with no errors.

With `--projections worker` the app runs as the README's PostgreSQL deployment does: `COALITION_PROJECTIONS=worker`,
the read models kept by one `flask projections run` beside gunicorn (on the same CPUs), so an append's transaction
holds only the event and its request's rows; after the phase the run waits for the worker to catch up and
reports how long that took.

The load generator runs on a CPU of its own, the server on the others, when the machine has at least
four (`--pin auto`); on fewer, pinning apart would take half the server's CPUs away, so they share, and
the output says so.

Afterwards, with the server stopped, every acknowledged signature must be in the log exactly
once, and the hash chain must verify. The figures and the targets are printed; the exit status
is 0 whether the targets pass or not.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.loadworld import Plan, seed
from bench.postgres import server_info, sqlalchemy_url, throwaway_schema
from bench.report import machine
from bench.server import ProjectionWorker, Running, Server, environment
from bench.webjudge import format_run, targets
from events import EventStore, create_engine
from events.schema import events as events_table

PIN_FROM_CPUS = 4


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
    parser.add_argument(
        "--rate", type=float, help="open loop: signatures per second on a fixed schedule (replaces the mix phase)"
    )
    parser.add_argument("--read-rate", type=float, default=20.0, help="open loop: reads per second (default 20)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (more than 1: gthread workers with COALITION_GROUP_COMMIT=true)",
    )
    parser.add_argument(
        "--projections",
        choices=("inline", "worker"),
        default="inline",
        help="read models in each append's transaction (inline, the default) or by a projection worker",
    )
    parser.add_argument(
        "--pin",
        choices=("auto", "on", "off"),
        default="auto",
        help=f"the load generator on a CPU of its own (auto: with ≥ {PIN_FROM_CPUS} CPUs)",
    )


def pinning(choice: str) -> tuple[set[int], set[int], str]:
    """(server CPUs, generator CPUs, what was decided and why); empty sets: no pinning."""
    cpus = sorted(os.sched_getaffinity(0))
    if choice == "off" or len(cpus) < 2 or (choice == "auto" and len(cpus) < PIN_FROM_CPUS):
        why = "off" if choice == "off" else f"{len(cpus)} CPUs: pinning apart would take the server's CPUs away"
        return set(), set(), f"not pinned ({why}); the load generator shares the CPUs with the server"
    return set(cpus[:-1]), {cpus[-1]}, f"server on CPUs {cpus[:-1]}, load generator on CPU {cpus[-1]}"


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
            "p999_ms": percentile(latencies, 0.999) * 1000,
            "statuses": statuses,
            "errors": errors,
        }
    return summary


def drive(
    plan_path: Path, base: str, phase: str, args: argparse.Namespace, out: Path, cpus: set[int]
) -> dict[str, Any]:
    """Run the load driver in its own process (on `cpus` if any) and read what it saw."""
    extra = ["--rate", str(args.rate), "--read-rate", str(args.read_rate)] if phase == "open" else []
    if cpus:
        extra += ["--cpus", ",".join(map(str, sorted(cpus)))]
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
            *extra,
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
    worker = args.projections == "worker"
    threaded = args.threads > 1
    env = environment(
        url, directory, **({"PROJECTIONS": "worker"} if worker else {}), **({"GROUP_COMMIT": True} if threaded else {})
    )
    server = Server(
        env,
        directory / f"gunicorn-{backend}.log",
        workers=args.workers,
        worker_class="gthread" if threaded else "sync",
        threads=args.threads,
    )
    children = [server, ProjectionWorker(env, directory / f"projections-{backend}.log", idle_wait=0.2)]
    server_cpus, generator_cpus, _ = pinning(args.pin)
    everywhere = os.sched_getaffinity(0)
    phases = {}
    if server_cpus:
        os.sched_setaffinity(0, server_cpus)  # gunicorn and its workers inherit it
    try:
        with Running(*children[: 2 if worker else 1]):
            os.sched_setaffinity(0, everywhere)
            for phase in ("trivial", signing_phase(args)):
                progress(f"{backend}: {phase} phase, up to {args.duration:g} s")
                out = directory / f"{backend}-{phase}.json"
                phases[phase] = drive(plan_path, server.url, phase, args, out, generator_cpus)
            caught_up = caught_up_after(url) if worker else None
    finally:
        os.sched_setaffinity(0, everywhere)
    progress(f"{backend}: checking the log")
    signing = signing_phase(args)
    lags = phases[signing].get("send_lags") or []
    return {
        "backend": backend,
        "seed_seconds": seeded,
        "organisations": args.organisations,
        "trivial": {"seconds": phases["trivial"]["seconds"], "endpoints": endpoints(phases["trivial"])},
        signing: {
            "seconds": phases[signing]["seconds"],
            "endpoints": endpoints(phases[signing]),
            "send_lag_p99_ms": percentile(lags, 0.99) * 1000 if lags else None,
            "worst_ms_by_second": [latency * 1000 for latency in phases[signing].get("worst_by_second") or []],
        },
        "log": check_log(url, plan, phases[signing]["acknowledged"]),
        "redecisions": redecisions(server.log),
        "projections_caught_up_s": caught_up,
    }


def redecisions(log: Path) -> dict[str, int]:
    """From the server's request log (one JSON line a request): the signatures recorded (201) and how many times
    their commands decided again after a conflict (`"redecided"`, coalition.web.hardening)."""
    signed = again = 0
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue  # gunicorn's own lines
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("method") == "POST" and str(record.get("path", "")).endswith("/signatures"):
            if record.get("status") == 201:
                signed += 1
                again += int(record.get("redecided", 0))
    return {"signatures": signed, "redecided": again}


def caught_up_after(url: str, timeout: float = 300.0) -> float:
    """Seconds until every projection's checkpoint reached the head of the log (the worker's lag at the end)."""
    from projections import checkpoints, default_projections

    names = [projection.name for projection in default_projections()]  # not the notifier's or the webhooks'
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as connection:
                head = connection.scalar(select(func.max(events_table.c.position))) or 0
                behind = connection.scalar(
                    select(func.min(checkpoints.c.position)).where(checkpoints.c.name.in_(names))
                )
            if behind is not None and behind >= head:
                return time.perf_counter() - started
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise RuntimeError(f"the projection worker did not catch up within {timeout:g} s")


def signing_phase(args: argparse.Namespace) -> str:
    """`open` with a rate, else the closed-loop `mix`."""
    return "open" if args.rate else "mix"


@contextmanager
def databases(args: argparse.Namespace, directory: Path) -> Iterator[list[tuple[str, str]]]:
    """(backend, URL) for each backend of this run; a PostgreSQL schema is dropped afterwards."""
    chosen = [("sqlite", f"sqlite:///{directory / 'load.db'}")]
    if not args.postgres_url:
        yield chosen
        return
    with throwaway_schema(args.postgres_url) as schema:
        yield [*chosen, ("postgresql", sqlalchemy_url(args.postgres_url, schema))]


def main(args: argparse.Namespace) -> int:
    """Run every backend, print the table and the targets; exit 0 (a missed target is reported, not an error)."""
    if args.quick:
        args.organisations, args.duration = 200, 2.0
    if args.rate:  # each scheduled signature needs an organisation that has not signed yet
        args.organisations = max(args.organisations, math.ceil(args.rate * args.duration))
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
            "threads": args.threads,
            "duration": args.duration,
            "organisations": args.organisations,
            "rate": args.rate,
            "read_rate": args.read_rate if args.rate else None,
            "pinning": pinning(args.pin)[2],
            "projections": args.projections,
        },
        "results": results,
        "targets": [t.to_json() for t in judged],
    }
    print(format_run(document), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(document, indent=2, default=str))
    return 0
