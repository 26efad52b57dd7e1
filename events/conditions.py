"""Append conditions weaker than an expected version: fail only if a fact the decision read has changed.

An expected version says "nothing at all was appended to this stream since I read it". That is
more than many decisions need: an organisation signing a statement reads the statement's phase,
deadline and current version and its *own* signature, never the other organisations' signatures.
Two signers would still conflict on the version alone, and under a burst every signer but one
decides twice.

An `AppendCondition` names instead what may have been appended since the read without touching
the decision: events of the `independent` types whose payload field `key` is not `value`
(another organisation's signature, say). Every other event after `version` is a conflict: a new
event type conflicts until it is listed, so forgetting one costs a retry, never a wrong decision.
This is the Dynamic Consistency Boundary idea (dcb.events), scoped to one stream and written as
its complement (what commutes, not what conflicts).

The store checks the condition inside the append's transaction, under the same lock that orders
every append (SQLite's write lock, PostgreSQL's advisory lock `APPEND_LOCK_KEY`), so no event can
land between the check and the insert. The appended events take the stream's next versions as
always: versions stay contiguous; only the version the decision read may be older than the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from events.errors import ConcurrencyConflict


@dataclass(frozen=True, slots=True)
class AppendCondition:
    """Decided on `stream_id` at `version`; later events conflict unless independent (see the module)."""

    stream_id: str
    version: int
    independent: frozenset[str]  # event types that may land meanwhile...
    key: str  # ...when their payload's `key`...
    value: str  # ...is not `value` (another organisation's, not the deciding one's)
    always: frozenset[str] = frozenset()  # event types the decision never reads at all: whoever's they are

    def admits(self, event_type: str, payload: Mapping[str, Any]) -> bool:
        """True when an event appended after the read leaves the decision as it was."""
        return event_type in self.always or (event_type in self.independent and payload.get(self.key) != self.value)

    def sql(self, placeholder: str) -> str:
        """The events appended to the stream after the read (type, schema version, stored payload)."""
        return (
            f"SELECT type, schema_version, payload FROM events WHERE stream_id = {placeholder} "
            f"AND version > {placeholder} ORDER BY version"
        )


#: The registry's `upcast`: (type, schema version, payload) -> (latest version, payload).
Upcast = Callable[[str, int, dict[str, Any]], tuple[int, dict[str, Any]]]


def check(
    conditions: Iterable[AppendCondition], versions: Mapping[str, int], cursor: Any, placeholder: str, upcast: Upcast
) -> None:
    """Raise ConcurrencyConflict if an event after a condition's read does not commute with its decision.

    `versions`: each stream's version now, read under the append lock. A stream still at the version
    read needs no query. The payload fields a condition reads are never sealed (events/personal.py
    seals only the declared personal fields), so the stored JSON is read as is, upcast to the latest.
    """
    for condition in conditions:
        now = versions.get(condition.stream_id, 0)
        if now == condition.version:
            continue
        if now < condition.version:
            raise ConcurrencyConflict(condition.stream_id, condition.version, now)
        cursor.execute(condition.sql(placeholder), (condition.stream_id, condition.version))
        for event_type, schema_version, payload in cursor.fetchall():
            _version, latest = upcast(event_type, schema_version, json.loads(payload))
            if not condition.admits(event_type, latest):
                raise ConcurrencyConflict(condition.stream_id, condition.version, now)
