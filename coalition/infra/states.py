"""Aggregate states kept between commands, so that a long stream is not replayed for every command.

A statement that hundreds of organisations sign, or a coalition with hundreds of members, is a long
stream, and every command on it decides on the whole state. Without this cache each command would
read and fold the whole stream again, and signing would slow down with every signature.

A process keeps the state it last folded for each stream, with the version and hash of the last
event folded into it. The next load reads only that event and the ones after it. If the stored
event still has the same hash, the cached prefix is still the log's: the hash chain covers every
event before it. Only the newer events are then folded on. Otherwise (the database was replaced
or restored underneath the process) the stream is read again from the start.

A command whose append relies on a stream (its version among the append's expected versions, or an
append condition from it) may take the cached state without reading the stream at all (`peek`): if
another process appended to the stream since, the append finds the version moved and raises a
conflict, and the command is decided again on states read afresh (`handlers.retrying`). Such a state
is only offered for `TRUST_FOR` seconds after it was last read or extended by this process's own
append, so a process that was idle decides on a fresh read rather than on a conflict.

States must be immutable values: one cached state is handed to every later command. The domain's
states are frozen dataclasses that the decisions copy and never change (the property tests check
that `decide` leaves the state it is given untouched).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from coalition.domain.base import Change
from events import EventStore, RecordedEvent

State = TypeVar("State")
Evolve = Callable[[Any, Change], Any]

#: How many streams' states a process keeps (least recently used ones are dropped first).
DEFAULT_SIZE = 2048
#: How long after it was read (or extended by an append of this process) a fold is offered unread (`peek`).
TRUST_FOR = 5.0


@dataclass(frozen=True, slots=True)
class Folded:
    """A stream's state after its events up to `version`, the last of which had `hash`."""

    evolve: Evolve
    version: int
    hash: str
    state: Any
    read_at: float = 0.0  # time.monotonic() when the stream was last known to end here; 0: not to be offered unread


class StateCache:
    """Streams' folded states, least recently used dropped first; safe to share between threads."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._folded: OrderedDict[str, Folded] = OrderedDict()
        self._lock = threading.Lock()
        self.folded = 0  # events folded so far (tests look at it)

    def load(
        self,
        store: EventStore,
        stream_id: str,
        evolve: Callable[[State | None, Change], State | None],
        connection: Connection | None = None,
    ) -> tuple[State | None, int]:
        """The stream's state as stored now (as `connection` sees it, if given), and its version (0: none)."""
        with self._lock:
            cached = self._folded.get(stream_id)
            if cached is not None:
                self._folded.move_to_end(stream_id)
        if cached is not None and cached.evolve is not evolve:
            cached = None
        state: State | None = None
        version = 0
        if cached is None:
            events = store.read_stream(stream_id, connection=connection)
        else:
            events = store.read_stream(stream_id, after_version=cached.version - 1, connection=connection)
            if events and events[0].version == cached.version and events[0].hash == cached.hash:
                state, version, events = cached.state, cached.version, events[1:]
            else:  # the stream is not the one this process folded: read it whole, and forget that fold
                events, cached = store.read_stream(stream_id, connection=connection), None
                self._forget(stream_id)
        self.folded += len(events)
        for event in events:
            state = evolve(state, Change(event.type, event.payload))
        if events:
            version = events[-1].version
            self._keep(stream_id, Folded(evolve, version, events[-1].hash, state, time.monotonic()))
        elif cached is not None:  # read, and nothing newer: the fold is the stream's end as of now
            self._keep(stream_id, replace(cached, read_at=time.monotonic()))
        return state, version

    def peek(self, stream_id: str, evolve: Evolve) -> tuple[Any, int] | None:
        """The cached state and version, unread, if recently known to be the stream's end (else None).

        Only for a decision whose append relies on this stream's version: a stale state is then a conflict.
        """
        with self._lock:
            cached = self._folded.get(stream_id)
        if cached is None or cached.evolve is not evolve or time.monotonic() - cached.read_at > TRUST_FOR:
            return None
        return cached.state, cached.version

    def extend(self, stream_id: str, evolve: Evolve, state: Any, version: int, events: Sequence[RecordedEvent]) -> None:
        """Fold this process's own appended `events` onto the `state` at `version` it decided on.

        Kept only if the events follow that version directly (no other process appended in between);
        otherwise the cached fold is no longer offered unread, and the next load reads what it missed.
        """
        if events and events[0].version == version + 1:
            for event in events:
                state = evolve(state, Change(event.type, event.payload))
            self._keep(stream_id, Folded(evolve, events[-1].version, events[-1].hash, state, time.monotonic()))
            return
        self.distrust(stream_id)

    def distrust(self, stream_id: str) -> None:
        """Offer the stream's cached fold no more unread (`peek`): it may be behind the stream now."""
        with self._lock:
            cached = self._folded.get(stream_id)
            if cached is not None:
                self._folded[stream_id] = replace(cached, read_at=0.0)

    def clear(self) -> None:
        """Forget every folded state (after an erasure: the states may hold what can no longer be read)."""
        with self._lock:
            self._folded.clear()

    def _keep(self, stream_id: str, folded: Folded) -> None:
        with self._lock:
            known = self._folded.get(stream_id)
            if known is None or known.version <= folded.version:  # never replace a newer fold by an older one
                self._folded[stream_id] = folded
            self._folded.move_to_end(stream_id)
            while len(self._folded) > self.size:
                self._folded.popitem(last=False)

    def _forget(self, stream_id: str) -> None:
        with self._lock:
            self._folded.pop(stream_id, None)
