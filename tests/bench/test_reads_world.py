"""`bench reads --keep DIR` reuses a world only if it holds everything the rows read; an older one is refused with
the reason, before any row is timed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.loadworld import Plan
from bench.reads import world


def kept(directory: Path, work: dict[str, str] | None) -> Path:
    """A kept world's files: the database (its contents are not read before the check), the plan and the work."""
    (directory / "bench.db").write_bytes(b"")
    Plan("c1", "s1", "h1", "token", [("o1", "t1"), ("o2", "t2")]).save(directory / "plan.json")
    if work is not None:
        (directory / "work.json").write_text(json.dumps(work))
    return directory


def test_a_world_seeded_before_the_second_statement_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="before it held a statement nobody has signed"):
        world(kept(tmp_path, {"commitment": "c", "task": "t"}), 2)


def test_a_world_seeded_before_it_held_work_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="before it held work"):
        world(kept(tmp_path, None), 2)


def test_a_world_of_another_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="holds a world of 2 members, not 3"):
        world(kept(tmp_path, {"commitment": "c", "task": "t", "opened": "s2"}), 3)


def test_a_complete_world_is_reused_as_it_is(tmp_path: Path) -> None:
    url, plan, work = world(kept(tmp_path, {"commitment": "c", "task": "t", "opened": "s2"}), 2)

    assert url == f"sqlite:///{tmp_path / 'bench.db'}"
    assert plan.coalition_id == "c1" and work == {"commitment": "c", "task": "t", "opened": "s2"}
