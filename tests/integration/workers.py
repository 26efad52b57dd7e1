"""Code run in child processes by the concurrency tests (importable, so that `spawn` can start it)."""

from __future__ import annotations

import random
import time

from events import ConcurrencyConflict, EventStore, NewEvent, create_engine
from tests.conftest import make_registry

STREAMS = [f"thing-{n}" for n in range(4)]


def hammer(url: str, writer: int, appends: int) -> tuple[list[tuple[str, int, int]], int]:
    """Make `appends` successful appends to overlapping streams, deciding on a read version each time.

    Returns each acknowledged event as (name, stream version, position), and how many conflicts
    were raised and retried. Every fifth append writes two streams at once.
    """
    rng = random.Random(writer)
    engine = create_engine(url)
    store = EventStore(engine, make_registry())
    acknowledged: list[tuple[str, int, int]] = []
    conflicts = 0
    try:
        for n in range(appends):
            streams = rng.sample(STREAMS, 2 if n % 5 == 0 else 1)
            while True:
                expected = {stream: store.stream_version(stream) for stream in streams}
                time.sleep(rng.random() / 1000)  # widen the window between deciding and appending
                names = [f"{writer}:{n}:{stream}" for stream in streams]
                try:
                    result = store.append(
                        [
                            NewEvent(stream, "ThingCreated", {"name": name})
                            for stream, name in zip(streams, names, strict=True)
                        ],
                        expected=expected,
                    )
                except ConcurrencyConflict:
                    conflicts += 1
                    continue
                for offset, name in enumerate(names):
                    acknowledged.append((name, expected[streams[offset]] + 1, result.first_position + offset))
                break
    finally:
        engine.dispose()
    return acknowledged, conflicts


def append_with_key(url: str, writer: int, key: str) -> tuple[int, bool]:
    """Append one event under an idempotency key; return its position and whether it was a replay."""
    engine = create_engine(url)
    try:
        result = EventStore(engine, make_registry()).append(
            [NewEvent("thing-1", "ThingCreated", {"name": f"writer {writer}"})], idempotency_key=key
        )
    finally:
        engine.dispose()
    return result.first_position, result.replayed


def crash_mid_batch(url: str, marker: str, doomed: int) -> None:
    """Commit one batch, then die by SIGKILL inside the next, after all of its `doomed` appends were written.

    The last doomed append's `within` writes its position to `marker` (so the parent knows every
    append of the batch was in the open transaction) and kills the process before the commit.
    """
    import os
    import signal
    import threading
    from pathlib import Path

    from events import GroupCommitStore
    from tests.integration.group import Appending, Held, created, wait_until

    engine = create_engine(url)
    store = GroupCommitStore(engine, make_registry())
    store.append([created("committed")])

    def die(_connection: object, recorded: list) -> None:  # type: ignore[type-arg]
        Path(marker).write_text(str(recorded[-1].position))
        os.kill(os.getpid(), signal.SIGKILL)

    with Held(store):  # the doomed appends queue behind it, and become one batch
        for n in range(doomed):
            Appending(store, [created(f"doomed-{n}")], within=die if n == doomed - 1 else None).start()
            wait_until(lambda n=n: store.waiting() == n + 1, "the doomed appends to queue")
    threading.Event().wait(30)  # the batch kills us long before this
