"""Command handlers: load the state a rule needs, decide, append with expected versions.

One handler per use case; the API and the pages both call them and neither holds a rule. A handler
gets a `Context` (who acts, on which day, and how a retried request is recognised) and returns
plain data. Everything it appends goes through `Context.append`, one transaction per command.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection

from coalition.domain.base import Change, DomainError
from coalition.infra.extensions import Services, held
from coalition.infra.idempotency import remember
from events import AppendCondition, ConcurrencyConflict, Metadata, NewEvent, RecordedEvent
from events.store import WithinAppend

State = TypeVar("State")
T = TypeVar("T")

#: Ids made from an Idempotency-Key come out the same on every retry of the request.
RETRY_IDS = uuid.UUID("4f1d7a52-6c0b-4c53-9a43-2f0e0e5a7c11")


@dataclass
class Attempt:
    """One run of a command under `retrying`: may its loads take cached states unread, and did they."""

    trusting: bool
    cached: bool = False  # some decision input came from the cache unread
    appended: bool = False  # an append verified what was read (a conflict had it been stale)
    loaded: dict[str, tuple[Any, Any, int]] = field(default_factory=dict)  # stream -> (evolve, state, version) read


#: The run of a command this thread of work is in, if any (`retrying` sets it; `Context.load` reads it).
attempt: ContextVar[Attempt | None] = ContextVar("attempt", default=None)
#: Where the request being served counts its commands' decisions made again after a conflict (`retrying`): the
#: web edge sets a counter per request and logs it (`web.hardening`); None: nobody counts.
redecided: ContextVar[list[int] | None] = ContextVar("redecided", default=None)


def _conflict_met() -> None:
    counter = redecided.get()
    if counter is not None:
        counter[0] += 1


def retrying(services: Services, command: Callable[[], T]) -> T:
    """Run a command; after a conflict, run it once more holding the store's write lock throughout.

    A conflict means only that the facts moved between reading and appending: the statement was
    amended while someone signed it, say (other organisations' signatures do not conflict with a
    signature: see `statements._run`). The first run reads and decides without a lock, so commands
    decide in parallel, and most meet no conflict. The second run reads, decides and appends inside
    one write transaction, so nothing can move under it. Under a burst of commands on one stream,
    the losers of a race would otherwise race again and again. The rules decide again
    on the new facts and may now refuse. A client's own stale `If-Match` is still a 409.

    The first run may decide on states this process has cached, unread (`Context.load(relied=True)`):
    its append verifies them (a stale one is a conflict). A first run that ends without such an append,
    refusing or finding nothing to do, proved nothing, so it is decided again on states read afresh.
    """
    first = Attempt(trusting=True)
    token = attempt.set(first)
    try:
        result = command()
    except ConcurrencyConflict:
        _conflict_met()
        decide_afresh = False
    except DomainError:
        if not first.cached or first.appended:
            raise
        decide_afresh = True
    else:
        if not first.cached or first.appended:
            return result
        decide_afresh = True
    finally:
        attempt.reset(token)
    if decide_afresh:  # decided on cached states that nothing verified: decide again on fresh ones
        try:
            return _fresh(command)
        except ConcurrencyConflict:
            _conflict_met()
    with services.holding():
        return _fresh(command)


def _fresh(command: Callable[[], T]) -> T:
    """Run a command reading every state it loads (each once)."""
    token = attempt.set(Attempt(trusting=False))
    try:
        return command()
    finally:
        attempt.reset(token)


def store_key(user_id: str, key: str) -> str:
    """The store's idempotency key for a user's request key: fixed length, whatever the key's."""
    return "api:" + hashlib.sha256(f"{user_id}\n{key}".encode()).hexdigest()


class Stale(DomainError):
    """The client acted on a version that has since changed (If-Match did not match)."""

    kind = "conflict"


class Rider(Protocol):
    """Bookkeeping that may ride along in a command's append transaction instead of having its own."""

    done: bool

    def write(self, connection: Connection) -> None:
        """Write it in `connection`'s transaction."""


