"""Single-event appends, ours against eventsourcing 9.5 (and raw), interleaved in short blocks.

    python -m bench.versus --blocks 12 --per-block 200 \\
        --postgres-url postgresql+psycopg://root@127.0.0.1:5432/test

`python -m bench store` times each contender in one stretch, one after the other; on a machine
shared with other jobs the disk and the CPUs change speed from one stretch to the next, and the
ratio moves with them. Here the same three contenders as there (raw driver one row per commit, our
`EventStore.append` with the expected version, eventsourcing's `Application.save`; the same
databases, settings and warm-up) take turns in blocks of `--per-block` appends, `--blocks` times,
so each pair of blocks meets nearly the same machine. Reported per backend: each contender's
median events/s over its blocks and the median of the per-round ratios ours ÷ eventsourcing,
and the CPU time this process spent per append (on SQLite that includes SQLite's own work; on
PostgreSQL the client's only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from bench import postgres
from bench.library import LibrarySaves, postgres_env, sqlite_env
from bench.ours import OurAppends, open_store
from bench.raw import RawPostgres, RawSqlite


def block(step: Callable[[], None], count: int) -> tuple[float, float]:
    """Events per second over `count` steps, and this process's CPU time per step in µs."""
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        step()
    return count / (time.perf_counter() - began), (time.process_time() - cpu) / count * 1e6


Rates = dict[str, list[tuple[float, float]]]


def race(contenders: dict[str, Callable[[], None]], blocks: int, per_block: int) -> Rates:
    """Warm each up, then run a block of each in turn, `blocks` times (the order rotating each round)."""
    for step in contenders.values():
        for _ in range(50):
            step()
    rates: Rates = {name: [] for name in contenders}
    names = list(contenders)
    for turn in range(blocks):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            rates[name].append(block(contenders[name], per_block))
    return rates


def report(backend: str, rates: Rates) -> None:
    """Print the medians (events/s, client CPU µs per append) and the per-round ratio ours ÷ eventsourcing."""
    ratios = [o[0] / e[0] for o, e in zip(rates["ours"], rates["eventsourcing"], strict=True)]
    speed = {name: statistics.median(r for r, _ in values) for name, values in rates.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in rates.items()}
    print(
        f"{backend:<10} events/s: raw {speed['raw']:,.0f}, ours {speed['ours']:,.0f}, "
        f"eventsourcing {speed['eventsourcing']:,.0f}; ours/es median of rounds {statistics.median(ratios):.2f}× "
        f"(rounds {min(ratios):.2f}–{max(ratios):.2f}×)\n{'':<10} CPU µs/append in this process: "
        f"raw {cpu['raw']:.0f}, ours {cpu['ours']:.0f}, eventsourcing {cpu['eventsourcing']:.0f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Race the contenders on SQLite, then on PostgreSQL if given a URL."""
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__)
    parser.add_argument("--blocks", type=int, default=12, metavar="N")
    parser.add_argument("--per-block", type=int, default=200, metavar="N")
    parser.add_argument("--streams", type=int, default=100, metavar="N")
    parser.add_argument("--postgres-url", metavar="URL")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-versus-") as name, ExitStack() as stack:
        tmp = Path(name)
        _engine, store = open_store(f"sqlite:///{tmp / 'ours.sqlite'}", "FULL")
        library = LibrarySaves(sqlite_env(str(tmp / "eventsourcing.db")), args.streams)
        stack.callback(library.close)
        raw = RawSqlite(str(tmp / "raw.sqlite"), "FULL", 1, args.streams)
        ours = OurAppends(store, 1, args.streams)
        contenders = {"raw": raw.step, "ours": ours.step, "eventsourcing": library.step}
        report("sqlite", race(contenders, args.blocks, args.per_block))
        if args.postgres_url:
            url = args.postgres_url
            schemas = [stack.enter_context(postgres.throwaway_schema(url)) for _ in range(3)]
            raw_pg = RawPostgres(postgres.conninfo(url), schemas[0], 1, args.streams)
            _pg_engine, pg_store = open_store(postgres.sqlalchemy_url(url, schemas[1]))
            pg_library = LibrarySaves(postgres_env(url, schemas[2]), args.streams)
            stack.callback(pg_library.close)
            pg = {
                "raw": raw_pg.step,
                "ours": OurAppends(pg_store, 1, args.streams).step,
                "eventsourcing": pg_library.step,
            }
            report("postgresql", race(pg, args.blocks, args.per_block))
            _pg_engine.dispose()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
