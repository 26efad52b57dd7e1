"""`bench http` pins the load generator apart from the server only where that leaves the server CPUs enough, and
says what it decided (`bench.web.pinning`)."""

from __future__ import annotations

import os

import pytest

from bench import web


def cpus(monkeypatch: pytest.MonkeyPatch, allowed: set[int]) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: allowed)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_auto_shares_the_cpus_below_four_and_says_why(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    cpus(monkeypatch, set(range(count)))

    server, generator, said = web.pinning("auto")

    assert server == generator == set()
    assert said.startswith("not pinned") and "the load generator shares the CPUs with the server" in said


def test_auto_from_four_cpus_gives_the_generator_the_last_one(monkeypatch: pytest.MonkeyPatch) -> None:
    cpus(monkeypatch, {0, 1, 2, 5})  # the CPUs this process may use, not 0..n-1

    server, generator, said = web.pinning("auto")

    assert (server, generator) == ({0, 1, 2}, {5})
    assert said == "server on CPUs [0, 1, 2], load generator on CPU 5"


def test_on_pins_apart_from_two_cpus_and_off_never_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    cpus(monkeypatch, {0, 1})
    assert web.pinning("on")[:2] == ({0}, {1})
    assert web.pinning("off")[:2] == (set(), set()) and "(off)" in web.pinning("off")[2]
    cpus(monkeypatch, {3})
    assert web.pinning("on")[:2] == (set(), set())  # one CPU: nothing to pin apart
