"""The SQLite writers' queue (events/turns.py): first come first served across processes, bounded, and a
writer killed while holding its turn or while waiting for it never blocks the others.

Each child process queues and writes its name to a log when its turn comes; the test starts the next
child only once the one before is seen waiting (its ticket's FIFO in the queue folder; the writer
holding the turn has none), so the order they came in is known without sleeping.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
import sqlalchemy as sa

from events import EventStore, NewEvent, Registry, WriterBusy, WriterQueueTimeout, turns
from events.turns import queue_folder, queued, writer_lock_path
from tests.integration.group import wait_until
from tests.integration.turn_workers import take_turn

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def lock(tmp_path: Path) -> str:
    """A lock file's path, as a database `coalition.sqlite` would have it."""
    return str(tmp_path / "coalition.sqlite-writer.lock")


def tickets(lock: str) -> list[str]:
    """The tickets in the queue folder: the writers waiting or holding their turn (and dead ones not yet removed)."""
    folder = queue_folder(lock)
    return sorted(name for name in os.listdir(folder) if name.isdigit()) if os.path.isdir(folder) else []


def start(lock: str, name: str, log: Path, hold: bool = False) -> BaseProcess:
    """A child process that queues at `lock` and writes `name` to `log` on its turn (holding it if `hold`)."""
    child = SPAWN.Process(target=take_turn, args=(lock, name, str(log), hold), daemon=True)
    child.start()
    return child


def holding(log: Path, name: str) -> bool:
    return Path(f"{log}.{name}.holding").exists()


def release(log: Path, name: str) -> None:
    Path(f"{log}.{name}.release").touch()


def finished(child: BaseProcess) -> int | None:
    child.join(60)
    return child.exitcode


def test_writers_of_several_processes_take_their_turns_in_the_order_they_came(lock: str, tmp_path: Path) -> None:
    log, children = tmp_path / "log", []
    with queued(lock):
        for n in range(6):
            children.append(start(lock, f"w{n}", log))
            wait_until(lambda n=n: len(tickets(lock)) == n + 1, f"writer {n} to wait in the queue", 60)
        assert not log.exists(), "a writer had a turn while this one held it"
    assert [finished(child) for child in children] == [0] * 6
    assert log.read_text().split() == [f"w{n}" for n in range(6)]
    assert tickets(lock) == []


def test_a_writer_killed_while_holding_its_turn_lets_the_next_go(lock: str, tmp_path: Path) -> None:
    log = tmp_path / "log"
    holder = start(lock, "holder", log, hold=True)
    wait_until(lambda: holding(log, "holder"), "the holder's turn", 60)
    waiter = start(lock, "next", log)
    wait_until(lambda: len(tickets(lock)) == 1, "the next writer to wait", 60)

    os.kill(holder.pid or 0, signal.SIGKILL)

    assert finished(holder) == -signal.SIGKILL
    assert finished(waiter) == 0
    assert log.read_text().split() == ["next"]
    assert tickets(lock) == []


def test_a_writer_killed_while_waiting_does_not_block_those_after_it(lock: str, tmp_path: Path) -> None:
    log = tmp_path / "log"
    holder = start(lock, "holder", log, hold=True)
    wait_until(lambda: holding(log, "holder"), "the holder's turn", 60)
    doomed = start(lock, "doomed", log)
    wait_until(lambda: len(tickets(lock)) == 1, "the doomed writer to wait", 60)
    last = start(lock, "last", log)
    wait_until(lambda: len(tickets(lock)) == 2, "the last writer to wait", 60)

    os.kill(doomed.pid or 0, signal.SIGKILL)
    assert finished(doomed) == -signal.SIGKILL
    assert last.is_alive(), "the last writer went before the holder let go"
    release(log, "holder")

    assert (finished(holder), finished(last)) == (0, 0)
    assert log.read_text().split() == ["holder", "last"]
    assert tickets(lock) == []


