"""The group-commit writer's answer latch (`events.writer.Answer`): set once, read any number of times."""

from __future__ import annotations

import threading

import pytest

from events import AppendResult, ConcurrencyConflict
from events.batching import Answer


def test_a_result_waits_for_the_writer_and_can_be_read_again() -> None:
    answer, result = Answer(), AppendResult(1, 1, {"s": 1}, "h")
    assert not answer.done()
    with pytest.raises(TimeoutError):
        answer.result(timeout=0.01)

    threading.Timer(0.05, answer.set_result, (result,)).start()
    assert answer.result(timeout=5) is result
    assert answer.done() and answer.result(timeout=0) is result and answer.result() is result


def test_an_error_is_raised_to_every_reader() -> None:
    answer = Answer()
    answer.set_exception(ConcurrencyConflict("s", 1, 2))
    assert answer.done()
    for _ in range(2):
        with pytest.raises(ConcurrencyConflict):
            answer.result(timeout=0)
