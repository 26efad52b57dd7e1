"""What members and facilitators read: standing, shared responsibilities and the audit history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.domain.coalition_state import Actor
from coalition.reads.access import as_domain, facilitates, require_member_reader
from coalition.reads.standing import Moment, Snapshot, resolve, snapshot
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
    "require_member_reader",
    "snapshot_for_member",
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


def member_moment(connection: Connection, coalition_id: str, as_of: str | None, reader: Actor, today: date) -> Moment:
    """The moment `as_of` names (`BadMoment` if it names none), for a reader who acts for one of the coalition's
    members (`NotFound`, `NotAllowed` otherwise); `today` is the day a date-less moment means."""
    moment = resolve(connection, as_of, today)
    require_member_reader(connection, coalition_id, reader)
    return moment


def snapshot_for_member(
    connection: Connection, coalition_id: str, as_of: str | None, reader: Actor, today: date, whole: bool = True
) -> Snapshot:
    """The coalition at `as_of`, if the reader acts for one of its active or suspended members: every member's rows,
    or (not `whole`) the reader's organisations' only (for what needs the agreement, or rules about the reader)."""
    moment = member_moment(connection, coalition_id, as_of, reader, today)
    return snapshot(connection, coalition_id, moment, None if whole else reader.acts_for)


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
