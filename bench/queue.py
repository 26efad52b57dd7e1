"""The SQLite writers' queue, old against new: N processes appending at once, each append's wait and latency.

    python -m bench.queue --processes 8 --appends 200 --rounds 2

Each process (spawned, as gunicorn's workers are separate processes) opens its own engine and a plain
`EventStore` on one SQLite file (WAL, synchronous=FULL unless told otherwise), appends 5 events
untimed, waits at a barrier with the others, then makes `--appends` single-event appends to streams
of its own (no conflicts: what is measured is the queue). Per append it records the time spent
waiting for its turn (inside `queued`) and the whole append's latency. The contenders alternate,
`--rounds` times each, on a fresh copy of one migrated database:

- **old**: the queue as it was before issue 19, a `flock` tried with LOCK_NB every 0.2–2 ms, up to 10 s
  (kept below, verbatim in behaviour, for this comparison only);
- **new**: `events.turns.queued`, tickets served first come first served.
"""

from __future__ import annotations

import argparse
import fcntl
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from bench.ours import OurAppends, open_store
from events import turns


@contextmanager
def old_queued(path: str | None, wait: float | None = 10.0) -> Iterator[None]:
    """The queue before issue 19: an exclusive flock retried with LOCK_NB every 0.2 to 2 ms, for up to 10 s."""
    if path is None:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o660)
    try:
        deadline, pause = time.monotonic() + (wait or 10.0), 0.0002
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
        yield
    finally:
        os.close(descriptor)


QUEUES: dict[str, Callable[..., AbstractContextManager[None]]] = {"old": old_queued, "new": turns.queued}


def writer(url: str, variant: str, index: int, appends: int, barrier: Any, out: str) -> None:
    """One process: warm up, wait for the others, append `appends` events; write its waits and latencies to `out`."""
    import events.writing

    queue = QUEUES[variant]
    waits: list[float] = []

    @contextmanager
    def timed(path: str | None, wait: float | None = None) -> Iterator[None]:
        began = time.perf_counter()
        with queue(path, wait):
            waits.append(time.perf_counter() - began)
            yield

    events.writing.queued = timed  # type: ignore[assignment]
    engine, store = open_store(url, migrate=False)
    appends_to = OurAppends(store, 1, 10)
    appends_to.prefix = f"p{index}-"
    for _ in range(5):
        appends_to.step()
    barrier.wait()
    waits.clear()
    latencies = []
    for _ in range(appends):
        began = time.perf_counter()
        appends_to.step()
        latencies.append(time.perf_counter() - began)
    Path(out).write_text("\n".join(f"{w} {lat}" for w, lat in zip(waits, latencies, strict=True)))
    engine.dispose()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def one_round(template: Path, folder: Path, variant: str, processes: int, appends: int) -> dict[str, float]:
    """One contender once: N processes at once on a fresh copy of the database; the figures in ms and appends/s."""
    database = folder / f"{variant}-{time.monotonic_ns()}.sqlite"
    shutil.copy(template, database)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(processes + 1)
    outs = [folder / f"{database.name}.{n}" for n in range(processes)]
    children = [
        spawn.Process(target=writer, args=(f"sqlite:///{database}", variant, n, appends, barrier, str(outs[n])))
        for n in range(processes)
    ]
    for child in children:
        child.start()
    barrier.wait()
    began = time.perf_counter()
    for child in children:
        child.join()
    elapsed = time.perf_counter() - began
    if any(child.exitcode != 0 for child in children):
        raise RuntimeError(f"a writer failed in the {variant} round")
    pairs = [line.split() for out in outs for line in out.read_text().splitlines()]
    waits, latencies = [float(w) * 1000 for w, _ in pairs], [float(lat) * 1000 for _, lat in pairs]
    per_process = [sum(float(line.split()[1]) for line in out.read_text().splitlines()) for out in outs]
    return {
        "appends/s": len(pairs) / elapsed,
        "wait p50": percentile(waits, 0.5),
        "wait p99": percentile(waits, 0.99),
        "wait max": max(waits),
        "latency p50": percentile(latencies, 0.5),
        "latency p99": percentile(latencies, 0.99),
        "latency max": max(latencies),
        "slowest/fastest process": max(per_process) / min(per_process),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print one row per round, then the medians per contender."""
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__)
    parser.add_argument("--processes", type=int, default=8, metavar="N")
    parser.add_argument("--appends", type=int, default=200, metavar="N", help="timed appends per process")
    parser.add_argument("--rounds", type=int, default=2, metavar="N", help="rounds per contender, alternating")
    parser.add_argument("--synchronous", default="FULL")
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {args.processes} processes × {args.appends} appends")
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as name:
        folder = Path(name)
        template = folder / "template.sqlite"
        engine, _store = open_store(f"sqlite:///{template}", args.synchronous)
        engine.dispose()
        results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        columns = ["appends/s", "wait p50", "wait p99", "wait max", "latency p50", "latency p99", "latency max"]
        print(f"{'round':>5} {'queue':>5} " + " ".join(f"{c:>11}" for c in columns) + "  slowest/fastest")
        for turn in range(args.rounds):
            for variant in ("old", "new"):
                figures = one_round(template, folder, variant, args.processes, args.appends)
                results[variant].append(figures)
                row = " ".join(f"{figures[c]:>11.1f}" for c in columns)
                print(f"{turn + 1:>5} {variant:>5} {row}  {figures['slowest/fastest process']:.2f}", flush=True)
        for variant in ("old", "new"):
            medians = {c: statistics.median(r[c] for r in results[variant]) for c in columns}
            print(f"median {variant:>4} " + " ".join(f"{medians[c]:>11.1f}" for c in columns))
    print(f"load average at end: {os.getloadavg()[0]:.2f} (times in ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
