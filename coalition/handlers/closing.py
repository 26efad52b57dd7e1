"""Closing one's account: the password confirms it; refused while the person is the last administrator of an
organisation or the last facilitator of a coalition; otherwise, in one transaction, their places end (events on
each organisation and coalition, `coalition.domain.departure`), `AccountClosed` is recorded, and their sessions,
API tokens and reset links end. Their name stays in the log as recorded: erasing it is a separate step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash

from coalition.accounts import _as, sessions, tokens, users
from coalition.accounts.resets import end_links
from coalition.domain import coalition as co
from coalition.domain import departure
from coalition.domain import organisation as org
from coalition.domain.base import Change, DomainError, NotAllowed, RuleBroken
from coalition.infra.extensions import Services
from coalition.reads.places import places_of
from events import Metadata, NewEvent, RecordedEvent
from events.store import format_time


@dataclass
class Plan:
    """What closing the account would record (stream -> events), the versions it relies on, and why it cannot."""

    changes: dict[str, list[Change]] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    refusals: list[DomainError] = field(default_factory=list)


def plan(services: Services, user_id: str, now: datetime, connection: Connection | None = None) -> Plan:
    """Decide, for every organisation and coalition the person holds a place in, what closing their account means."""
    made = Plan()

    def decide(stream: str, evolve: Callable[[Any, Change], Any], leave: Callable[[Any], list[Change]]) -> None:
        state, version = services.states.load(services.store, stream, evolve, connection)
        if state is None:
            return
        try:
            changes = leave(state)
        except RuleBroken as refused:
            made.refusals.append(refused)
            return
        made.expected[stream] = version
        if changes:
            made.changes[stream] = changes

    if connection is None:
        with services.engine.connect() as reading:
            organisations, coalitions = places_of(reading, user_id)
    else:
        organisations, coalitions = places_of(connection, user_id)
    for organisation_id in organisations:
        decide(org.stream(organisation_id), org.evolve, lambda s: departure.leave_organisation(s, user_id, now.date()))
    for coalition_id in coalitions:
        decide(co.stream(coalition_id), co.evolve, lambda s: departure.leave_coalition(s, user_id))
    return made


def close_account(services: Services, user_id: str, password: str, metadata: Metadata = Metadata()) -> str:
    """Close the person's account, confirmed by their password: the time it was closed at.

    NotAllowed for a wrong password; RuleBroken (the first reason, saying what to do) while they are the last
    administrator of an organisation or the last facilitator of a coalition, or if it is closed already.
    """
    with services.engine.connect() as connection:
        row = connection.execute(
            select(users.c.password_hash, users.c.closed_at).where(users.c.user_id == user_id)
        ).first()
    if row is None or not check_password_hash(row.password_hash, password):
        raise NotAllowed("that is not this account's password: closing an account needs it")
    if row.closed_at is not None:
        raise RuleBroken("this account is already closed")
    now = services.store.clock()
    stamp = format_time(now)
    with services.holding() as connection:  # nobody grants them a new place while their places end
        decided = plan(services, user_id, now, connection)
        if decided.refusals:
            raise decided.refusals[0]
        revoked = tokens.revoke_all(connection, user_id, stamp)
        events = [
            *(NewEvent(stream, c.type, c.payload) for stream, changes in decided.changes.items() for c in changes),
            NewEvent(f"user-{user_id}", "AccountClosed", departure.closed(user_id).payload),
            *revoked,
        ]

        def close(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
            connection.execute(update(users).where(users.c.user_id == user_id).values(closed_at=stamp))
            sessions.end_sessions(connection, user_id, now=now)
            end_links(connection, user_id, stamp)

        services.append(events, expected=decided.expected, metadata=_as(metadata, user_id), within=close)
    return stamp
