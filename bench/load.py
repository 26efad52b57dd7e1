"""The load driver: concurrent HTTP clients against a running server, in their own process.

`python -m bench.load PLAN BASE_URL --phase trivial|mix --duration S --out RESULT.json`

- `trivial`: every client asks GET /healthz in a loop (the framework's own ceiling on this server).
- `mix`: most clients sign the plan's statement, each for its own organisations with that
  organisation's token, one signature after another, as fast as the server answers. The others
  read the standing, the statement and the audit history (as the facilitator), pausing half a second
  on each answer as a person would.

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
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

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

    def record(self, endpoint: str, status: str, latency: float) -> None:
        self.latencies[endpoint].append(latency)
        self.statuses[endpoint][status] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "latencies": self.latencies,
            "statuses": {name: dict(counts) for name, counts in self.statuses.items()},
            "acknowledged": self.acknowledged,
            "failed_attempts": self.failed_attempts,
        }


async def _request(
    session: aiohttp.ClientSession, tally: Tally, endpoint: str, method: str, url: str, **kwargs: Any
) -> int | None:
    """One request; its latency and status go into the tally. None: no answer (connection failed)."""
    started = time.perf_counter()
    try:
        async with session.request(method, url, **kwargs) as response:
            await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as error:
        tally.record(endpoint, type(error).__name__, time.perf_counter() - started)
        return None
    tally.record(endpoint, str(status), time.perf_counter() - started)
    return status


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
            coalition = f"{base}/api/v1/coalitions/{plan.coalition_id}"
            member = plan.signers[0][1]
            urls = {
                "standing": (f"{coalition}/standing", member),
                "statement": (f"{base}{plan.statement_path}", member),
                "audit": (f"{coalition}/events?limit=50", plan.facilitator_token),
            }
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
    parser.add_argument("--phase", choices=("trivial", "mix"), default="mix")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--retry-failed", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    tally = asyncio.run(
        run(args.base.rstrip("/"), Plan.load(args.plan), args.phase, args.duration, args.clients, args.retry_failed)
    )
    args.out.write_text(json.dumps(tally.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
