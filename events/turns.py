"""The SQLite writers' queue: first come, first served across processes, bounded, and safe if a process dies.

A writer (a gunicorn worker's request, a CLI, the group-commit writer's thread) holds the turn by an
exclusive `flock` on the lock file for the length of its write transaction. Writers that find the turn
taken queue: each holds a shared `flock` on the gate file (so that newcomers see there is a queue and
join it rather than jump it), takes a numbered ticket (a counter kept in the tickets file, under its
`flock`), and makes and locks its own FIFO `<number>` in the queue folder. A waiter tries for the turn
only once every earlier ticket's FIFO is unlocked or gone. When there is no queue, a writer takes the
turn with two `flock`s and no file made.

The kernel releases a `flock` when its process dies, however it dies, so a killed writer or a killed
waiter stops counting at once: the turn is free, or the writers behind skip its FIFO (and remove it).

Order: tickets are numbered in the order their writers came and none takes the turn before every
earlier ticket has ended, so writers go in arrival order whoever wins a race for the CPU. (A bare
`flock` retried with LOCK_NB, what this replaces, let a writer lose the race many times in a row;
docs/benchmarks.md.) Hand-over: a writer that ends its turn (or gives up waiting) while there is a
queue writes a byte into the FIFO of the first live ticket, which wakes that writer at once; a waiter
also looks every `LOOK_SECONDS` on its own, which is how it notices a writer that died.

Bound: a writer that has waited `wait` seconds leaves the queue and raises `WriterQueueTimeout` (a
`WriterBusy`: 503 with Retry-After at the edge), having recorded nothing.

The queue only orders writers; SQLite's write lock (BEGIN IMMEDIATE with a busy timeout) is what keeps
them apart. Where the files cannot be made (another user's, a read-only place, a system without FIFOs
or `flock` on them), a writer goes on without queueing and SQLite's busy timeout decides.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from events.engine import is_sqlite
from events.errors import WriterQueueTimeout

#: How long a SQLite writer waits for its turn before it is refused (WriterQueueTimeout, nothing recorded).
WRITER_QUEUE_SECONDS = 10.0
#: How often a waiter looks at the turn unwoken (how soon it notices a writer that died).
LOOK_SECONDS = 0.01
_DIGITS = 20  # ticket numbers are written with this many digits, so that names sort as numbers
_FREE = fcntl.LOCK_EX | fcntl.LOCK_NB


def writer_lock_path(engine: Engine) -> str | None:
    """The lock file SQLite writers queue on (beside the database file); None for PostgreSQL or memory."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return None
    return f"{engine.url.database}-writer.lock"


def queue_folder(path: str) -> str:
    """The folder holding one locked FIFO per writer waiting."""
    return f"{path}.queue"


def _name(folder: str, number: int) -> str:
    return os.path.join(folder, f"{number:0{_DIGITS}d}")


def _try(descriptor: int, operation: int = _FREE) -> bool:
    try:
        fcntl.flock(descriptor, operation)
    except BlockingIOError:
        return False
    return True


class _Pairs(dict[str, tuple[int, int]]):
    """One thread's idle lock and gate descriptors by lock path; closed when the thread ends (or the store goes)."""

    def __init__(self) -> None:
        super().__init__()
        self.pid = os.getpid()

    def __del__(self) -> None:
        if self.pid == os.getpid():  # a forked child's copy holds its parent's descriptors: not its own to close
            for turn, gate in self.values():
                os.close(turn)
                os.close(gate)


class _Files(threading.local):
    """This thread's lock and gate files, by lock path: opened once, kept open (a forked child opens its own)."""

    def __init__(self) -> None:
        self.idle = _Pairs()

    @contextmanager
    def lent(self, path: str) -> Iterator[tuple[int, int] | None]:
        """The descriptors of the lock and gate files at `path` (None if they cannot be opened), for one turn.

        A turn taken inside another of the same thread gets descriptors of its own, so that it waits for
        the outer one as another writer would (a `flock` is shared by all users of one open file).
        """
        if self.idle.pid != os.getpid():  # a child shares its parent's open files, and so its locks: not ours
            self.idle = _Pairs()
        pair = self.idle.pop(path, None) or _open_pair(path)
        try:
            yield pair
        finally:
            if pair is not None and path not in self.idle:
                self.idle[path] = pair
            elif pair is not None:
                os.close(pair[0])
                os.close(pair[1])


