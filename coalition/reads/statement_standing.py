"""Where the coalition's statements stand, for its members: counts and deadlines for the lists, when signing
closed, and which active members have not signed yet. Which signatures count is the domain's `policy.counts`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads import signatories
from coalition.reads.paging import PAGE_SIZE, Page
from coalition.reads.statements import phase
from projections import statements as tables
from projections.sets import one_of
from projections.statement_rows import StatementView, of_coalition
from projections.tallies import tallies
from projections.versioned import valid_at


def listed(
    connection: Connection, coalition_id: str, now: datetime, organisations: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The coalition's statements now, newest first, each a statements row with its phase (`state`) at `now`, how
    many signatures count (`counted`, by `policy.counts`), how many are needed (`needed`) and its `signatures` rows
    (with `organisations`: those organisations' rows only, all that a list asks of them).

    The count reads no signature: it is the statements' tallies (`projections.tallies`: signatures counted by
    the facts `policy.counts` looks at), the rule asked once per tally, as the statement page counts them."""
    sig = tables.signatures
    rows = of_coalition(connection, coalition_id)
    t = tallies.c
    kept: dict[str, list[Any]] = defaultdict(list)
    for tally in connection.execute(
        select(t.statement_id, t.version_hash, t.withdrawn, t.member_state, t.signatures).where(
            one_of(connection, t.statement_id, [row["statement_id"] for row in rows])
        )
    ):
        kept[tally.statement_id].append(tally)
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    query = select(sig).where(sig.c.coalition_id == coalition_id)
    if organisations is None:
        query = query.where(valid_at(sig, None))
    else:  # "+ 0": found by organisation, not by walking every current signature (SQLite)
        query = query.where(
            one_of(connection, sig.c.organisation_id, sorted(set(organisations))), (sig.c.until_position + 0).is_(None)
        )
    for signed in connection.execute(query).mappings():
        held[signed["statement_id"]].append(dict(signed))
    result = []
    for row in rows:
        current = row["version_hash"]
        result.append(
            {
                **row,
                "state": phase(row, now),
                "counted": sum(
                    tally.signatures
                    for tally in kept.get(row["statement_id"], [])
                    if policy.counts(tally.version_hash, bool(tally.withdrawn), current, tally.member_state or None)
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


def standing(
    connection: Connection,
    found: StatementView,
    now: datetime,
    after: str | None = None,
    limit: int = PAGE_SIZE,
    groups: list[signatories.Group] | None = None,
) -> dict[str, Any]:
    """Where the statement stands, for its coalition's members: when signing closed (`closed_at`) and, in a phase
    that waits for signatures (`policy.awaits_signatures`), the active members whose signature does not count yet
    (`waiting`: a page of `limit` of them by name after the organisation `after`, each an id and a name, with how
    many there are: `signatories.waiting`, given the statement's `groups` now if the caller has them)."""
    waits = policy.awaits_signatures(phase(found.statement, now))
    return {
        "closed_at": closed_at(connection, found, now),
        "waiting": signatories.waiting(connection, found.statement, after, limit, groups)
        if waits
        else Page([], 0, None),
    }
