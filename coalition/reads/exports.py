"""What a statement's PDF export and its verification read besides the statement: the position the
statement read models have reached and the log's hashes there, the coalition's name, the content key."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, union_all
from sqlalchemy.engine import Connection

from coalition.domain.base import NotFound
from events.schema import events as events_table
from projections.base import checkpoints
from projections.coalitions import agreements, memberships
from projections.statements import endorsements, signatures, statements, translations
from projections.versioned import valid_at


def reached(connection: Connection) -> int:
    """The log position the statement read models have reached (0: none yet)."""
    position = connection.execute(select(checkpoints.c.position).where(checkpoints.c.name == "statements")).scalar()
    return int(position or 0)


def log_head(connection: Connection) -> int:
    """The log's last position (0: empty)."""
    query = select(events_table.c.position).order_by(events_table.c.position.desc()).limit(1)
    return int(connection.execute(query).scalar() or 0)


def read_position(connection: Connection) -> tuple[int, str]:
    """The position the statement read models have reached, and the chain hash there."""
    position = reached(connection)
    if not position:
        raise NotFound("the statement read models are empty")
    chain_hash = connection.execute(select(events_table.c.hash).where(events_table.c.position == position)).scalar()
    return int(position), str(chain_hash)


def coalition_name(connection: Connection, coalition_id: str, position: int) -> str:
    """The coalition's agreement name at `position`."""
    return str(
        connection.execute(
            select(agreements.c.name).where(agreements.c.coalition_id == coalition_id, valid_at(agreements, position))
        ).scalar()
        or ""
    )


def content_key(connection: Connection, statement_id: str, language: str | None, *salt: str) -> tuple[str, str] | None:
    """A key that changes whenever anything the PDF shows changes, in one indexed query: the latest
    position among the statement's current rows (text and version, translations, signatures,
    endorsements, the coalition's agreement, whose name it prints, and its memberships, whose states the
    rule on which signatures count is given); `salt` adds what else it
    depends on (the seal, the layout, the verify URL). With it, the language meant (the statement's
    own when None); None when there is no such statement."""
    row = connection.execute(
        select(statements.c.language, statements.c.coalition_id).where(
            statements.c.statement_id == statement_id, valid_at(statements, None)
        )
    ).first()
    if row is None:
        return None
    parts = [
        select(func.max(table.c.from_position)).where(table.c.statement_id == statement_id, valid_at(table, None))
        for table in (statements, translations, signatures, endorsements)
    ]
    parts += [
        select(func.max(table.c.from_position)).where(table.c.coalition_id == row.coalition_id, valid_at(table, None))
        for table in (agreements, memberships)  # its name; the members' states, which signatures count may ask
    ]
    latest = max(position or 0 for position in connection.execute(union_all(*parts)).scalars())
    language = language or row.language
    key = "\n".join([statement_id, language, str(latest), *salt])
    return hashlib.sha256(key.encode()).hexdigest(), language


def event_hashes(connection: Connection, positions: set[int]) -> dict[int, str]:
    """The log's event hashes at these positions."""
    if not positions:
        return {}
    rows = connection.execute(
        select(events_table.c.position, events_table.c.hash).where(events_table.c.position.in_(sorted(positions)))
    )
    return {row.position: row.hash for row in rows}
