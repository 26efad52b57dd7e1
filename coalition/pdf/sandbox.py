"""Check an uploaded PDF's seal in a child process with limits, so that a hostile file costs the server little.

Parsing an upload with pyHanko and checking its signature is the only work done on untrusted bytes. It runs
in `coalition.pdf.checker`, a separate Python process started with `subprocess` (never `fork` of this
possibly threaded process), which limits itself to `MEMORY_BYTES` of address space and `CPU_SECONDS` of
CPU per PDF; here a wall-clock cap of `WALL_SECONDS` kills it if it has not answered. Any of these ending
a check makes the answer None: "could not be checked".

Starting Python and importing pyHanko takes about a second, so each process keeps up to `IDLE` children
waiting between checks (per certificate): a check costs a pipe round trip, not a start. A child that was
killed or ran out of memory is not reused.

At most `concurrency` checks run at once per process (`COALITION_VERIFY_CONCURRENCY`, by default the number of
CPUs), so parallel hostile uploads cost at most that many children's limits; a further check waits up to
`WAIT_SECONDS` for a slot, then is refused with `CheckerBusy` (503, with Retry-After).
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from coalition.domain.base import DomainError
from coalition.pdf.reasons import Reason
from coalition.pdf.seal import SealReport
from coalition.pdf.timestamps import Timestamp

CPU_SECONDS = 10
MEMORY_BYTES = 512 * 1024 * 1024
WALL_SECONDS = 15.0
IDLE = 2
WAIT_SECONDS = 3.0  # how long a check waits for a free slot before it is refused
RETRY_AFTER = 15  # seconds: what a refused check is told (a running check ends within WALL_SECONDS)


class CheckerBusy(DomainError):
    """Every checker slot of this process is taken: the upload is refused for now (503 with Retry-After)."""

    kind = "unavailable"
    retry_after = RETRY_AFTER


HEADER = 8  # as coalition.pdf.checker
ROOT = str(Path(__file__).resolve().parents[2])  # where `coalition` is importable from, whatever the cwd


class Child:
    """One checker process, trusting one certificate."""

    def __init__(self, certificate_der: bytes, cpu: int, memory: int) -> None:
        self.certificate = certificate_der
        path = os.environ.get("PYTHONPATH")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, path]) if path else ROOT}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coalition.pdf.checker", str(cpu), str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=environment,
            close_fds=True,
        )
        self._send(certificate_der)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def _send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(len(data).to_bytes(HEADER, "big") + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the child is gone: the read finds the end of its output

    def ask(self, pdf: bytes, wall: float) -> dict[str, Any] | None:
        """The child's answer for `pdf`, or None when it died or did not answer within `wall` seconds."""
        deadline = time.monotonic() + wall
        # Writing 20 MB into a pipe blocks until the child reads it; a thread keeps the deadline ours.
        threading.Thread(target=self._send, args=(pdf,), daemon=True).start()
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        received = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(descriptor, selectors.EVENT_READ)
            while len(received) < HEADER or len(received) < HEADER + int.from_bytes(received[:HEADER], "big"):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(descriptor, 1 << 20)
                if not chunk:
                    return None
                received += chunk
        answer: dict[str, Any] = json.loads(bytes(received[HEADER:]))
        return answer

    def stop(self) -> None:
        """End the process (killed: it may be stuck in a hostile file) and collect it."""
        if self.alive():
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


_lock = threading.Lock()
_idle: list[Child] = []
_owner = os.getpid()
_concurrency = os.cpu_count() or 1
_slots = threading.BoundedSemaphore(_concurrency)


def limit(concurrency: int | None) -> None:
    """Allow at most `concurrency` checks at once in this process (None or 0: the number of CPUs)."""
    global _concurrency, _slots
    with _lock:
        _concurrency = concurrency or os.cpu_count() or 1
        _slots = threading.BoundedSemaphore(_concurrency)


def slot(wait: float) -> threading.BoundedSemaphore | None:
    """One of the process's checker slots, taken (release it), or None when none came free within `wait` seconds."""
    with _lock:
        _after_fork()
        slots = _slots
    return slots if slots.acquire(timeout=wait) else None


def _after_fork() -> None:
    """In a forked process (a preloading WSGI server) the parent's idle children and taken slots are not ours."""
    global _owner, _slots
    if _owner != os.getpid():
        _idle.clear()
        _owner = os.getpid()
        _slots = threading.BoundedSemaphore(_concurrency)


def _take(certificate_der: bytes) -> Child:
    with _lock:
        _after_fork()
        while _idle:
            child = _idle.pop()
            if child.certificate == certificate_der and child.alive():
                return child
            child.stop()
    return Child(certificate_der, CPU_SECONDS, MEMORY_BYTES)


def _give_back(child: Child) -> None:
    with _lock:
        if len(_idle) < IDLE:
            _idle.append(child)
            return
    child.stop()


@atexit.register
def stop_all() -> None:
    """End the waiting children (they would also end when this process's end closes their input)."""
    with _lock:
        children, _idle[:] = list(_idle), []
    for child in children:
        child.stop()


def warm(certificate_der: bytes) -> None:
    """Start a child now, so the first check does not wait for Python to start."""
    _give_back(_take(certificate_der))


def inspect(certificate_der: bytes, pdf: bytes) -> SealReport | None:
    """The seal report of `pdf` checked in a child process, or None when it could not be checked within the limits;
    `CheckerBusy` when every slot stayed taken for `WAIT_SECONDS`."""
    taken = slot(WAIT_SECONDS)
    if taken is None:
        raise CheckerBusy(
            "every checker is busy with other uploads: nothing was checked, try again in %(seconds)d seconds",
            seconds=RETRY_AFTER,
        )
    try:
        child = _take(certificate_der)
        answer = child.ask(pdf, WALL_SECONDS)
        if answer is None or answer.get("exhausted"):
            child.process.kill()  # now; collecting it is not the uploader's wait
            threading.Thread(target=child.stop, daemon=True).start()
            return None
        _give_back(child)
    finally:
        taken.release()
    proof = answer["proof"]
    return SealReport(
        bool(answer["intact"]),
        bool(answer["ours"]),
        bool(answer["whole_file"]),
        datetime.fromisoformat(answer["signed_at"]) if answer["signed_at"] else None,
        base64.b64decode(proof) if proof is not None else None,
        tuple(Reason.from_plain(reason) for reason in answer["reasons"]),
        answer.get("signer"),
        Timestamp.from_plain(answer.get("timestamp")),
    )
