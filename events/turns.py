"""The SQLite writers' queue: first come, first served across processes, bounded, and safe if a process dies.

Every writer (a gunicorn worker's request, a CLI, the group-commit writer's thread) takes a ticket before
it begins a write transaction: under a short `flock` on the lock file it reads the counter kept there,
writes the next number back, and makes and locks its own file `<number>` (a FIFO) in the queue folder
beside it. It then waits until every earlier ticket's file is unlocked or gone, and keeps its own locked
until its transaction ends. The kernel releases a `flock` when its process dies, however it dies, so a
killed writer or a killed waiter stops counting at once: the writers behind it skip its file (and remove it).

Order: tickets are numbered in the order their writers came, and none begins before every earlier ticket
has ended, so writers go in arrival order whoever wins a race for the CPU. (A bare `flock` retried with
LOCK_NB, what this replaces, let a writer lose the race many times in a row; docs/benchmarks.md.)

Hand-over: a writer that ends (or gives up) writes a byte into the FIFO of the first live ticket after
its own, which wakes that writer at once; a waiter also looks on its own every `LOOK_SECONDS`, which is
how it notices a writer ahead of it that died without waking anyone.

Bound: a writer that has waited `wait` seconds leaves the queue and raises `WriterQueueTimeout` (a
`WriterBusy`: 503 with Retry-After at the edge), having recorded nothing.

The queue only orders writers; SQLite's write lock (BEGIN IMMEDIATE with a busy timeout) is what keeps
them apart. Where the lock file, folder or FIFO cannot be made (another user's, a read-only place, a
system without FIFOs or `flock` on them), a writer goes on without queueing and SQLite's busy timeout decides.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from events.engine import is_sqlite
from events.errors import WriterQueueTimeout

#: How long a SQLite writer waits for its turn before it is refused (WriterQueueTimeout, nothing recorded).
WRITER_QUEUE_SECONDS = 10.0
#: How often a waiter looks at the writer ahead of it unwoken (how soon a killed one is noticed).
LOOK_SECONDS = 0.01
_DIGITS = 20  # ticket numbers are written with this many digits, so that names sort as numbers


def writer_lock_path(engine: Engine) -> str | None:
    """The lock file SQLite writers queue on (beside the database file); None for PostgreSQL or memory."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return None
    return f"{engine.url.database}-writer.lock"


def queue_folder(path: str) -> str:
    """The folder holding one locked FIFO per writer waiting or writing."""
    return f"{path}.queue"


def _name(folder: str, number: int) -> str:
    return os.path.join(folder, f"{number:0{_DIGITS}d}")


@contextmanager
def queued(path: str | None, wait: float | None = None) -> Iterator[None]:
    """Wait for this writer's turn in the queue at `path` (first come, first served), hold it, then hand on.

    `wait`: the bound in seconds (WRITER_QUEUE_SECONDS when None).
    """
    wait = WRITER_QUEUE_SECONDS if wait is None else wait
    ticket = None if path is None else _take_ticket(path)
    if path is None or ticket is None:  # no queue here: SQLite's busy timeout decides
        yield
        return
    folder = queue_folder(path)
    number, descriptor, earlier = ticket
    try:
        _wait_for(folder, descriptor, earlier, time.monotonic() + wait, wait)
        yield
    finally:
        try:
            os.unlink(_name(folder, number))  # first: a writer looking for it later finds nothing to wait for
        except FileNotFoundError:
            pass
        os.close(descriptor)  # releases the lock
        _wake_next(folder, number)


def _take_ticket(path: str) -> tuple[int, int, list[int]] | None:
    """A new ticket: its number, the descriptor holding its FIFO's lock, and the earlier tickets, newest first."""
    folder = queue_folder(path)
    try:
        counter = os.open(path, os.O_RDWR | os.O_CREAT, 0o660)
    except OSError:
        return None
    descriptor = -1
    try:
        fcntl.flock(counter, fcntl.LOCK_EX)  # held for a few system calls; a killed holder releases it
        text = os.pread(counter, _DIGITS + 1, 0).strip()
        number = (int(text) if text.isdigit() else 0) + 1
        try:
            os.mkfifo(_name(folder, number), 0o660)
        except FileNotFoundError:
            os.makedirs(folder, 0o770, exist_ok=True)
            os.mkfifo(_name(folder, number), 0o660)
        # Read and write, so that opening never blocks and the FIFO always has a reader while we live.
        descriptor = os.open(_name(folder, number), os.O_RDWR | os.O_NONBLOCK)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # locked before anyone can see it
        os.pwrite(counter, f"{number:0{_DIGITS}d}\n".encode(), 0)
        earlier = sorted((int(n) for n in os.listdir(folder) if n.isdigit() and int(n) < number), reverse=True)
    except OSError:
        if descriptor >= 0:
            os.close(descriptor)
        return None
    finally:
        os.close(counter)
    return number, descriptor, earlier


def _wait_for(folder: str, descriptor: int, earlier: list[int], deadline: float, wait: float) -> None:
    """Return once no earlier ticket is held; raise WriterQueueTimeout past the deadline.

    `earlier` is newest first: the writer just before this one is waited for first; once it has ended,
    those before it have usually ended too, and only one that died while waiting can still be held.
    """
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    for position, other in enumerate(earlier):
        while not _ended(_name(folder, other)):
            left = deadline - time.monotonic()
            if left <= 0:
                ahead = sum(not _ended(_name(folder, e)) for e in earlier[position:])
                raise WriterQueueTimeout(ahead, wait)
            if poller.poll(min(LOOK_SECONDS, left) * 1000):
                try:
                    os.read(descriptor, 512)  # the wake-ups sent so far
                except BlockingIOError:
                    pass


def _ended(name: str) -> bool:
    """True when the ticket's FIFO is gone or unlocked (its writer ended, gave up or died); removes a dead one."""
    try:
        descriptor = os.open(name, os.O_RDWR | os.O_NONBLOCK)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    try:
        os.unlink(name)  # its writer died (one that ends removes its FIFO first)
    except FileNotFoundError:
        pass
    return True


def _wake_next(folder: str, number: int) -> None:
    """Wake the first live writer after ticket `number`: a byte in its FIFO (a dead one's FIFO has no reader)."""
    try:
        later = sorted(int(n) for n in os.listdir(folder) if n.isdigit() and int(n) > number)
    except OSError:
        return
    for other in later:
        try:
            descriptor = os.open(_name(folder, other), os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:  # ENXIO: no reader, its writer died; ENOENT: it ended meanwhile
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
