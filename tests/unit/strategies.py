"""Shared pieces of the property tests: who acts, a checked decision, and the log they write.

`decided` runs a pure decision the way a handler would and checks what every decision owes: it
never changes the state it was given and refuses only with a DomainError. `Log` keeps what was
accepted, in order, so that invariants can recount from it and project it into an in-memory
SQLite database (`projection_database`) to compare the standing view with that recount.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from coalition.domain import (
    statement_events,  # noqa: F401  (registers the statement events)
    work,  # noqa: F401  (registers the commitment and task events)
)
from coalition.domain.base import Change, DomainError
from coalition.domain.coalition import Actor
from coalition.domain.event_types import registry
from coalition.reads.standing import Moment, snapshot, standing
from events import Metadata, RecordedEvent
from projections import Coalitions, Statements, metadata

#: Enough examples to reach deep states in a few seconds; no example database (it would leave a
#: .hypothesis folder behind), so a failure prints the blob that reproduces it; no time limit.
PROPERTY_SETTINGS = settings(
    max_examples=120,
    stateful_step_count=50,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def acting(homes: dict[str, frozenset[str]], organisations: tuple[str, ...]) -> list[Actor]:
    """Each user acting for their own organisations (twice, to weigh it), for none, and for all.

    Acting for none is a revoked mandate; acting for all, a user made administrator everywhere.
    """
    return [
        actor
        for user, home in sorted(homes.items())
        for actor in (
            Actor(user, home),
            Actor(user, home),
            Actor(user, frozenset()),
            Actor(user, frozenset(organisations)),
        )
    ]


def actors(homes: dict[str, frozenset[str]], organisations: tuple[str, ...]) -> st.SearchStrategy[Actor]:
    """Any user, acting for their own organisations, for none or for all."""
    return st.sampled_from(acting(homes, organisations))


def whos(homes: dict[str, frozenset[str]], organisations: tuple[str, ...]) -> st.SearchStrategy[int | Actor]:
    """Who issues a command: mostly an index into the users likely to succeed (the machine lists them), else anyone."""
    pool = acting(homes, organisations)
    return st.sampled_from([0] * len(pool) + [1, 2, 3] * (len(pool) // 4) + pool)


def resolve(who: int | Actor, homes: dict[str, frozenset[str]], holders: Iterable[str], *orgs: str) -> Actor:
    """`who` itself, or the who-th of the users likely to succeed: role `holders` first, then users of `orgs`."""
    if isinstance(who, Actor):
        return who
    first = sorted(set(holders))
    likely = first + sorted({user for user, home in homes.items() if home & set(orgs)} - set(first))
    user = (likely or sorted(homes))[who % len(likely or homes)]
    return Actor(user, homes[user])


def mostly(good: Any, *bad: Any) -> st.SearchStrategy[Any]:
    """Usually `good`, sometimes one of the `bad` values a rule should refuse."""
    return st.sampled_from([good, good, good, *bad])


def decided(decide: Callable[..., list[Change]], *arguments: Any) -> list[Change] | None:
    """The decision's changes, or None if refused; fails if it touched its arguments or raised anything else."""
    before = repr(arguments)  # frozen dataclasses, dicts, dates and strings: the repr shows every value
    try:
        changes = decide(*arguments)
    except DomainError:
        changes = None
    assert repr(arguments) == before, "a decision changed the state it was given"
    for change in changes or []:
        registry.validate(change.type, change.payload)
    return changes


@dataclass
class Log:
    """The accepted events, across streams, in the order a store would give them positions."""

    entries: list[tuple[str, Change, datetime]] = field(default_factory=list)

    def append(self, stream: str, changes: list[Change], at: datetime) -> None:
        """Record a decision's changes on one stream."""
        self.entries.extend((stream, change, at) for change in changes)

    def positioned(self) -> Iterator[tuple[int, Change]]:
        """Each change with its log position (from 1)."""
        for index, (_, change, _) in enumerate(self.entries):
            yield index + 1, change

    def of(self, *types: str) -> list[tuple[int, Change]]:
        """The positioned changes of some types."""
        return [(position, change) for position, change in self.positioned() if change.type in types]

    def recorded(self) -> list[RecordedEvent]:
        """The entries as the store reads them back (payloads through JSON)."""
        versions: dict[str, int] = {}
        result = []
        for index, (stream, change, at) in enumerate(self.entries):
            versions[stream] = versions.get(stream, 0) + 1
            result.append(
                RecordedEvent(
                    index + 1,
                    stream,
                    versions[stream],
                    change.type,
                    1,
                    json.loads(json.dumps(change.payload)),
                    Metadata(),
                    at,
                    f"{index + 1:064x}",
                )
            )
        return result


@pytest.fixture(scope="module")
def projection_database() -> Iterator[Connection]:
    """An in-memory SQLite database holding the projections' tables, dropped after the module's tests."""
    engine = sa.create_engine("sqlite://")
    connection = engine.connect()
    metadata.create_all(connection)
    connection.commit()
    yield connection
    connection.close()
    engine.dispose()


def projected_standing(connection: Connection, log: Log, coalition_id: str, day: date) -> dict[str, dict[str, Any]]:
    """Project the log afresh (coalitions and statements), then read each member's standing row by organisation."""
    recorded = log.recorded()
    for projection in (Coalitions(), Statements()):
        projection.reset(connection)
        projection.apply(connection, [e for e in recorded if e.type in (projection.types or {e.type})])
    connection.commit()
    return {
        row["organisation_id"]: row
        for row in standing(snapshot(connection, coalition_id, Moment(None, day), statements=True))
    }
