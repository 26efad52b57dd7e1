"""Helpers for the group commit tests: hold the writer inside a batch, and append from other threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from events import AppendResult, GroupCommitStore, NewEvent


def created(stream: str, name: str = "a thing") -> NewEvent:
    """A ThingCreated event for `stream`."""
    return NewEvent(stream, "ThingCreated", {"name": name})


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll `condition` until it holds; fail naming `what` if it does not within `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)


class Appending(threading.Thread):
    """One `store.append(...)` on its own thread; keeps what it returned or raised."""

    def __init__(self, store: GroupCommitStore, *args: Any, **kwargs: Any) -> None:
        super().__init__(daemon=True)
        self.store, self.args, self.kwargs = store, args, kwargs
        self.result: AppendResult | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        """Append, keeping the outcome."""
        try:
            self.result = self.store.append(*self.args, **self.kwargs)
        except BaseException as error:  # noqa: BLE001 - kept for the test to look at
            self.error = error

    def outcome(self) -> AppendResult:
        """Wait for the append and return its result (raising what it raised)."""
        self.join(10)
        assert not self.is_alive(), "the append was never answered"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def queued(store: GroupCommitStore, *args: Any, **kwargs: Any) -> Appending:
    """Start an append on its own thread and return once it waits in the writer's queue (so order is known)."""
    before = store.waiting()
    appending = Appending(store, *args, **kwargs)
    appending.start()
    wait_until(lambda: store.waiting() > before or not appending.is_alive(), "the append to be queued")
    return appending


class Held:
    """The writer kept busy inside a batch of one append until the block ends, so what comes meanwhile queues."""

    def __init__(self, store: GroupCommitStore, stream: str = "held") -> None:
        self.entered, self.go = threading.Event(), threading.Event()

        def hold(_connection: object, _recorded: object) -> None:
            self.entered.set()
            assert self.go.wait(10), "the writer was held too long"

        self.appending = Appending(store, [created(stream)], within=hold)

    def __enter__(self) -> Held:
        self.appending.start()
        assert self.entered.wait(10), "the writer never took the holding append"
        return self

    def __exit__(self, *_exc: object) -> None:
        self.go.set()
        self.appending.outcome()
