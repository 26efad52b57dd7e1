"""What members and facilitators read: standing, shared responsibilities and the audit history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import g
from marshmallow import ValidationError
from sqlalchemy.engine import Connection

from coalition.accounts import find_user
from coalition.domain.coalition_state import Actor
from coalition.infra.extensions import services
from coalition.reads.access import actor, as_domain, facilitates, require_member_reader, today
from coalition.reads.standing import BadMoment, Moment, Snapshot, resolve, snapshot, span
from coalition.reads.summaries import Names, summary
from projections.audit import AuditLog, Entry, Filters

__all__ = [
    "CSV_COLUMNS",
    "AuditLog",
    "Entry",
    "Filters",
    "as_domain",
    "event_rows",
    "facilitates",
    "member_moment",
    "parse_filters",
    "reader",
    "require_member_reader",
    "snapshot_for_member",
    "today",
]


CSV_COLUMNS = (
    "position",
    "recorded_at",
    "type",
    "actor_id",
    "actor",
    "organisation_id",
    "organisation",
    "subject_organisation_id",
    "subject_organisation",
    "summary",
)


def reader(connection: Connection) -> Actor:
    """The signed-in user (the API's `g.user`), with the organisations they act for today."""
    return actor(connection, g.user.user_id)


def member_moment(connection: Connection, coalition_id: str, as_of: str | None) -> Moment:
    """The moment `as_of` names, for a user who acts for one of the coalition's members."""
    try:
        moment = resolve(connection, as_of, today())
    except BadMoment as error:
        raise ValidationError({"as_of": [str(error)]}) from None
    require_member_reader(connection, coalition_id, reader(connection))
    return moment


def snapshot_for_member(connection: Connection, coalition_id: str, as_of: str | None) -> Snapshot:
    """The coalition at `as_of`, if the user acts for one of its active or suspended members."""
    return snapshot(connection, coalition_id, member_moment(connection, coalition_id, as_of))


def _bound(text: str | None, name: str, end: bool) -> datetime | None:
    """A date or date-time filter, both ends inclusive: `until` a date includes that whole day."""
    if text is None:
        return None
    try:
        covered = span(text)
    except ValueError:
        raise ValidationError(
            {name: ["use an ISO date (2026-03-31) or date-time (2026-03-31T17:00:00Z) between the years 1 and 9998"]}
        ) from None
    return covered.end if end else covered.start


def parse_filters(args: Mapping[str, Any]) -> Filters:
    """The history filters named by `args` (organisation_id, actor, type, since, until); ValidationError if unusable."""
    types = tuple(t.strip() for t in args.get("type", "").split(",") if t.strip())
    unknown = sorted(set(types) - AuditLog.types)
    if unknown:
        raise ValidationError(
            {"type": [f"unknown event types: {', '.join(unknown)}; known: {', '.join(sorted(AuditLog.types))}"]}
        )
    actor = args.get("actor")
    if actor and "@" in actor:
        user = find_user(services().engine, actor)
        actor = user.user_id if user else f"unknown:{actor}"  # nobody by that address: an empty history
    return Filters(
        args.get("organisation_id"),
        actor,
        types,
        _bound(args.get("since"), "since", False),
        _bound(args.get("until"), "until", True),
    )


def event_rows(connection: Connection, coalition_id: str, entries: list[Entry]) -> list[dict[str, Any]]:
    """The history entries as the API, the CSV export and the audit page show them: names and a summary each."""
    names = Names.load(connection, coalition_id, entries)
    return [
        {
            "position": e.position,
            "recorded_at": e.recorded_at,
            "type": e.type,
            "actor_id": e.actor_id,
            "actor": names.person(e.actor_id) if e.actor_id else None,
            "organisation_id": e.organisation_id,
            "organisation": names.organisation(e.organisation_id) if e.organisation_id else None,
            "subject_organisation_id": e.subject_organisation_id,
            "subject_organisation": names.organisation(e.subject_organisation_id)
            if e.subject_organisation_id
            else None,
            "summary": summary(e, names),
            "payload": e.payload,
        }
        for e in entries
    ]
