"""Statements' row queries: a statement at a position, a coalition's statements, a frozen version's texts,
who took part. Facts only: which signatures count and the phase are the domain's (`coalition.reads`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from projections.sets import one_of
from projections.statements import endorsements, signatures, statements, translations, versions
from projections.versioned import valid_at


@dataclass(frozen=True, slots=True)
class StatementView:
    """A statement's rows at one position (None: now)."""

    statement: dict[str, Any]
    translations: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    endorsements: list[dict[str, Any]]

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


def view(
    connection: Connection, statement_id: str, position: int | None = None, signatures_too: bool = True
) -> StatementView | None:
    """The statement as it was at `position` (None: now), or None if it did not exist then; without its
    signature rows when not `signatures_too` (a coalition's thousands are read a page at a time)."""
    found = _at(connection, statements, statement_id, position, statements.c.from_position)
    if not found:
        return None
    return StatementView(
        found[0],
        _at(connection, translations, statement_id, position, translations.c.language),
        _at(connection, signatures, statement_id, position, signatures.c.first_signed_at) if signatures_too else [],
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


def participation(
    connection: Connection, coalition_id: str, position: int | None, organisations: frozenset[str] | None = None
) -> dict[str, dict[str, list[Any]]]:
    """Per organisation: the statements opened while it was an active member (their opening positions)
    and its signatures of those statements (statement_id, event_position, version_hash, withdrawn and the
    statement's `current_version_hash`), as the log stood at `position`. Which of them count is the domain's.
    With `organisations`, those organisations' only (their memberships and signatures are all that is read)."""
    from projections.coalitions import memberships  # the membership rows of the same coalition

    opened = (
        select(statements.c.statement_id, statements.c.opened_position, statements.c.version_hash).where(
            statements.c.coalition_id == coalition_id,
            statements.c.opened_position.is_not(None),
            valid_at(statements, position),
        )
    ).subquery()
    member = memberships.c
    joined = (
        select(member.organisation_id, opened.c.statement_id, opened.c.opened_position, opened.c.version_hash)
        .join(opened, member.from_position <= opened.c.opened_position)
        .where(
            member.coalition_id == coalition_id,
            member.state == "active",
            (member.until_position.is_(None)) | (member.until_position > opened.c.opened_position),
        )
    )
    signed = select(
        signatures.c.statement_id,
        signatures.c.organisation_id,
        signatures.c.event_position,
        signatures.c.version_hash,
        signatures.c.status,
    ).where(signatures.c.coalition_id == coalition_id, valid_at(signatures, position))
    if organisations is not None:
        chosen = sorted(organisations)
        joined = joined.where(one_of(connection, member.organisation_id, chosen))
        signed = signed.where(one_of(connection, signatures.c.organisation_id, chosen))
        if position is None:  # "+ 0": found by organisation, not by walking every current signature (SQLite)
            signed = signed.where((signatures.c.until_position + 0).is_(None))
    rows = connection.execute(joined)
    held = {(row.statement_id, row.organisation_id): row for row in connection.execute(signed)}
    result: dict[str, dict[str, list[Any]]] = {}
    for row in rows:
        figures = result.setdefault(row.organisation_id, {"opened": [], "signatures": []})
        figures["opened"].append(row.opened_position)
        signature = held.get((row.statement_id, row.organisation_id))
        if signature is not None:
            figures["signatures"].append(
                {
                    "statement_id": row.statement_id,
                    "event_position": signature.event_position,
                    "version_hash": signature.version_hash,
                    "withdrawn": signature.status == "withdrawn",
                    "current_version_hash": row.version_hash,
                }
            )
    return result