@dataclass
class Context:
    """Who issues a command, on which day, and the request it came in (for retries and tracing)."""

    services: Services
    user_id: str
    today: date
    idempotency_key: str | None = None
    fingerprint: str | None = None
    correlation_id: str | None = None
    if_match: int | None = None  # the version of the aggregate the client last saw, if it said
    now: datetime | None = None  # the store's clock when the request came in; None: noon of `today`
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    recorded: bool = False  # set by `append`: this request's events went into the log (not a twin's before them)
    request_id: str | None = None  # the caller's own request id (X-Request-Id), kept beside our correlation id
    verified: bool | None = None  # whether the user's address is verified, as authentication just read it (None: ask)
    name: str | None = None  # the account's name, as authentication just read it (None: ask; `statements.account_name`)
    rider: Rider | None = None  # bookkeeping to write in the append's transaction, if there is one (a token's last use)

    @property
    def moment(self) -> datetime:
        """The instant commands are decided at (deadlines compare against it)."""
        return self.now if self.now is not None else datetime.combine(self.today, time(12), UTC)

    def new_id(self) -> str:
        """A fresh id; with an Idempotency-Key, the same one each time the request is retried."""
        if self.idempotency_key is None:
            return uuid.uuid4().hex
        return uuid.uuid5(RETRY_IDS, f"{self.user_id}\n{self.idempotency_key}\n{next(self._ids)}").hex

    def check_version(self, stream_id: str, version: int) -> None:
        """Refuse a command made on a version the client no longer has in front of it."""
        if self.if_match is not None and self.if_match != version:
            raise Stale(
                "%(stream)s has changed: you saw version %(seen)s, it is now at %(version)s; reload it and try again",
                stream=stream_id,
                seen=self.if_match,
                version=version,
            )

    def load(
        self, stream_id: str, evolve: Callable[[State | None, Change], State | None], relied: bool = False
    ) -> tuple[State | None, int]:
        """An aggregate's state from its stream, and the version it was read at (folded on from the cache).

        A stream is read at most once per command: a second load gets what the first did. `relied`: the append
        will rely on the version returned (expected, or an append condition), so under `retrying` the process's
        cached state may be taken unread; if another process appended meanwhile, the append is a conflict.
        """
        running = attempt.get()
        if running is None:  # not a request's command (seeding, a script): read as stored now
            return self.services.states.load(self.services.store, stream_id, evolve, held.get())
        known = running.loaded.get(stream_id)
        if known is not None and known[0] is evolve:
            return known[1], known[2]
        peeked = None
        if relied and running.trusting and held.get() is None and self.if_match is None:
            peeked = self.services.states.peek(stream_id, evolve)
        if peeked is not None:
            running.cached = True
            state, version = peeked
        else:
            state, version = self.services.states.load(self.services.store, stream_id, evolve, held.get())
        running.loaded[stream_id] = (evolve, state, version)
        return state, version

    def append(
        self,
        stream_id: str,
        changes: Sequence[Change],
        expected: Mapping[str, int],
        answer: dict[str, Any],
        organisation_id: str | None = None,
        within: WithinAppend | None = None,
        conditions: Sequence[AppendCondition] = (),
    ) -> dict[str, Any]:
        """Record a decision's events on one stream, relying on `expected` and `conditions`; return `answer`.

        `within` writes rows that belong with the events (an invitation's, its e-mail) in their transaction.
        Under `conditions` the events may land after others the decision did not read: the answer's
        `version` is then the stream's version after them, as recorded.

        With an Idempotency-Key, the answer is kept in the same transaction as the events, so a
        retry gets it back even after a crash, and the store's own key stops concurrent twins.
        """
        metadata = Metadata(self.user_id, organisation_id, self.correlation_id, request_id=self.request_id)
        key = self.idempotency_key

        recorded_here: list[RecordedEvent] = []
        rider = self.rider

        def keep_answer(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
            recorded_here[:] = _recorded
            if conditions and "version" in answer:
                answer["version"] = _recorded[-1].version
            if within is not None:
                within(connection, _recorded)
            if key is not None:
                remember(connection, self.user_id, key, self.fingerprint or "", answer)
            if rider is not None and not rider.done:
                rider.write(connection)

        # The answer is fixed before the append (ids are made first), so a retry can be given it again.
        recorded = self.services.append(
            [NewEvent(stream_id, change.type, change.payload) for change in changes],
            expected=expected,
            metadata=metadata,
            idempotency_key=None if key is None else store_key(self.user_id, key),
            within=keep_answer,
            conditions=conditions,
        )
        self.recorded = not recorded.replayed
        if rider is not None and recorded_here:
            rider.done = True
        running = attempt.get()
        if running is not None:
            running.appended = True
            self._remember_appended(running, stream_id, recorded_here)
        return answer

    def _remember_appended(self, running: Attempt, stream_id: str, recorded: Sequence[RecordedEvent]) -> None:
        """Fold this command's own events onto the state it read, for the next command (not inside a held
        transaction, which commits later). Otherwise the cached fold stays distrusted, as `Services.append`
        left it."""
        known = running.loaded.pop(stream_id, None)
        if known is None or not recorded or held.get() is not None:
            return
        evolve, state, version = known
        self.services.states.extend(
            stream_id, evolve, state, version, [e for e in recorded if e.stream_id == stream_id]
        )
