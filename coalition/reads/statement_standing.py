"""Where the coalition's statements stand, for its members: counts and deadlines for the lists, when signing
closed, and which active members have not signed yet. Which signatures count is the domain's `policy.counts`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads import signatories
from coalition.reads.statements import counts, organisation_facts, phase
from projections import statements as tables
from projections.coalition_rows import member_states
from projections.statement_rows import StatementView, of_coalition
from projections.versioned import valid_at


def listed(connection: Connection, coalition_id: str, now: datetime) -> list[dict[str, Any]]:
    """The coalition's statements now, newest first, each a statements row with its phase (`state`) at `now`, how
    many signatures count (`counted`, by `policy.counts`), how many are needed (`needed`) and its `signatures` rows."""
    states = member_states(connection, coalition_id, None)
    sig = tables.signatures
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for signed in connection.execute(
        select(sig).where(sig.c.coalition_id == coalition_id, valid_at(sig, None))
    ).mappings():
        held[signed["statement_id"]].append(dict(signed))
    result = []
    for row in of_coalition(connection, coalition_id):
        signatures = held.get(row["statement_id"], [])
        result.append(
            {
                **row,
                "state": phase(row, now),
                "counted": sum(counts(s, row["version_hash"], states) for s in signatures),
                "needed": policy.needed(row["threshold"]),
                "signatures": signatures,
            }
        )
    return result


def closed_at(connection: Connection, found: StatementView, now: datetime) -> str | None:
    """When signing actually closed (an ISO instant): when a facilitator closed it early, else its deadline;
    None while it is still open (or a draft)."""
    s = found.statement
    if phase(s, now) not in ("closed", "published"):
        return None
    if s["close_reason"] == "facilitator":
        t = tables.statements.c
        first = connection.execute(
            select(t.changed_at)
            .where(t.statement_id == s["statement_id"], t.state == "closed")
            .order_by(t.from_position)
            .limit(1)
        ).scalar()
        if first:
            return str(first)
    return str(s["deadline"]) if s["deadline"] else None


def standing(connection: Connection, found: StatementView, now: datetime) -> dict[str, Any]:
    """Where the statement stands, for its coalition's members: when signing closed (`closed_at`) and the
    active members whose signature does not count yet (`waiting`: id and name, by name)."""
    waiting = signatories.not_counting_active(connection, found.statement)
    names = organisation_facts(connection, waiting)
    return {
        "closed_at": closed_at(connection, found, now),
        "waiting": sorted(
            ({"organisation_id": o, "name": names.get(o, {}).get("name") or o} for o in waiting),
            key=lambda w: w["name"].casefold(),
        ),
    }
