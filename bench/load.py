"""The load driver: concurrent HTTP clients against a running server, in their own process.

`python -m bench.load PLAN BASE_URL --phase trivial|mix|open --duration S --out RESULT.json`

- `trivial`: every client asks GET /healthz in a loop (the framework's own ceiling on this server).
- `mix`: most clients sign the plan's statement, each for its own organisations with that
  organisation's token, one signature after another, as fast as the server answers. The others
  read the standing, the statement and the audit history (as the facilitator), pausing half a second
  on each answer as a person would.
- `open`: an open loop (bench/openloop.py): `--rate` signatures and `--read-rate` reads per second sent
  on a fixed schedule whatever the server does, each organisation signing once, latencies measured
  from each request's scheduled send time.

Each signature carries an `Idempotency-Key` made from the organisation. With `--retry-failed`, a
signing client whose request failed (connection refused, reset, a 5xx) sends the same request again
until it gets an answer, as a real client retrying would; the crash tests use this. The result file
lists, per endpoint, the latencies and statuses seen, and every organisation whose signature was
acknowledged with a 2xx.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import openloop
from bench.loadworld import Plan

READERS = {"standing": 3, "statement": 3, "audit": 2}  # of the 64 clients, by default
READ_PAUSE = 0.5  # seconds a reader spends on what it read before reading again


@dataclass
class Tally:
    """What one phase saw: latencies (s) and statuses per endpoint, and the acknowledged signatures."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    acknowledged: list[str] = field(default_factory=list)
    failed_attempts: int = 0
    seconds: float = 0.0
    send_lags: list[float] = field(default_factory=list)  # open loop: how late each request left (s)
    worst: dict[int, float] = field(default_factory=dict)  # open loop: per scheduled second, the longest latency (s)

    def record(self, endpoint: str, status: str, latency: float, at: float | None = None) -> None:
        self.latencies[endpoint].append(latency)
        self.statuses[endpoint][status] += 1
        if at is not None:  # when in the run the slow answers were due: a stall, a cold start, a steady queue
            second = int(at)
            self.worst[second] = max(self.worst.get(second, 0.0), latency)

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "latencies": self.latencies,
            "statuses": {name: dict(counts) for name, counts in self.statuses.items()},
            "acknowledged": self.acknowledged,
            "failed_attempts": self.failed_attempts,
            "send_lags": self.send_lags,
            "worst_by_second": [self.worst.get(second, 0.0) for second in range(max(self.worst, default=-1) + 1)],
        }


