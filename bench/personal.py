"""What sealing personal fields (crypto-shredding, events/personal.py) costs an append and a read.

`python -m bench.personal [--appends N]`, on SQLite: the same store code appending a
signature-shaped event (a signer's name and title, personal to `user_id`) one per append, with the
fields declared personal (sealed with AES-256-GCM under the person's key, read back through the
keyring) and without (stored in clear); then reading the stream back. Also sealing and opening one
value alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import timeit
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from marshmallow import Schema, fields

from bench.ours import open_store
from events import EventStore, NewEvent, Registry
from events.envelope import associated_data, open_value, seal_value

SIGNED = {
    "statement_id": "s" * 32,
    "organisation_id": "o" * 32,
    "signer_name": "Ioana Popescu",
    "version_hash": "f" * 64,
}


def registry(personal: bool) -> Registry:
    """The benchmark's signature-shaped event type, its name and title personal or not."""
    made = Registry()

    @made.register("BenchSigned")
    class BenchSigned(Schema):
        statement_id = fields.String(required=True)
        organisation_id = fields.String(required=True)
        user_id = fields.String(required=True)
        signer_name = fields.String(required=True)
        signer_title = fields.String(required=True)
        version_hash = fields.String(required=True)

    if personal:
        made.personal.declare("BenchSigned", "user_id", names=("signer_name",), texts=("signer_title",))
    return made


def timed(store: EventStore, appends: int, people: int) -> tuple[float, float]:
    """Microseconds per append (one event each, `people` different signers in turn) and per event read back."""
    version = 0

    def append(first: int, count: int) -> None:
        nonlocal version
        for n in range(first, first + count):
            payload = {**SIGNED, "user_id": f"user-{n % people}", "signer_title": f"Director {n}"}
            version = store.append(
                [NewEvent("bench-0", "BenchSigned", payload)], expected={"bench-0": version}
            ).versions["bench-0"]

    append(0, 5)
    started = time.perf_counter()
    append(5, appends)
    appending = (time.perf_counter() - started) / appends * 1e6
    started = time.perf_counter()
    events = store.read_stream("bench-0")
    reading = (time.perf_counter() - started) / len(events) * 1e6
    return appending, reading


def run(url: str | None, personal: bool, appends: int, people: int) -> tuple[float, float]:
    """One run on a new database (SQLite in a temporary directory unless `url`)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine, store = open_store(url or f"sqlite:///{Path(tmp) / 'personal.db'}")
        store.registry = registry(personal)
        try:
            return timed(store, appends, people)
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.personal", description=__doc__)
    parser.add_argument("--appends", type=int, default=1000, help="single-event appends per run (default 1000)")
    parser.add_argument("--people", type=int, default=100, help="different signers, in turn (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, the best kept (default 3)")
    args = parser.parse_args()
    key, aad = AESGCM.generate_key(bit_length=256), associated_data("statement-1", "BenchSigned", "signer_name", "u")
    sealed = seal_value(key, "u", "Ioana Popescu", aad)
    seal_us = min(timeit.repeat(lambda: seal_value(key, "u", "Ioana Popescu", aad), number=20000, repeat=5)) / 0.02
    open_us = min(timeit.repeat(lambda: open_value(key, sealed, aad), number=20000, repeat=5)) / 0.02
    print(f"one value: seal {seal_us:.1f} µs, open {open_us:.1f} µs")
    print(f"{'backend':<10} {'fields':<8} {'µs/append':>10} {'µs/event read':>14}")
    for backend, url in (("sqlite", None),):
        best = {False: (float("inf"),) * 2, True: (float("inf"),) * 2}
        for _ in range(args.repeat):
            for personal in (False, True):
                figures = run(url, personal, args.appends, args.people)
                best[personal] = (min(best[personal][0], figures[0]), min(best[personal][1], figures[1]))
        for personal in (False, True):
            label = "sealed" if personal else "clear"
            print(f"{backend:<10} {label:<8} {best[personal][0]:>10.1f} {best[personal][1]:>14.1f}")


if __name__ == "__main__":
    main()