def _open_pair(path: str) -> tuple[int, int] | None:
    try:
        turn = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
    except OSError:
        return None
    try:
        return turn, os.open(f"{path}.gate", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
    except OSError:
        os.close(turn)
        return None


_files = _Files()


@contextmanager
def queued(path: str | None, wait: float | None = None) -> Iterator[None]:
    """Wait for this writer's turn in the queue at `path` (first come, first served), hold it, then hand on.

    `wait`: the bound in seconds (WRITER_QUEUE_SECONDS when None).
    """
    if path is None:
        yield
        return
    with _files.lent(path) as files:
        if files is None:  # no queue here: SQLite's busy timeout decides
            yield
            return
        turn, gate = files
        try:
            if not (_try(gate) and _try(turn)):  # someone waits, or writes: join the queue
                fcntl.flock(gate, fcntl.LOCK_SH)  # while ours, newcomers know there is a queue
                _wait_in_line(path, turn, WRITER_QUEUE_SECONDS if wait is None else wait)
            fcntl.flock(gate, fcntl.LOCK_UN)
            yield
        finally:
            fcntl.flock(turn, fcntl.LOCK_UN)  # the turn, if it was ours
            if not _try(gate):  # a queue: wake its first writer
                _wake_first(queue_folder(path))
            fcntl.flock(gate, fcntl.LOCK_UN)


def _wait_in_line(path: str, turn: int, wait: float) -> None:
    """Take a ticket, wait until every earlier one has ended, then for the turn; leave the line either way."""
    deadline, folder = time.monotonic() + wait, queue_folder(path)
    number, mine, earlier = _take_ticket(path)
    if mine < 0:  # no FIFO of ours could be made: wait for the turn unqueued
        while not _try(turn):
            if time.monotonic() >= deadline:
                raise WriterQueueTimeout(1, wait)
            time.sleep(0.001)
        return
    poller = select.poll()
    poller.register(mine, select.POLLIN)
    try:
        for other in earlier:  # newest first: once it has ended, the others usually have too
            while not _ended(_name(folder, other)):
                _pause(poller, mine, deadline, wait, lambda: 1 + sum(not _ended(_name(folder, e)) for e in earlier))
        while not _try(turn):
            _pause(poller, mine, deadline, wait, lambda: 1)
    except BaseException:  # the bound, or anything else (an unreadable file, an interrupt): never stay in line
        _leave(folder, number, mine)
        _wake_first(folder)
        raise
    _leave(folder, number, mine)


def _pause(poller: select.poll, mine: int, deadline: float, wait: float, ahead: object) -> None:
    """Sleep until woken or LOOK_SECONDS pass; past the deadline raise WriterQueueTimeout."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise WriterQueueTimeout(ahead(), wait)  # type: ignore[operator]
    if poller.poll(min(LOOK_SECONDS, left) * 1000):
        try:
            os.read(mine, 512)  # the wake-ups sent so far
        except BlockingIOError:
            pass


def _leave(folder: str, number: int, mine: int) -> None:
    try:
        os.unlink(_name(folder, number))  # first: a writer looking for it later finds nothing to wait for
    except FileNotFoundError:
        pass
    os.close(mine)


def _take_ticket(path: str) -> tuple[int, int, list[int]]:
    """A new ticket: its number, the descriptor holding its FIFO's lock (-1 if none: the writer then waits for the
    turn unqueued, within its bound), the earlier ones newest first."""
    folder = queue_folder(path)
    try:
        counter = os.open(f"{path}.tickets", os.O_RDWR | os.O_CREAT, 0o660)
    except OSError:
        return 0, -1, []
    descriptor = -1
    try:
        fcntl.flock(counter, fcntl.LOCK_EX)  # held for a few system calls; a killed holder releases it
        text = os.pread(counter, _DIGITS + 1, 0).strip()
        number = (int(text) if text.isdigit() else 0) + 1
        os.pwrite(counter, f"{number:0{_DIGITS}d}\n".encode(), 0)
        try:
            os.mkfifo(_name(folder, number), 0o660)
        except FileNotFoundError:
            os.makedirs(folder, 0o770, exist_ok=True)
            os.mkfifo(_name(folder, number), 0o660)
        # Read and write, so that opening never blocks and the FIFO has a reader for as long as we live.
        descriptor = os.open(_name(folder, number), os.O_RDWR | os.O_NONBLOCK)
        fcntl.flock(descriptor, _FREE)  # locked before anyone can see it
        earlier = sorted((int(n) for n in os.listdir(folder) if n.isdigit() and int(n) < number), reverse=True)
    except OSError:
        if descriptor >= 0:
            os.close(descriptor)
        return 0, -1, []
    finally:
        os.close(counter)
    return number, descriptor, earlier


def _ended(name: str) -> bool:
    """True when the ticket's FIFO is gone or unlocked (its writer went on, gave up or died); removes a dead one."""
    try:
        descriptor = os.open(name, os.O_RDWR | os.O_NONBLOCK)
    except FileNotFoundError:
        return True
    try:
        if not _try(descriptor):
            return False
    finally:
        os.close(descriptor)
    try:
        os.unlink(name)  # its writer died (one that goes on removes its FIFO first)
    except FileNotFoundError:
        pass
    return True


def _wake_first(folder: str) -> None:
    """Wake the first live writer in the queue: a byte in its FIFO (a dead one's FIFO has no reader)."""
    try:
        waiting = sorted(int(n) for n in os.listdir(folder) if n.isdigit())
    except OSError:
        return
    for other in waiting:
        try:
            descriptor = os.open(_name(folder, other), os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:  # ENXIO: no reader, its writer died; ENOENT: it went on meanwhile
            if error.errno in (errno.ENXIO, errno.ENOENT):
                continue
            return
        try:
            os.write(descriptor, b".")
        except OSError:  # a full FIFO: it has been woken already
            pass
        finally:
            os.close(descriptor)
        return
