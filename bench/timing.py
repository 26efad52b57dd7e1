"""What one measurement is, and how it is taken: warm up, then time the loop and nothing else."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from dataclasses import dataclass
from typing import Any, Protocol


class Contender(Protocol):
    """Something that records `events_per_step` events, in one commit, each time `step` is called."""

    events_per_step: int

    def step(self) -> None:
        """Record one batch of events and commit."""


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one timed loop."""

    key: str
    label: str
    backend: str
    events: int
    commits: int
    seconds: float
    note: str = ""

    @property
    def events_per_second(self) -> float:
        """Throughput: events recorded per second of the timed loop."""
        return self.events / self.seconds if self.seconds > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        """The JSON form, throughput included."""
        return {
            "key": self.key,
            "label": self.label,
            "backend": self.backend,
            "events": self.events,
            "commits": self.commits,
            "seconds": round(self.seconds, 6),
            "events_per_second": round(self.events_per_second, 1),
            "note": self.note,
        }


def measure(
    key: str, label: str, backend: str, contender: Contender, steps: int, warmup: int, note: str = ""
) -> Result:
    """Run `warmup` untimed steps, then time `steps` steps with perf_counter around the loop only."""
    for _ in range(warmup):
        contender.step()
    step = contender.step
    start = time.perf_counter()
    for _ in range(steps):
        step()
    elapsed = time.perf_counter() - start
    return Result(key, label, backend, steps * contender.events_per_step, steps, elapsed, note)


def profile(label: str, contender: Contender, steps: int, top: int = 25) -> None:
    """Run `steps` more steps under cProfile (untimed) and print the top entries by cumulative time to stderr."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        contender.step()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    print(f"\n=== cProfile: {label}, {steps} steps, top {top} by cumulative time ===", file=sys.stderr)
    print(out.getvalue().rstrip(), file=sys.stderr)
