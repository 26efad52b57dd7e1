"""The machine a run was on, the targets a run is judged by, and the printed table."""

from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.rebuild import RebuildReport
from bench.timing import Result


@dataclass(frozen=True, slots=True)
class Target:
    """One target: a measured value against a threshold, as a ratio where that makes sense."""

    name: str
    value: float
    threshold: float
    unit: str
    higher_is_better: bool = True

    @property
    def passed(self) -> bool:
        """PASS when the value is on the right side of the threshold."""
        return self.value >= self.threshold if self.higher_is_better else self.value < self.threshold

    def describe(self) -> str:
        """The value and what it had to be, e.g. `2.31× (need ≥ 1.5×)`."""
        sign = "≥" if self.higher_is_better else "<"
        if self.unit == "%":  # a share judged at or below its threshold (given a hair above it)
            return f"{self.value:.2f} % (need {'≥' if self.higher_is_better else '≤'} {round(self.threshold, 2):g} %)"
        if self.unit == "×":
            return f"{self.value:.2f}× (need {sign} {self.threshold:g}×)"
        return f"{self.value:,.0f} {self.unit} (need {sign} {self.threshold:,.0f} {self.unit})"

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "value": round(self.value, 3),
            "threshold": self.threshold,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "result": "PASS" if self.passed else "MISS",
        }


def _ratio_target(name: str, results: dict[str, Result], ours: str, other: str, threshold: float) -> Target | None:
    """Our throughput over another contender's, when both were measured."""
    if ours not in results or other not in results:
        return None
    value = results[ours].events_per_second / results[other].events_per_second
    return Target(name, value, threshold, "×")


def evaluate(results: dict[str, Result], rebuild: RebuildReport | None) -> list[Target]:
    """Every target that the measured results allow judging."""
    candidates = [
        _ratio_target(
            "SQLite: ours ≥ 1.5× eventsourcing (1 event per commit)",
            results,
            "sqlite.ours.single",
            "sqlite.eventsourcing.single",
            1.5,
        ),
        _ratio_target(
            "SQLite: ours ≥ 0.5× raw sqlite3 (1 event per commit)",
            results,
            "sqlite.ours.single",
            "sqlite.raw.single",
            0.5,
        ),
        _ratio_target(
            "SQLite: ours ≥ 0.5× raw sqlite3 (100 events per commit)",
            results,
            "sqlite.ours.batch",
            "sqlite.raw.batch",
            0.5,
        ),
        _ratio_target(
            "SQLite: 16 writers, group commit ≥ 2× raw 1 row/commit",
            results,
            "sqlite.group.writers",
            "sqlite.raw.writers",
            2.0,
        ),
        _ratio_target(
            "PostgreSQL: ours ≥ 1.5× eventsourcing (1 event per commit)",
            results,
            "postgresql.ours.single",
            "postgresql.eventsourcing.single",
            1.5,
        ),
    ]
    targets = [t for t in candidates if t is not None]
    if rebuild is not None:
        targets.append(Target("Rebuild: ≥ 80,000 events/s", rebuild.events_per_second, 80_000, "events/s"))
        targets.append(
            Target("Rebuild: peak RSS growth < 200 MB", rebuild.growth_mb, 200, "MiB", higher_is_better=False)
        )
    return targets


def machine() -> dict[str, Any]:
    """CPU, memory, OS, Python and SQLite of this machine."""
    cpu_model, memory_kib = "?", 0
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu_model = models[0] if models else "?"
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def format_table(document: dict[str, Any]) -> str:
    """The whole run as readable text: machine, settings, one line per contender, targets, notes."""
    m, s = document["machine"], document["settings"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, {m['os']}",
        f"Python {m['python']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {document['postgresql']['server_version']}" if document.get("postgresql") else ""),
        f"Settings: {s['events']} appends per single-event run, {s['batch_appends']} appends of "
        f"{s['batch_size']} per batched run, {s['streams']} streams, warm-up {s['warmup']} steps, "
        f"SQLite synchronous={s['synchronous']}, rebuild over {s['rebuild_events']:,} events",
        "",
        f"{'contender':<56} {'backend':<10} {'events':>9} {'commits':>8} {'seconds':>9} {'events/s':>11}",
        "-" * 108,
    ]
    for row in document["results"]:
        lines.append(
            f"{row['label']:<56} {row['backend']:<10} {row['events']:>9,} {row['commits']:>8,} "
            f"{row['seconds']:>9.3f} {row['events_per_second']:>11,.0f}"
        )
    rebuild = document.get("rebuild")
    if rebuild:
        lines.append(
            f"{'projections rebuild (child process)':<56} {'sqlite':<10} {rebuild['events']:>9,} "
            f"{'':>8} {rebuild['rebuild_seconds']:>9.3f} {rebuild['events_per_second']:>11,.0f}"
        )
        lines.append(
            f"  rebuild: {rebuild['streams']:,} stream rows, checkpoint {rebuild['checkpoint']:,}, "
            f"peak RSS {rebuild['peak_rss_mb']:.1f} MiB "
            f"(child after start-up: {rebuild['rss_before_mb']:.1f} MiB), "
            f"{rebuild['cpu_events_per_second']:,.0f} events per CPU second"
        )
    lines += ["", "Targets"]
    for target in document["targets"]:
        verdict = "PASS" if target["result"] == "PASS" else "MISS"
        shown = Target(target["name"], target["value"], target["threshold"], target["unit"], target["higher_is_better"])
        lines.append(f"  {verdict}  {target['name']:<60} {shown.describe()}")
    if document["notes"]:
        lines += ["", "Notes"]
        lines += [f"  - {note}" for note in document["notes"]]
    return "\n".join(lines)
