"""What the group-commit writer queues: a caller's request, the latch its answer comes by, and the chain links
of a run of plain requests (`events.writer`)."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from events.conditions import AppendCondition
from events.errors import EventStoreError
from events.hashing import ChainFormat
from events.records import AppendResult, Metadata, NewEvent
from events.store import WithinAppend, expect, link

Prepared = list[tuple[NewEvent, int, str]]  # each event with its schema version and payload text

_UNSET: Any = object()


class Answer:
    """A request's outcome, set once by the writer, waited for by its caller: a bare lock as the latch.

    (A `concurrent.futures.Future` does the same through a Python-level condition variable: with sixteen
    callers and the writer under one GIL, its waiting and waking cost more than the append's own work.)
    """

    __slots__ = ("_latch", "_outcome")

    def __init__(self) -> None:
        self._latch = threading.Lock()
        self._latch.acquire()  # held until the outcome is set
        self._outcome: Any = _UNSET

    def set_result(self, result: AppendResult) -> None:
        """The append was recorded (and committed)."""
        self._outcome = result
        self._latch.release()

    def set_exception(self, error: BaseException) -> None:
        """The append was refused, or its batch failed."""
        self._outcome = error
        self._latch.release()

    def done(self) -> bool:
        """Whether the outcome is set."""
        return self._outcome is not _UNSET

    def result(self, timeout: float | None = None) -> AppendResult:
        """The outcome (raised if an error) once set; TimeoutError if not within `timeout` seconds."""
        if not self._latch.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError
        self._latch.release()  # open for good: a later call returns at once
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return cast(AppendResult, self._outcome)

    def awaited(self, writer: threading.Thread, check: float) -> AppendResult:
        """The outcome once `writer` has committed (or failed) the batch; if `writer` ended without taking the request
        (never so by `close`, which waits for appends being admitted: a safety net), an error saying nothing was
        recorded, not a wait for ever (it looks every `check` seconds)."""
        while True:
            try:
                return self.result(timeout=check)
            except TimeoutError:
                if not writer.is_alive() and not self.done():
                    raise EventStoreError(
                        "the store's writer stopped before recording this append: nothing was recorded; try again"
                    ) from None


@dataclass(slots=True)
class Request:
    """One caller's append, the context it was made in, and where its answer goes."""

    new_events: Sequence[NewEvent]
    expected: Mapping[str, int | None] | None
    metadata: Metadata
    idempotency_key: str | None
    within: WithinAppend | None
    prepared: tuple[ChainFormat, Prepared]  # validated by the caller, in its own thread
    conditions: Sequence[AppendCondition] = ()
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    answer: Answer = field(default_factory=Answer)


def link_run(
    run: Sequence[Request],
    opening: tuple[int, str, str, dict[str, int]],
    chain: ChainFormat,
    now: Callable[[], str],
    prepare: Callable[[Request, ChainFormat], Prepared],
) -> tuple[list[tuple[Any, ...]], list[AppendResult | BaseException]]:
    """The rows of a run of plain requests (no personal fields: their stored text is their payload's), each
    checked against the versions as the ones before it left them and chained after them, from `opening` (the
    head's position, hash and time, and the versions of every stream the run names); and each one's outcome.

    A request refused (a conflict, a payload its chain format cannot hold) writes nothing and leaves the
    versions as they were: its outcome is the error, and the run goes on.
    """
    position, previous, last_time, versions = opening
    rows: list[tuple[Any, ...]] = []
    outcomes: list[AppendResult | BaseException] = []
    recorded_at = max(now(), last_time)  # the run is committed together: one time for all of it
    texts: dict[int, tuple[Metadata, str]] = {}  # metadata objects callers share (a default), canonicalised once
    for request in run:
        try:
            expect(request.expected or {}, versions)
            prepared = request.prepared[1] if request.prepared[0] is chain else prepare(request, chain)
            known = texts.get(id(request.metadata))
            if known is None or known[0] is not request.metadata:
                known = texts[id(request.metadata)] = (request.metadata, chain.canonical(request.metadata.to_json()))
            metadata_text = known[1]
        except Exception as error:  # noqa: BLE001 - refused before anything of it was written: it fails alone
            outcomes.append(error)
            continue
        first = position + 1
        stored = [text for _event, _version, text in prepared]
        linked, position, previous = link(
            prepared, stored, chain, metadata_text, recorded_at, position, previous, versions
        )
        rows += linked
        written = dict.fromkeys(event.stream_id for event in request.new_events)
        outcomes.append(AppendResult(first, position, {s: versions[s] for s in written}, previous))
    return rows, outcomes
