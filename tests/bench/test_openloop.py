"""The open loop sends on its schedule and counts every wait from the scheduled time (coordinated omission)."""

from __future__ import annotations

import asyncio
import time

import pytest

from bench import openloop
from bench.webjudge import targets


def test_the_schedule_spaces_each_kind_evenly_and_reads_take_turns() -> None:
    sends = openloop.schedule(rate=100, read_rate=20, duration=2)

    signs = [send for send in sends if send.endpoint == "sign"]
    reads = [send for send in sends if send.endpoint != "sign"]
    assert len(signs) == 200 and len(reads) == 40
    assert [send.n for send in signs] == list(range(200))  # each organisation once
    assert signs[1].at - signs[0].at == pytest.approx(0.01) and reads[1].at - reads[0].at == pytest.approx(0.05)
    assert [send.endpoint for send in reads[:4]] == ["standing", "statement", "audit", "standing"]
    assert [send.at for send in sends] == sorted(send.at for send in sends)
    assert openloop.schedule(rate=0, read_rate=5, duration=1)[0].endpoint == "standing"
    assert openloop.schedule(rate=3, read_rate=0, duration=1) == [
        openloop.Send(0, "sign", 0),
        openloop.Send(1 / 3, "sign", 1),
        openloop.Send(2 / 3, "sign", 2),
    ]


def test_a_stall_is_counted_in_every_request_that_should_have_left_during_it() -> None:
    """The first answer blocks the whole loop for 0.3 s (a stalled server seen by a single-threaded client):
    the sends scheduled meanwhile leave late, and their latencies include that wait."""
    recorded: dict[int, float] = {}
    due: list[float] = []
    sends = openloop.schedule(rate=50, read_rate=0, duration=0.2)  # every 20 ms, 10 sends

    async def sender(send: openloop.Send) -> str:
        if send.n == 0:
            time.sleep(0.3)
        return "201"

    def record(endpoint: str, status: str, latency: float, at: float) -> None:
        recorded[len(recorded)] = latency
        due.append(at)

    lags = asyncio.run(openloop.run(sends, sender, record))

    assert len(recorded) == len(lags) == 10
    assert max(lags) >= 0.2, lags  # the generator noticed it fell behind and says so
    assert sorted(recorded.values())[-1] >= 0.2  # a late send's wait is in its latency, not hidden
    assert all(latency >= 0 for latency in recorded.values())
    assert sorted(due) == [send.at for send in sends]  # each answer says when it was due, for the timeline


def _result(open_endpoints: dict[str, dict[str, float]], lag: float | None) -> dict[str, object]:
    log = {"acknowledged_not_once": 0, "twice": 0, "chain_ok": True}
    trivial = {"healthz": {"errors": 0}}
    return {
        "backend": "sqlite",
        "trivial": {"endpoints": trivial},
        "open": {"endpoints": open_endpoints, "send_lag_p99_ms": lag},
        "log": log,
    }


def test_the_open_loop_is_judged_per_endpoint_on_p99_errors_and_the_kept_schedule() -> None:
    fast = {"sign": {"p99_ms": 40.0, "errors": 0}, "audit": {"p99_ms": 90.0, "errors": 0}}
    judged = {t.name: t.passed for t in targets(_result(fast, lag=2.0))}
    assert all(judged.values()) and "sqlite: open loop audit p99 ≤ 100 ms" in judged

    slow = {"sign": {"p99_ms": 140.0, "errors": 3}, "audit": {"p99_ms": 90.0, "errors": 0}}
    missed = {t.name for t in targets(_result(slow, lag=None)) if not t.passed}
    assert missed == {
        "sqlite: open loop sign p99 ≤ 100 ms",
        "sqlite: errors (both phases)",
        "sqlite: generator kept its schedule (send lag p99 ≤ 10 ms)",
    }


def test_the_tally_keeps_the_longest_latency_of_each_scheduled_second() -> None:
    """A stall shows where it happened (a cold start, a checkpoint) and not only in the percentiles."""
    from bench.load import Tally

    tally = Tally()
    for endpoint, latency, at in [("sign", 0.9, 0.1), ("sign", 0.2, 0.5), ("standing", 0.95, 0.7), ("sign", 0.01, 2.2)]:
        tally.record(endpoint, "201", latency, at)

    assert tally.to_json()["worst_by_second"] == [0.95, 0.0, 0.01]  # second 1 had nothing due


def test_the_closed_loop_judges_re_decisions_at_most_one_percent_of_signatures() -> None:
    def judged(redecided: int) -> dict[str, bool]:
        endpoints = {"sign": {"per_second": 300.0, "p99_ms": 100.0, "errors": 0}}
        result = {
            "backend": "sqlite",
            "trivial": {"endpoints": {"healthz": {"per_second": 1000.0, "errors": 0}}},
            "mix": {"endpoints": endpoints},
            "log": {"acknowledged_not_once": 0, "twice": 0, "chain_ok": True},
            "redecisions": {"signatures": 1000, "redecided": redecided},
        }
        return {t.name: t.passed for t in targets(result) if "decided again" in t.name}

    name = "sqlite: signatures decided again after another's append (1,000 recorded)"
    assert judged(10) == {name: True}  # 1 %: met
    assert judged(11) == {name: False}
