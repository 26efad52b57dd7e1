"""Group commit: one writer thread per process, a bounded first-come-first-served queue, one commit per batch.

With synchronous=FULL (and on PostgreSQL with synchronous_commit=on) every commit waits for the
disk, and every writer of a process would otherwise race for the write lock on its own. Here the
callers of `append` queue their request and block; the writer thread takes the requests waiting,
in the order they came, and records them in one transaction: one lock, one commit, one fsync.

Requests are recorded in order, each seeing the ones before it in the batch as if they were
committed. A request with a `within`, conditions, an idempotency key or personal fields runs the whole of
`EventStore.append` on the batch's connection inside its own savepoint: if it fails (a conflict,
its `within` raising) only its savepoint is rolled back and only its caller gets the error. Plain
requests that come one after another share one read of the head and of their streams' versions,
are checked and chained in memory (the same `expect` and `link` as `EventStore.append`) and are
written by one multi-row insert; one refused before anything of it was written (a conflict) fails
alone, an error from the insert fails the whole batch.

Every caller is answered after the commit returns, so an acknowledged append is durable;
if the commit fails, or the process dies first, nothing of the batch is in the log and no caller
was told otherwise.

Opt-in (`GroupCommitStore` in place of `EventStore`; docs/reliability.md): it pays off only where one
process has many threads appending at once (threaded servers, importers), not under sync gunicorn workers.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.engine import Connection, Engine

from events.batching import Request, link_run
from events.conditions import AppendCondition
from events.errors import ConcurrencyConflict, EmptyAppend, EventStoreError, WriterBusy
from events.hashing import ChainFormat
from events.records import AppendResult, Metadata, NewEvent
from events.registry import Registry
from events.store import EventStore, WithinAppend, format_time

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection

#: How many appends may wait for the writer before the next is refused with WriterBusy.
QUEUE_SIZE = 256
#: How many waiting appends one transaction takes at most (a bound on the work one rollback undoes).
MAX_BATCH = 64
#: How long the writer waits for more requests when fewer wait than its last batch held (seconds):
#: under a steady crowd of writers, the ones just answered come back within this and share the next
#: commit. Sixteen callers under one GIL take about 0.5-0.8 ms to come back (each validates its next
#: append first); at 0.3 ms batches split in two (8-15 of `bench store`'s 16 writers), at 2 ms nearly
#: all 16 share each commit (docs/benchmarks.md). It ends as soon as as many as last time are in; a lone
#: writer (last batch of one), or the first to come after the writer sat idle `QUIET_SECONDS`, never waits.
GATHER_SECONDS = 0.002
#: How long the writer sits idle before it takes the crowd to have gone (callers that think between their appends,
#: request handlers say, come back after more than `gather` and still share commits if they come together).
QUIET_SECONDS = 1.0
#: How often a caller waiting for its answer checks that the writer is still there.
STOPPED_CHECK_SECONDS = 0.5

_STOP = object()
#: Every store, so that a forked child starts with none of its parent's writer threads, queues or locks.
_STORES: weakref.WeakSet[GroupCommitStore] = weakref.WeakSet()


def _forked() -> None:
    for store in list(_STORES):
        store._no_writer()


os.register_at_fork(after_in_child=_forked)


class GroupCommitStore(EventStore):
    """An EventStore whose appends (those not given a connection) go through one writer thread per process."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        *,
        queue_size: int = QUEUE_SIZE,
        max_batch: int = MAX_BATCH,
        gather: float = GATHER_SECONDS,
        retry_after: int = 1,
        **options: Any,
    ) -> None:
        super().__init__(engine, registry, **options)
        if queue_size < 1 or max_batch < 1 or gather < 0:
            raise ValueError("queue_size and max_batch must be at least 1, gather at least 0")
        self.queue_size, self.max_batch, self.retry_after, self.gather = queue_size, max_batch, retry_after, gather
        self.commits = self.batched = self.largest_batch = 0  # what the writer did, for benchmarks and tests
        self._current: Request | None = None  # the request the writer is recording
        self._no_writer()
        _STORES.add(self)

    def _no_writer(self) -> None:
        """No writer thread yet (at the start, and in a forked child: the parent's locks may have been mid-use)."""
        self._thread: threading.Thread | None = None
        # A SimpleQueue (in C: no Python-level lock or condition, which cost sixteen callers more than the append's
        # own work under one GIL); `_admitting` keeps its bound.
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._admitting, self._starting, self._pid = threading.Lock(), threading.Lock(), os.getpid()

    def append(
        self,
        new_events: Sequence[NewEvent],
        *,
        expected: Mapping[str, int | None] | None = None,
        metadata: Metadata = Metadata(),
        idempotency_key: str | None = None,
        within: WithinAppend | None = None,
        connection: Connection | None = None,
        conditions: Sequence[AppendCondition] = (),
    ) -> AppendResult:
        """As `EventStore.append`; without a `connection`, queued for the writer and answered after its commit;
        refused at once (WriterBusy, recording nothing) when `queue_size` appends are already waiting."""
        if connection is not None:  # the caller's own transaction (holding the lock): not ours to batch
            return super().append(
                new_events,
                expected=expected,
                metadata=metadata,
                idempotency_key=idempotency_key,
                within=within,
                connection=connection,
                conditions=conditions,
            )
        if not new_events:
            raise EmptyAppend()
        if threading.current_thread() is self._thread:
            raise EventStoreError("an append inside a batch must use the connection its `within` was given")
        chain, new_events = self._chain, list(new_events)
        # Validating here (a bad payload is refused without queueing) overlaps with the writer's fsync.
        prepared = (chain, super()._prepare(new_events, chain))
        request = Request(new_events, expected, metadata, idempotency_key, within, prepared, conditions)
        while True:
            waiting, writer = self._running()
            with self._admitting:  # `close` stops a writer under it too: never queued behind its stop
                if writer is not self._thread:  # closed since `_running`: a new writer takes it
                    continue
                if waiting.qsize() >= self.queue_size:
                    raise WriterBusy(waiting.qsize(), self.retry_after)
                waiting.put(request)
                break
        return request.answer.awaited(writer, STOPPED_CHECK_SECONDS)

    def waiting(self) -> int:
        """How many appends wait for the writer now (not counting the batch it is recording)."""
        return self._queue.qsize()

    def close(self) -> None:
        """Record what is queued, then stop the writer thread (a later append starts another)."""
        with self._starting, self._admitting:  # appends admitted before are recorded; later ones, by a new writer
            thread, self._thread = self._thread, None
            if thread is not None and thread.is_alive() and self._pid == os.getpid():
                self._queue.put(_STOP)
                thread.join()

    def _running(self) -> tuple[queue.SimpleQueue[Any], threading.Thread]:
        """The writer's queue and thread, starting one first if this process has none (the first append, a
        forked child's first: `_no_writer` ran in the child before any of its threads could)."""
        thread = self._thread
        if thread is not None and self._pid == os.getpid():
            return self._queue, thread
        if self._pid != os.getpid():  # a fork that ran no at-fork handlers (a C-level fork): reset here instead
            self._no_writer()
        with self._starting:
            if self._thread is None:
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._queue,), name="events-writer", daemon=True
                )
                self._thread.start()
            return self._queue, self._thread

    def _run(self, waiting: queue.SimpleQueue[Any]) -> None:
        """Take the waiting requests in the order they came, up to `max_batch` at a time, and record them.

        When fewer are waiting than the last batch held, wait up to `gather` seconds for as many; unless the
        writer sat idle `QUIET_SECONDS` (or `gather`, if longer) before this batch's first request came.
        """
        last = 1
        while True:
            idle = time.monotonic()
            item = waiting.get()
            if time.monotonic() - idle > max(self.gather, QUIET_SECONDS):  # the crowd has gone: nobody to wait for
                last = 1
            batch: list[Request] = []
            deadline = 0.0
            while item is not _STOP:
                batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = waiting.get_nowait()
                    continue
                except queue.Empty:
                    if len(batch) >= last or not self.gather:
                        break
                deadline = deadline or time.monotonic() + self.gather
                try:
                    item = waiting.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            if batch:
                last = len(batch)
                self._record(batch)
            if item is _STOP:
                return

    def _record(self, batch: list[Request]) -> None:
        """One transaction for the batch; answers only after the commit.

        Plain requests (`_plain_request`: no `within`, conditions, idempotency key or personal fields) in a row are
        recorded together: one read of the head and of their streams' versions, the checks and the chain
        links made in memory in order, one multi-row insert. Any other request runs the whole append in
        a savepoint of its own. A request refused before anything was written (a conflict) fails alone;
        an error from the insert (or any error once the run was linked) fails the batch: nothing of it is
        recorded and every caller is told.
        """
        outcomes: list[AppendResult | BaseException] = []
        try:
            with (
                self.transaction() as connection,
                closing(cast("DBAPIConnection", connection.connection.dbapi_connection).cursor()) as cursor,
            ):
                plain: list[Request] = []
                for request in batch:
                    if self._plain_request(request):
                        plain.append(request)
                        continue
                    outcomes += self._plain(cursor, connection, plain)
                    plain = []
                    outcomes.append(self._alone(cursor, connection, request))
                outcomes += self._plain(cursor, connection, plain)
        except BaseException as error:  # noqa: BLE001 - the batch as a whole: rolled back, every caller told
            for request in batch:  # (the thread goes on: a caller left waiting would wait for ever)
                request.answer.set_exception(error)
            return
        self.commits += 1
        self.batched += len(batch)
        self.largest_batch = max(self.largest_batch, len(batch))
        for request, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                request.answer.set_exception(outcome)
            else:
                request.answer.set_result(outcome)

    def _plain_request(self, request: Request) -> bool:
        """May the request be recorded with its neighbours (`_plain`)? Not with a `within`, conditions or an
        idempotency key, nor with personal fields: sealing them may refuse it (an erased person) after a key was
        made, which only a savepoint of its own undoes for it alone."""
        return (
            request.within is None
            and not request.conditions
            and request.idempotency_key is None
            and not any(self.registry.personal.of(event.type) for event in request.new_events)
        )

    def _alone(self, cursor: Any, connection: Connection, request: Request) -> AppendResult | BaseException:
        """One request's whole append in a savepoint, rolled back alone if it fails."""
        cursor.execute("SAVEPOINT appended")
        try:
            outcome: AppendResult | BaseException = request.context.run(self._one, request, connection)
        except Exception as error:
            cursor.execute("ROLLBACK TO SAVEPOINT appended")
            outcome = error
        cursor.execute("RELEASE SAVEPOINT appended")
        return outcome

    def _plain(self, cursor: Any, connection: Connection, run: list[Request]) -> list[AppendResult | BaseException]:
        """Record a run of plain requests in order with one read and one insert (see `_record`)."""
        if not run:
            return []
        streams = [s for r in run for s in (*(e.stream_id for e in r.new_events), *(r.expected or {}))]
        _none, opening, _keys = self._sql.open_append(cursor, streams, None, begin=False)
        if not self._settled or opening[0] == 0:  # the log's chain format is not known yet: the whole append settles it
            return [self._alone(cursor, connection, request) for request in run]
        rows, outcomes = link_run(run, opening, self._chain, lambda: format_time(self.clock()), self._prepare_for)
        if rows:
            try:
                cursor.executemany(self._sql.insert_events, rows)
            except self.engine.dialect.loaded_dbapi.IntegrityError:
                # Only possible if something appended without the lock; still a conflict (for the whole batch).
                stream = rows[0][1]
                raise ConcurrencyConflict(stream, rows[0][2] - 1, -1) from None
        return outcomes

    def _prepare_for(self, request: Request, chain: ChainFormat) -> list[tuple[NewEvent, int, str]]:
        """The request's events validated again for `chain` (the caller prepared them for another format)."""
        return EventStore._prepare(self, request.new_events, chain)

    def _one(self, request: Request, connection: Connection) -> AppendResult:
        """One request's append on the batch's connection (which holds the append lock)."""
        self._current = request
        try:
            return EventStore.append(
                self,
                request.new_events,
                expected=request.expected,
                metadata=request.metadata,
                idempotency_key=request.idempotency_key,
                within=request.within,
                connection=connection,
                conditions=request.conditions,
            )
        finally:
            self._current = None

    def _prepare(self, new_events: Sequence[NewEvent], chain: ChainFormat) -> list[tuple[NewEvent, int, str]]:
        """What the caller validated already, when the writer records its request in the same chain format."""
        request = self._current
        if request is not None and request.new_events is new_events and request.prepared[0] is chain:
            return request.prepared[1]
        return super()._prepare(new_events, chain)
