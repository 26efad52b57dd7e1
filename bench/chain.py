"""What chain format 2 (RFC 8785 canonical JSON) costs an append, against format 1, on SQLite.

`python -m bench.chain [--appends N]`: the same store code, a log recorded as format 1 or 2, one event
per append and 100 events per append, with a plain payload (strings and small integers: the usual
case), one holding floats JavaScript writes without an exponent (both written by the C JSON encoder)
and one holding 1e21 and 1e-7 (which go through the `rfc8785` package). Also the canonical encoding
alone, per payload.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields

from bench.ours import open_store
from events import EventStore, NewEvent, Registry
from events.hashing import FORMATS
from events.sql import record_format

PLAIN = {"name": "Președinte 🌍", "amount": 12000, "tags": ["a", "b"]}
FLOATS = {"name": "Președinte 🌍", "amount": 12000, "tags": [12000.0, 0.1]}
EXOTIC = {"name": "Președinte 🌍", "amount": 12000, "tags": [1e21, 1e-7]}  # exponent forms: the rfc8785 package
PAYLOADS = {"plain": PLAIN, "floats": FLOATS, "exotic": EXOTIC}


def registry() -> Registry:
    """The benchmark's event type, its tags any JSON."""
    made = Registry()

    @made.register("BenchEventRecorded")
    class BenchEventRecorded(Schema):
        name = fields.String(required=True)
        amount = fields.Integer(required=True)
        tags = fields.Raw()

    return made


def timed_appends(store: EventStore, payload: dict[str, Any], appends: int, per_append: int) -> float:
    """Microseconds per event over `appends` appends of `per_append` events (after a warm-up of 5)."""
    version = store.stream_version("bench-0")

    def append(count: int) -> None:
        nonlocal version
        for _ in range(count):
            events = [NewEvent("bench-0", "BenchEventRecorded", payload) for _ in range(per_append)]
            version = store.append(events, expected={"bench-0": version}).versions["bench-0"]

    append(5)
    started = time.perf_counter()
    append(appends)
    return (time.perf_counter() - started) / (appends * per_append) * 1e6


def run(number: int, payload: dict[str, Any], appends: int, per_append: int) -> float:
    """Microseconds per event in a new log recorded as chain format `number`."""
    with tempfile.TemporaryDirectory() as tmp:
        engine, store = open_store(f"sqlite:///{Path(tmp) / 'chain.db'}")
        store.registry = registry()
        with store.transaction() as connection:
            record_format(connection, number)
        try:
            return timed_appends(store, payload, appends, per_append)
        finally:
            engine.dispose()


def encoding(number: int, payload: dict[str, Any]) -> float:
    """Microseconds to write `payload` in chain format `number` (best of 5 runs of 20,000)."""
    canonical = FORMATS[number].canonical
    return min(timeit.repeat(lambda: canonical(payload), number=20000, repeat=5)) / 20000 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chain", description=__doc__)
    parser.add_argument("--appends", type=int, default=1000, help="single-event appends per run (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, the best kept (default 3)")
    args = parser.parse_args()
    print("SQLite, synchronous=FULL; the best of", args.repeat, "runs, formats alternating")
    print(f"{'payload':<8} {'events/append':>13} {'format 1 µs/event':>18} {'format 2 µs/event':>18}")
    for name, payload in PAYLOADS.items():
        for per_append, appends in ((1, args.appends), (100, max(args.appends // 10, 1))):
            best = {1: float("inf"), 2: float("inf")}
            for _ in range(args.repeat):
                for number in (1, 2):
                    best[number] = min(best[number], run(number, payload, appends, per_append))
            print(f"{name:<8} {per_append:>13} {best[1]:>18.1f} {best[2]:>18.1f}")
    for name, payload in PAYLOADS.items():
        one, two = encoding(1, payload), encoding(2, payload)
        print(f"canonical JSON, {name} payload: format 1 {one:.1f} µs, format 2 {two:.1f} µs")


if __name__ == "__main__":
    main()
