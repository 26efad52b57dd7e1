"""What a statement's PDF export and its verification read besides the fold (`reads.logged`): the log's
head and hashes, and the export's content key, all from the log itself, never from the read models."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection

from coalition.domain import coalition_state, statement_state
from coalition.domain.dates import readable_moment
from coalition.domain.event_types import registry
from events.personal import readable
from events.schema import events as events_table
from projections.sets import one_of


def log_head(connection: Connection) -> tuple[int, str]:
    """The log's last position and its chain hash ((0, "") when empty)."""
    query = select(events_table.c.position, events_table.c.hash).order_by(events_table.c.position.desc()).limit(1)
    row = connection.execute(query).first()
    return (0, "") if row is None else (int(row.position), str(row.hash))


def _payload(connection: Connection, stream_id: str, *where: ColumnElement[bool]) -> dict[str, object] | None:
    e = events_table.c
    row = connection.execute(
        select(e.stream_id, e.type, e.schema_version, e.payload)
        .where(e.stream_id == stream_id, *where)
        .order_by(e.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return dict(readable(registry, connection, row.stream_id, row.type, row.schema_version, row.payload)[1])


def content_key(connection: Connection, statement_id: str, language: str | None, *salt: str) -> tuple[str, str] | None:
    """A key that changes whenever anything the PDF shows may change, from the log in three indexed
    queries: the versions of the statement's stream (texts, signatures, endorsements, state) and of its
    coalition's (its name; the members' states, which the rule on counting is given). Organisations'
    streams are left out: what the PDF prints of them (name, country) is fixed when they are created.
    `salt` adds what else it depends on (the seal, the layout, the rules, the verify URL). With it, the
    language meant (the statement's own when None); None when there is no such statement."""
    stream = statement_state.stream(statement_id)
    drafted = _payload(connection, stream, events_table.c.version == 1)
    if drafted is None:
        return None
    revised = _payload(connection, stream, events_table.c.type == "DraftRevised")
    own = str((revised or drafted)["language"])
    coalition = coalition_state.stream(str(drafted["coalition_id"]))
    versions = dict(
        connection.execute(
            select(events_table.c.stream_id, func.max(events_table.c.version))
            .where(events_table.c.stream_id.in_([stream, coalition]))
            .group_by(events_table.c.stream_id)
        ).all()
    )
    language = language or own
    parts = [statement_id, language, str(versions.get(stream, 0)), str(versions.get(coalition, 0)), *salt]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), language


def event_hashes(connection: Connection, positions: set[int]) -> dict[int, str]:
    """The log's event hashes at these positions."""
    if not positions:
        return {}
    rows = connection.execute(
        select(events_table.c.position, events_table.c.hash).where(
            one_of(connection, events_table.c.position, sorted(positions))
        )
    )
    return {row.position: row.hash for row in rows}


def deadline_passed(connection: Connection, statement_id: str, now: datetime) -> bool:
    """Whether the statement's last opening set a deadline that has come by `now`: its phase (and what its PDF
    says of it) then changes without an event, so the export's content key takes this in as well."""
    opened = _payload(connection, statement_state.stream(statement_id), events_table.c.type == "StatementOpened")
    deadline = opened.get("deadline") if opened else None
    return bool(deadline) and now >= readable_moment(datetime.fromisoformat(str(deadline)))