async def _status(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> str:
    """One request's status ("201"), or the name of the error that left it unanswered."""
    try:
        async with session.request(method, url, **kwargs) as response:
            await response.read()
            return str(response.status)
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as error:
        return type(error).__name__


async def _request(
    session: aiohttp.ClientSession, tally: Tally, endpoint: str, method: str, url: str, **kwargs: Any
) -> int | None:
    """One request; its latency and status go into the tally. None: no answer (connection failed)."""
    started = time.perf_counter()
    status = await _status(session, method, url, **kwargs)
    tally.record(endpoint, status, time.perf_counter() - started)
    return int(status) if status.isdigit() else None


async def _signer(
    session: aiohttp.ClientSession,
    base: str,
    plan: Plan,
    mine: Sequence[tuple[str, str]],
    tally: Tally,
    stop_at: float,
    retry_failed: bool,
) -> None:
    url = f"{base}{plan.statement_path}/signatures"
    for organisation_id, token in mine:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"}
        body = {"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash}
        while True:
            if time.monotonic() >= stop_at:
                return
            status = await _request(session, tally, "sign", "POST", url, json=body, headers=headers)
            if status is not None and 200 <= status < 300:
                tally.acknowledged.append(organisation_id)
                break
            if not retry_failed or (status is not None and status < 500):
                break
            tally.failed_attempts += 1
            await asyncio.sleep(0.05)


async def _reader(
    session: aiohttp.ClientSession, endpoint: str, url: str, token: str, tally: Tally, stop_at: float
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < stop_at:
        await _request(session, tally, endpoint, "GET", url, headers=headers)
        await asyncio.sleep(READ_PAUSE)


async def _healthz(session: aiohttp.ClientSession, url: str, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        await _request(session, tally, "healthz", "GET", url)


def _urls(base: str, plan: Plan) -> dict[str, tuple[str, str]]:
    """The readers' endpoints: (URL, token) each."""
    coalition = f"{base}/api/v1/coalitions/{plan.coalition_id}"
    member = plan.signers[0][1]
    return {
        "standing": (f"{coalition}/standing", member),
        "statement": (f"{base}{plan.statement_path}", member),
        "audit": (f"{coalition}/events?limit=50", plan.facilitator_token),
    }


async def run_open(base: str, plan: Plan, rate: float, read_rate: float, duration: float) -> Tally:
    """The open loop: every request leaves at its scheduled time; each organisation signs once, no retries."""
    sends = openloop.schedule(rate, read_rate, duration)
    wanted = sum(1 for send in sends if send.endpoint == "sign")
    if wanted > len(plan.signers):
        raise SystemExit(f"{wanted} signatures scheduled but the world has {len(plan.signers)} organisations")
    tally, urls, sign_url = Tally(), _urls(base, plan), f"{base}{plan.statement_path}/signatures"

    async def send(session: aiohttp.ClientSession, scheduled: openloop.Send) -> str:
        if scheduled.endpoint != "sign":
            url, token = urls[scheduled.endpoint]
            return await _status(session, "GET", url, headers={"Authorization": f"Bearer {token}"})
        organisation_id, token = plan.signers[scheduled.n]
        body = {"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"}
        status = await _status(session, "POST", sign_url, json=body, headers=headers)
        if status.startswith("2"):
            tally.acknowledged.append(organisation_id)
        return status

    connector = aiohttp.TCPConnector(limit=0)  # no pool cap: a queue would hide in the client, not the server
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), connector=connector) as session:
        started = time.perf_counter()
        tally.send_lags = await openloop.run(sends, lambda scheduled: send(session, scheduled), tally.record)
        tally.seconds = time.perf_counter() - started
    return tally


async def run(base: str, plan: Plan, phase: str, duration: float, clients: int, retry_failed: bool) -> Tally:
    """Drive `clients` concurrent clients for `duration` seconds; a mix ends early once every organisation signed."""
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), connector=connector) as session:
        stop_at = time.monotonic() + duration
        if phase == "trivial":
            working = [_healthz(session, f"{base}/healthz", tally, stop_at) for _ in range(clients)]
            reading = []
        else:
            readers = READERS if clients >= 2 * sum(READERS.values()) else {}
            signing = clients - sum(readers.values())
            working = [
                _signer(session, base, plan, plan.signers[n::signing], tally, stop_at, retry_failed)
                for n in range(signing)
            ]
            urls = _urls(base, plan)
            reading = [
                _reader(session, endpoint, *urls[endpoint], tally, stop_at)
                for endpoint, count in readers.items()
                for _ in range(count)
            ]
        started = time.perf_counter()
        readers_running = [asyncio.ensure_future(reader) for reader in reading]
        await asyncio.gather(*working)
        tally.seconds = time.perf_counter() - started
        for reader in readers_running:  # the readers read for as long as someone still signs
            reader.cancel()
        await asyncio.gather(*readers_running, return_exceptions=True)
    return tally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("base")
    parser.add_argument("--phase", choices=("trivial", "mix", "open"), default="mix")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--retry-failed", action="store_true")
    parser.add_argument("--rate", type=float, default=100.0, help="open loop: signatures per second")
    parser.add_argument("--read-rate", type=float, default=20.0, help="open loop: reads per second")
    parser.add_argument("--cpus", help="run on these CPUs only (comma-separated), apart from the server")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.cpus:
        os.sched_setaffinity(0, {int(cpu) for cpu in args.cpus.split(",")})
    base, plan = args.base.rstrip("/"), Plan.load(args.plan)
    if args.phase == "open":
        tally = asyncio.run(run_open(base, plan, args.rate, args.read_rate, args.duration))
    else:
        tally = asyncio.run(run(base, plan, args.phase, args.duration, args.clients, args.retry_failed))
    args.out.write_text(json.dumps(tally.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
