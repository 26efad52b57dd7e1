"""Statements' row queries: a statement at a position, a coalition's statements, a frozen version's texts,
who took part; and the statement's phase at a moment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from projections.statements import endorsements, signatures, statements, translations, versions
from projections.versioned import valid_at


def phase(row: dict[str, Any], now: datetime) -> str:
    """The statement's state as of `now`: open past its deadline reads closed (no job closes it)."""
    if row["state"] == "open" and row["deadline"] and datetime.fromisoformat(row["deadline"]) <= now:
        return "closed"
    return str(row["state"])


@dataclass(frozen=True, slots=True)
class StatementView:
    """A statement's rows at one position (None: now)."""

    statement: dict[str, Any]
    translations: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    endorsements: list[dict[str, Any]]

    def counted(self) -> list[dict[str, Any]]:
        """The signatures that count: signed, on the current version."""
        version = self.statement["version_hash"]
        return [s for s in self.signatures if s["status"] == "signed" and s["version_hash"] == version]

    def texts(self) -> dict[str, dict[str, str]]:
        """Title and body by language, the statement's own language first."""
        own = self.statement
        return {
            own["language"]: {"title": own["title"], "body": own["body"]},
            **{t["language"]: {"title": t["title"], "body": t["body"]} for t in self.translations},
        }


def _at(
    connection: Connection, table: Table, statement_id: str, position: int | None, order: Any
) -> list[dict[str, Any]]:
    query = select(table).where(table.c.statement_id == statement_id, valid_at(table, position)).order_by(order)
    return [dict(row) for row in connection.execute(query).mappings()]


def view(connection: Connection, statement_id: str, position: int | None = None) -> StatementView | None:
    """The statement as it was at `position` (None: now), or None if it did not exist then."""
    found = _at(connection, statements, statement_id, position, statements.c.from_position)
    if not found:
        return None
    return StatementView(
        found[0],
        _at(connection, translations, statement_id, position, translations.c.language),
        _at(connection, signatures, statement_id, position, signatures.c.first_signed_at),
        _at(connection, endorsements, statement_id, position, endorsements.c.endorsed_at),
    )


def of_coalition(connection: Connection, coalition_id: str) -> list[dict[str, Any]]:
    """The coalition's statements now, newest first."""
    query = (
        select(statements)
        .where(statements.c.coalition_id == coalition_id, valid_at(statements, None))
        .order_by(statements.c.drafted_at.desc())
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def version_texts(connection: Connection, statement_id: str, version_hash: str) -> dict[str, Any] | None:
    """A frozen version's number, position and texts, by its hash."""
    row = (
        connection.execute(
            select(versions).where(versions.c.statement_id == statement_id, versions.c.version_hash == version_hash)
        )
        .mappings()
        .first()
    )
    return None if row is None else {**row, "texts": json.loads(row["texts"])}


def participation(connection: Connection, coalition_id: str, position: int | None) -> dict[str, dict[str, list[int]]]:
    """Per organisation: the statements opened while it was an active member (their opening positions)
    and, of those, the ones it has signed (its signature's position), as the log stood at `position`."""
    from projections.coalitions import memberships  # the membership rows of the same coalition

    opened = (
        select(statements.c.statement_id, statements.c.opened_position).where(
            statements.c.coalition_id == coalition_id,
            statements.c.opened_position.is_not(None),
            valid_at(statements, position),
        )
    ).subquery()
    member = memberships.c
    rows = connection.execute(
        select(member.organisation_id, opened.c.statement_id, opened.c.opened_position)
        .join(opened, member.from_position <= opened.c.opened_position)
        .where(
            member.coalition_id == coalition_id,
            member.state == "active",
            (member.until_position.is_(None)) | (member.until_position > opened.c.opened_position),
        )
    )
    current = (
        select(statements.c.statement_id, statements.c.version_hash)
        .where(statements.c.coalition_id == coalition_id, valid_at(statements, position))
        .subquery()
    )
    signed = {
        (row.statement_id, row.organisation_id): row.event_position
        for row in connection.execute(
            select(signatures.c.statement_id, signatures.c.organisation_id, signatures.c.event_position)
            .join(
                current,
                (current.c.statement_id == signatures.c.statement_id)
                & (current.c.version_hash == signatures.c.version_hash),
            )  # counted: on the current version
            .where(
                signatures.c.coalition_id == coalition_id,
                signatures.c.status == "signed",
                valid_at(signatures, position),
            )
        )
    }
    result: dict[str, dict[str, list[int]]] = {}
    for row in rows:
        figures = result.setdefault(row.organisation_id, {"opened": [], "signed": []})
        figures["opened"].append(row.opened_position)
        if (row.statement_id, row.organisation_id) in signed:
            figures["signed"].append(signed[(row.statement_id, row.organisation_id)])
    return result
