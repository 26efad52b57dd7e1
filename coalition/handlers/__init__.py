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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

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


def retrying(services: Services, command: Callable[[], T]) -> T:
    """Run a command; after a conflict, run it once more holding the store's write lock throughout.

    A conflict means only that the facts moved between reading and appending: the statement was
    amended while someone signed it, say (other organisations' signatures do not conflict with a
    signature: see `statements._run`). The first run reads and decides without a lock, so commands
    decide in parallel, and most meet no conflict. The second run reads, decides and appends inside
    one write transaction, so nothing can move under it. Under a burst of commands on one stream,
    the losers of a race would otherwise race again and again. The rules decide again
    on the new facts and may now refuse. A client's own stale `If-Match` is still a 409.
    """
    try:
        return command()
    except ConcurrencyConflict:
        pass
    with services.holding():
        return command()


def store_key(user_id: str, key: str) -> str:
    """The store's idempotency key for a user's request key: fixed length, whatever the key's."""
    return "api:" + hashlib.sha256(f"{user_id}\n{key}".encode()).hexdigest()


class Stale(DomainError):
    """The client acted on a version that has since changed (If-Match did not match)."""

    kind = "conflict"


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

    def load(self, stream_id: str, evolve: Callable[[State | None, Change], State | None]) -> tuple[State | None, int]:
        """An aggregate's state from its stream, and the version it was read at (folded on from the cache)."""
        return self.services.states.load(self.services.store, stream_id, evolve, held.get())

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

        def keep_answer(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
            if conditions and "version" in answer:
                answer["version"] = _recorded[-1].version
            if within is not None:
                within(connection, _recorded)
            if key is not None:
                remember(connection, self.user_id, key, self.fingerprint or "", answer)

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
        return answer
