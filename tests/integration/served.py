"""The app served as in production, for the crash and multi-process tests.

A seeded world (bench/loadworld), the load driver (bench/load) as a background process, and what
the log and the read models hold afterwards: the signatures in the log, whether the log is whole,
and whether the projections equal a fresh rebuild of them. The servers and the projection worker
themselves are bench/server's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bench.loadworld import Plan, seed
from bench.server import Child, environment, flask
from coalition.domain import statement
from events import create_engine
from events.schema import events
from projections import checkpoints, default_projections


@dataclass
class World:
    """A seeded database, its plan (on disk, for the driver) and an engine to inspect it with."""

    url: str
    directory: Path
    plan: Plan
    plan_path: Path
    engine: Engine

    def env(self, **settings: object) -> dict[str, str]:
        """The environment of a server, worker or CLI command on this world's database."""
        return environment(self.url, self.directory, **settings)

    def driver(self, base: str, name: str = "load", plan: Plan | None = None, clients: int = 16) -> Driver:
        """A load driver (signers that retry failures, and readers) against `base`; by default with the whole plan."""
        plan_path = self.plan_path
        if plan is not None:
            plan_path = self.directory / f"{name}-plan.json"
            plan.save(plan_path)
        return Driver(plan_path, base, self.directory / f"{name}.json", self.directory / f"{name}.log", clients)


@contextmanager
def seeded(url: str, directory: Path, organisations: int) -> Iterator[World]:
    """Record a coalition with `organisations` members and an open statement; dispose the engine after."""
    plan = seed(url, organisations, directory)
    plan_path = directory / "plan.json"
    plan.save(plan_path)
    engine = create_engine(url)
    try:
        yield World(url, directory, plan, plan_path, engine)
    finally:
        engine.dispose()


class Driver(Child):
    """`python -m bench.load ... --phase mix --retry-failed` running in the background."""

    def __init__(self, plan: Path, base: str, out: Path, log: Path, clients: int, duration: float = 150) -> None:
        argv = [
            sys.executable,
            "-m",
            "bench.load",
            str(plan),
            base,
            "--phase",
            "mix",
            "--clients",
            str(clients),
            "--duration",
            str(duration),
            "--retry-failed",
            "--out",
            str(out),
        ]
        super().__init__("load driver", argv, os.environ, log)
        self.out = out

    def result(self, timeout: float = 150) -> dict[str, Any]:
        """Wait for the driver to finish (every organisation answered) and return its result file."""
        assert self.process is not None, "the driver was not started"
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the load driver did not finish within {timeout} s:\n{self.tail()}") from None
        self.process = None
        assert code == 0, f"the load driver failed ({code}):\n{self.tail()}"
        result: dict[str, Any] = json.loads(self.out.read_text())
        return result


def wait_for(condition: Callable[[], bool], what: str, *children: Child, timeout: float = 90) -> None:
    """Poll until `condition` holds; fail naming `what`, or as soon as one of `children` has died."""
    deadline = time.monotonic() + timeout
    while not condition():
        for child in children:
            assert child.running, f"the {child.name} died while waiting for {what}:\n{child.tail()}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def signatures(engine: Engine, statement_id: str) -> Counter[str]:
    """How many StatementSigned events the log holds for each organisation on the statement."""
    query = select(events.c.payload).where(
        events.c.stream_id == statement.stream(statement_id), events.c.type == "StatementSigned"
    )
    with engine.connect() as connection:
        return Counter(json.loads(payload)["organisation_id"] for payload in connection.execute(query).scalars())


def assert_exactly_once(engine: Engine, statement_id: str, acknowledged: list[str]) -> Counter[str]:
    """Every acknowledged signature is in the log, and no organisation signed twice; returns the log's count."""
    logged = signatures(engine, statement_id)
    twice = {organisation: count for organisation, count in logged.items() if count > 1}
    assert not twice, f"signatures recorded more than once: {twice}"
    lost = set(acknowledged) - set(logged)
    assert not lost, f"{len(lost)} acknowledged signatures are not in the log: {sorted(lost)[:5]}"
    return logged


def assert_log_whole(engine: Engine, env: dict[str, str]) -> None:
    """Positions run 1..N without a gap, every stream's versions too, and `flask events verify` passes."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.position, events.c.stream_id, events.c.version).order_by(events.c.position)
        ).all()
    assert [row.position for row in rows] == list(range(1, len(rows) + 1)), "the log's positions have gaps"
    versions: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        versions[row.stream_id].append(row.version)
    broken = [stream for stream, seen in versions.items() if seen != list(range(1, len(seen) + 1))]
    assert not broken, f"streams with gaps or reordering: {broken[:5]}"
    verified = flask(env, "events", "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("OK:"), verified.stdout + verified.stderr


def lag(engine: Engine) -> int:
    """How far the furthest-behind projection is from the head of the log."""
    names = [projection.name for projection in default_projections()]
    with engine.connect() as connection:
        head = connection.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one()
        saved = dict(
            connection.execute(
                select(checkpoints.c.name, checkpoints.c.position).where(checkpoints.c.name.in_(names))
            ).all()
        )
    return head - min(saved.get(name, 0) for name in names)


def projection_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table (and the checkpoints), in a stable order."""
    tables = [table for projection in default_projections() for table in projection.tables] + [checkpoints]
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr) for table in tables
        }


def assert_projections_equal_a_rebuild(engine: Engine, env: dict[str, str]) -> None:
    """The read models as served equal, row for row, what `flask projections rebuild` makes from the log."""
    served = projection_rows(engine)
    rebuilt = flask(env, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    fresh = projection_rows(engine)
    assert sum(map(len, served.values())) > 0, "the projections are empty; the comparison proves nothing"
    for table, rows in served.items():
        if rows != fresh[table]:
            only_served = [row for row in rows if row not in fresh[table]]
            only_fresh = [row for row in fresh[table] if row not in rows]
            raise AssertionError(
                f"{table} differs from a rebuild: {len(only_served)} rows only as served "
                f"{only_served[:3]}, {len(only_fresh)} only rebuilt {only_fresh[:3]}"
            )
