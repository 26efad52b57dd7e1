"""Where the coalition's statements stand, for its members: counts and deadlines for the lists, when signing
closed, and which active members have not signed yet. Which signatures count is the domain's `policy.counts`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads.statements import counts, organisation_facts, phase
from projections import statements as tables
from projections.coalition_rows import member_states
from projections.coalitions import memberships
from projections.statement_rows import StatementView, of_coalition
from projections.versioned import valid_at


def listed(
    connection: Connection, coalition_id: str, now: datetime, organisations: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The coalition's statements now, newest first, each a statements row with its phase (`state`) at `now`, how
    many signatures count (`counted`, by `policy.counts`), how many are needed (`needed`) and its `signatures` rows
    (with `organisations`: those organisations' rows only, all that a list asks of them).

    The count reads no signature: the signatures are counted in SQL by the facts `policy.counts` looks at (the
    version signed, withdrawn or not, the signer's membership state now) and the rule is asked once per group."""
    sig, member = tables.signatures, memberships
    state = member.c.state
    grouped = connection.execute(
        select(sig.c.statement_id, sig.c.version_hash, sig.c.status, state, func.count())
        .select_from(
            sig.outerjoin(
                member,
                (member.c.coalition_id == sig.c.coalition_id)
                & (member.c.organisation_id == sig.c.organisation_id)
                & member.c.until_position.is_(None),
            )
        )
        .where(sig.c.coalition_id == coalition_id, valid_at(sig, None))
        .group_by(sig.c.statement_id, sig.c.version_hash, sig.c.status, state)
    ).all()
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    query = select(sig).where(sig.c.coalition_id == coalition_id)
    if organisations is None:
        query = query.where(valid_at(sig, None))
    else:  # "+ 0": found by organisation, not by walking every current signature (SQLite)
        query = query.where(sig.c.organisation_id.in_(sorted(set(organisations))), (sig.c.until_position + 0).is_(None))
    for signed in connection.execute(query).mappings():
        held[signed["statement_id"]].append(dict(signed))
    result = []
    for row in of_coalition(connection, coalition_id):
        current = row["version_hash"]
        result.append(
            {
                **row,
                "state": phase(row, now),
                "counted": sum(
                    number
                    for statement_id, version_hash, status, member_state, number in grouped
                    if statement_id == row["statement_id"]
                    and policy.counts(version_hash, status == "withdrawn", current, member_state)
                ),
                "needed": policy.needed(row["threshold"]),
                "signatures": held.get(row["statement_id"], []),
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
    s = found.statement
    states = member_states(connection, s["coalition_id"], None)
    counting = {row["organisation_id"] for row in found.signatures if counts(row, s["version_hash"], states)}
    waiting = {o for o, state in states.items() if state == "active" and o not in counting}
    names = organisation_facts(connection, waiting)
    return {
        "closed_at": closed_at(connection, found, now),
        "waiting": sorted(
            ({"organisation_id": o, "name": names.get(o, {}).get("name") or o} for o in waiting),
            key=lambda w: w["name"].casefold(),
        ),
    }