def test_a_writer_waiting_past_the_bound_is_refused_and_leaves_the_queue(lock: str, tmp_path: Path) -> None:
    log = tmp_path / "log"
    holder = start(lock, "holder", log, hold=True)
    wait_until(lambda: holding(log, "holder"), "the holder's turn", 60)

    began = time.monotonic()
    with pytest.raises(WriterQueueTimeout, match=r"waited 0\.2 s for a turn with 1 writers still ahead") as refused:
        with queued(lock, wait=0.2):
            pytest.fail("a turn while the holder held it")
    waited = time.monotonic() - began

    assert 0.2 <= waited < 2.0
    assert isinstance(refused.value, WriterBusy) and refused.value.retry_after == 1  # 503 + Retry-After at the edge
    assert tickets(lock) == [], "the refused writer's ticket is still queued"
    release(log, "holder")
    assert finished(holder) == 0
    with queued(lock, wait=5):  # the queue still works
        pass


def test_threads_of_one_process_queue_too(lock: str) -> None:
    with queued(lock):
        with pytest.raises(WriterQueueTimeout):
            with queued(lock, wait=0.05):
                pytest.fail("two turns at once in one process")


def test_without_a_lock_file_a_writer_goes_on_unqueued(tmp_path: Path) -> None:
    lock = str(tmp_path / "missing" / "coalition.sqlite-writer.lock")
    with queued(lock), queued(lock):  # SQLite's busy timeout decides instead
        pass


def test_without_a_queue_folder_a_writer_still_waits_for_the_turn_within_the_bound(lock: str) -> None:
    Path(queue_folder(lock)).write_text("not a folder")
    with queued(lock):
        with pytest.raises(WriterQueueTimeout):
            with queued(lock, wait=0.05):
                pytest.fail("two turns at once")
    with queued(lock, wait=1):
        pass


def test_an_unopenable_tickets_file_leaves_the_writer_waiting_for_the_turn_within_the_bound(lock: str) -> None:
    os.mkdir(f"{lock}.tickets")  # os.open of it fails (IsADirectoryError): no ticket, never a crash
    with queued(lock):
        with pytest.raises(WriterQueueTimeout):
            with queued(lock, wait=0.05):
                pytest.fail("two turns at once")
    with queued(lock, wait=1):
        pass


def test_a_waiter_that_fails_for_any_reason_leaves_the_line(lock: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the bound: an error while waiting (an unreadable ticket, an interrupt) must not leave a locked
    ticket behind, which every later writer would wait for until its own bound."""

    def broken(*_: object) -> None:
        raise PermissionError("interrupted while waiting")

    with queued(lock):
        with monkeypatch.context() as patched:
            patched.setattr(turns, "_pause", broken)
            with pytest.raises(PermissionError):
                with queued(lock, wait=5):
                    pytest.fail("a turn while it was held")
        assert tickets(lock) == [], "the failed waiter's ticket is still queued"
    with queued(lock, wait=1):  # the next writer goes at once
        pass


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the writers' queue is SQLite's
def test_an_append_waiting_past_the_bound_records_nothing(
    backend: str, engine: sa.Engine, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, lock, log = EventStore(engine, registry), writer_lock_path(engine), tmp_path / "log"
    assert lock is not None
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "before"})])
    holder = start(lock, "holder", log, hold=True)
    wait_until(lambda: holding(log, "holder"), "the holder's turn", 60)
    monkeypatch.setattr(turns, "WRITER_QUEUE_SECONDS", 0.1)

    with pytest.raises(WriterQueueTimeout):
        store.append([NewEvent("thing-2", "ThingCreated", {"name": "refused"})])

    release(log, "holder")
    assert finished(holder) == 0
    assert [event.payload["name"] for event in store.read_all()] == ["before"]


def test_threads_that_end_leave_no_open_files_behind(lock: str) -> None:
    def write() -> None:
        with queued(lock):
            pass

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        thread = threading.Thread(target=write)
        thread.start()
        thread.join()
    assert len(os.listdir("/proc/self/fd")) <= before + 2  # this thread's own pair at most
