"""Measure the notifications: a statement opened to 2,000 member organisations is queued for every
mandate holder within 2 s; the outbox is delivered to a local SMTP sink (aiosmtpd, its own process) at
≥ 150 messages/s over one reused connection; and signing with `flask notify run` following the log in
another process stays within 10% of signing without it (median latency, alternating rounds, one run)."""

from __future__ import annotations

import argparse
import json
import logging
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.loadworld import Plan, seed
from bench.report import Target, machine
from bench.server import ROOT, Child, Running, environment

QUICK = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench notify`."""
    parser.add_argument("--organisations", type=int, default=2000, metavar="N", help="members (default 2,000)")
    parser.add_argument("--signatures", type=int, default=800, metavar="N", help="timed signatures (default 800)")
    parser.add_argument("--tmp-dir", metavar="DIR", help="where to put the database (default: temp)")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: {QUICK} organisations, 60 signatures")
    parser.add_argument("--json", action="store_true", help="print a JSON document on stdout (the table on stderr)")


def progress(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sink(port: int) -> subprocess.Popen[bytes]:
    """An aiosmtpd server that accepts and discards every message, in its own process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the SMTP sink did not start")


def enqueue(app: Any, opened_at: int) -> tuple[float, int]:
    """Seconds for the reactor to queue every message of the StatementOpened event, and how many it queued."""
    from coalition.notify.tables import outbox
    from coalition.notify.worker import Notifier

    services = app.extensions["coalition"]
    with services.store.transaction(lock=False) as connection:
        connection.execute(
            text("UPDATE projection_checkpoints SET position = :p WHERE name = 'notify'"), {"p": opened_at - 1}
        )
    notifier = Notifier(app)
    with app.app_context():
        started = time.perf_counter()
        notifier.reactor.follow(datetime.now(UTC))
        seconds = time.perf_counter() - started
    with services.engine.connect() as connection:
        queued = connection.execute(select(func.count()).select_from(outbox)).scalar_one()
    return seconds, int(queued)


def deliver(app: Any, port: int) -> tuple[float, int]:
    """Seconds to deliver the whole outbox to the sink, and how many messages went."""
    from coalition.notify.delivery import deliver_due
    from coalition.notify.transport import transport

    services = app.extensions["coalition"]
    started = time.perf_counter()
    sent = deliver_due(services.store, app.config, transport(f"smtp://127.0.0.1:{port}"), lambda: datetime.now(UTC))
    return time.perf_counter() - started, sent


def sign_round(app: Any, plan: Plan, signers: list[tuple[str, str]]) -> list[float]:
    """Each signature's latency through the API (seconds)."""
    client = app.test_client()
    path = f"/api/v1{plan.statement_path.removeprefix('/api/v1')}/signatures"
    latencies = []
    for organisation_id, token in signers:
        body = {"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash}
        started = time.perf_counter()
        answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 201:
            raise RuntimeError(f"signing failed: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    return latencies


def main(args: argparse.Namespace) -> int:
    """Run the three measurements and print the targets."""
    from coalition import create_app

    organisations = QUICK if args.quick else args.organisations
    signatures = 60 if args.quick else args.signatures
    with tempfile.TemporaryDirectory(dir=args.tmp_dir) as folder:
        directory = Path(folder)
        url = f"sqlite:///{directory / 'bench.db'}"
        progress(f"seeding a coalition of {organisations} members with an open statement")
        plan = seed(url, organisations, directory)
        settings = {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "SEAL_DIRECTORY": str(directory),
        }
        app = create_app(settings)
        logging.getLogger("coalition.requests").disabled = True  # a line per request would drown the table
        services = app.extensions["coalition"]
        with services.engine.connect() as connection:
            opened_at = connection.execute(
                text("SELECT MAX(position) FROM events WHERE type = 'StatementOpened'")
            ).scalar_one()
        progress("queuing the opened statement's messages")
        enqueue_seconds, queued = enqueue(app, opened_at)
        port = free_port()
        smtp = sink(port)
        try:
            progress(f"delivering {queued} messages to the SMTP sink")
            deliver_seconds, sent = deliver(app, port)
        finally:
            smtp.kill()
            smtp.wait()
        rate = sent / deliver_seconds if deliver_seconds else 0.0
        # latency: alternate rounds without and with `flask notify run` following the log in another process
        rounds = 8
        per_round = signatures // rounds // 2
        remaining = list(plan.signers)
        off: list[float] = []
        on: list[float] = []
        env = environment(url, directory, MAIL_URL=f"file://{directory / 'outbox'}")
        argv = [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "run", "--idle-wait", "1"]
        for n in range(rounds):
            progress(f"signing round {n + 1} of {rounds}: {per_round} with the loop and {per_round} without")
            # the order alternates, so that the slow drift of a growing log weighs on both sides alike
            if n % 2 == 0:
                without = sign_round(app, plan, [remaining.pop() for _ in range(per_round)])
            loop = Child("notify", argv, env, directory / "notify.log")
            with Running(loop):
                time.sleep(3.0)  # let it start (imports) and catch up
                with_loop = sign_round(app, plan, [remaining.pop() for _ in range(per_round)])
            if n % 2 == 1:
                time.sleep(1.0)  # let the stopped loop's process go
                without = sign_round(app, plan, [remaining.pop() for _ in range(per_round)])
            progress(
                f"  median {statistics.median(without) * 1000:.1f} ms without, "
                f"{statistics.median(with_loop) * 1000:.1f} ms with the loop"
            )
            off += without
            on += with_loop
        services.engine.dispose()
    off_median, on_median = statistics.median(off), statistics.median(on)
    targets = [
        Target("opened statement queued", enqueue_seconds * 1000, 2000, "ms", higher_is_better=False),
        Target("delivery to a local SMTP sink", rate, 150, "messages/s"),
        Target("signing latency with the loop / without", on_median / off_median, 1.10, "×", higher_is_better=False),
    ]
    document = {
        "benchmark": "notify",
        "machine": machine(),
        "organisations": organisations,
        "queued": queued,
        "enqueue_seconds": round(enqueue_seconds, 3),
        "sent": sent,
        "deliver_seconds": round(deliver_seconds, 3),
        "signing_median_ms": {"without": round(off_median * 1000, 2), "with": round(on_median * 1000, 2)},
        "targets": [t.to_json() for t in targets],
        "command": " ".join(["python -m bench notify", *sys.argv[2:]]),
        "root": str(ROOT),
    }
    for target in targets:
        print(f"{'PASS' if target.passed else 'MISS'}  {target.name}: {target.describe()}", file=sys.stderr)
    print(
        f"queued {queued} in {enqueue_seconds:.2f} s; sent {sent} in {deliver_seconds:.2f} s; "
        f"signing median {off_median * 1000:.1f} ms without, {on_median * 1000:.1f} ms with the loop",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(document, indent=2))
    return 0  # the targets are reported (PASS or MISS), as the other benchmarks do
