"""The Merkle tree and signed checkpoints on a large log (issue 15): proofs, incremental checkpoints, memory.

`python -m bench merkle [--events 1000000] [--more 10000] [--url URL]`: fills an empty SQLite database (or the
PostgreSQL database at URL) with synthetic events inserted directly (random 32-byte hashes: the tree reads only
`position` and `hash`), builds the tree once (timed), then times inclusion proofs (with the tree head they are
checked against) at random positions, and a checkpoint issued after `--more` further events (the tree extended
incrementally, signed, stored); memory is the process's peak RSS and tracemalloc's peak during that checkpoint.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.ours import open_store
from coalition.transparency import checkpoints
from events import EventStore, merkle, tree

CHUNK = 50_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the log (default 1,000,000)")
    parser.add_argument("--more", type=int, default=10_000, help="events appended before the timed checkpoint")
    parser.add_argument("--proofs", type=int, default=300, help="inclusion proofs timed (default 300)")
    parser.add_argument("--url", default=None, help="a database URL (default: a new SQLite file)")


def insert(store: EventStore, first: int, count: int) -> None:
    """Synthetic events `first`..`first + count - 1`, straight into the table (no chain: not verified here)."""
    sql = (
        "INSERT INTO events (position, stream_id, version, type, schema_version, payload, metadata, recorded_at, hash)"
        " VALUES ({})".format(", ".join(["?" if store.engine.dialect.name == "sqlite" else "%s"] * 9))
    )
    for start in range(first, first + count, CHUNK):
        rows = [
            (
                p,
                f"bench-{p}",
                1,
                "BenchEventRecorded",
                1,
                "{}",
                "{}",
                "2026-12-03T00:00:00.000000Z",
                os.urandom(32).hex(),
            )
            for p in range(start, min(first + count, start + CHUNK))
        ]
        with store.engine.begin() as connection:
            connection.exec_driver_sql(sql, rows)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'merkle.db'}"
        engine, store = open_store(url, synchronous="NORMAL")
        n, more = args.events, args.more
        started = time.perf_counter()
        insert(store, 1, n)
        print(f"inserted {n:,} synthetic events in {time.perf_counter() - started:.1f} s ({engine.dialect.name})")
        started, steps, size = time.perf_counter(), [], 0
        while size < n:  # as the notification loop builds it: at most STEP leaves per turn
            begun = time.perf_counter()
            size = tree.extend(store, limit=checkpoints.STEP)
            steps.append((time.perf_counter() - begun) * 1000)
        print(
            f"built the tree of {n:,} leaves in {time.perf_counter() - started:.1f} s, in {len(steps)} steps of at "
            f"most {checkpoints.STEP:,} leaves (the loop's turns): median step {statistics.median(steps):.0f} ms, "
            f"longest {max(steps):.0f} ms; peak RSS {rss_mb():.0f} MB"
        )
        signer = checkpoints.Signer("bench.example/log", Ed25519PrivateKey.generate())
        checkpoints.issue(store, signer, datetime.now(UTC))
        times = []
        for position in random.Random(15).sample(range(1, n + 1), args.proofs):
            begun = time.perf_counter()
            with engine.connect() as connection:
                path = tree.inclusion(connection, position - 1, n)
                head = tree.root(connection, n)
                leaf = tree.fetch(connection, [(0, position - 1)])[(0, position - 1)]
            times.append((time.perf_counter() - begun) * 1000)
            assert merkle.verify_inclusion(position - 1, n, leaf, path, head)
        times.sort()
        print(
            f"inclusion proof + tree head at size {n:,}: median {statistics.median(times):.2f} ms, "
            f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms, max {times[-1]:.2f} ms (target <= 50 ms)"
        )
        insert(store, n + 1, more)
        tracemalloc.start()
        begun = time.perf_counter()
        issued, new = checkpoints.issue(store, signer, datetime.now(UTC))
        took = time.perf_counter() - begun
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        assert new and issued.size == n + more
        print(
            f"checkpoint after {more:,} more events (tree extended, signed, stored): {took * 1000:.0f} ms "
            f"(target <= 1 s); Python memory peak {peak:.1f} MB; process peak RSS {rss_mb():.0f} MB"
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.merkle", description=__doc__)
    add_arguments(parser)
    raise SystemExit(main(parser.parse_args()))
