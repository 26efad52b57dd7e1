"""How many organisations each coalition holds in each membership state, kept as memberships change.

The coalition home, the members, join, grid and evaluation pages, the API's standing and the statement page's
"not signed yet" all ask how many members a coalition has (or how many are active). Counted from the memberships'
rows, that read grows with the coalition (every current row of it); kept here, it is a row per state (migration
0026). A projection of its own, with its own checkpoint: membership events appended while the counts were not
kept yet (by the code before the migration, during an upgrade) are counted when this one catches up.

A count is the number of the coalition's current membership rows in that state, which is what
`member_counts` below counts "as of" a past position: each event moves one organisation from the state the
memberships projection held for it before the event (none, if it was not in the coalition) to the state the event
leaves it in. A state nobody is in has no row, so the table is the same whether built event by event or rebuilt
from the log in batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Column, Integer, String, Table, bindparam, delete, func, select
from sqlalchemy.engine import Connection

from events import RecordedEvent
from projections.base import IN_LIST, Projection, add_up, metadata
from projections.coalitions import MEMBER_STATE_AFTER, memberships
from projections.versioned import valid_at

counts = Table(
    "coalition_member_counts",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("state", String(20), primary_key=True),
    Column("members", Integer, nullable=False),
)
COUNT_KEY = ("coalition_id", "state")

#: The state each membership event leaves its organisation in (founding makes the founder an active member).
STATE_AFTER = {"CoalitionFounded": "active", **MEMBER_STATE_AFTER}

_m = memberships.c
# The rows some events closed: the organisation's membership as it stood just before the event. Found by the
# memberships' key (coalition, organisation); a row of those that another event closed is left out in Python.
_CLOSED = select(_m.coalition_id, _m.organisation_id, _m.until_position, _m.state).where(
    _m.coalition_id.in_(bindparam("coalition_ids", expanding=True)),
    _m.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
    _m.until_position.in_(bindparam("positions", expanding=True)),
)
_EMPTIED = delete(counts).where(
    counts.c.coalition_id.in_(bindparam("coalition_ids", expanding=True)), counts.c.members <= 0
)


def _states_before(connection: Connection, first: dict[tuple[str, str], int]) -> dict[tuple[str, str], str]:
    """The state each (coalition, organisation) was in just before its first event here (absent: not a member)."""
    wanted = {(c, o, position) for (c, o), position in first.items()}
    found: dict[tuple[str, str], str] = {}
    pairs = sorted(first.items())
    for start in range(0, len(pairs), IN_LIST):
        part = pairs[start : start + IN_LIST]
        bound = {
            "coalition_ids": sorted({c for (c, _), _p in part}),
            "organisation_ids": sorted({o for (_, o), _p in part}),
            "positions": sorted({p for _pair, p in part}),
        }
        for row in connection.execute(_CLOSED, bound):
            if (row.coalition_id, row.organisation_id, row.until_position) in wanted:
                found[(row.coalition_id, row.organisation_id)] = row.state
    return found


class MemberCounts(Projection):
    """Per coalition, how many organisations are in each membership state now. Listed after `Coalitions`, whose
    closed membership rows say what state an organisation left."""

    name = "member_counts"
    tables = (counts,)
    types = frozenset(STATE_AFTER)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Move each organisation the batch touches from its state before the batch to its state after it."""
        first: dict[tuple[str, str], int] = {}
        last: dict[tuple[str, str], str] = {}
        for event in events:
            pair = (event.payload["coalition_id"], event.payload["organisation_id"])
            first.setdefault(pair, event.position)
            last[pair] = STATE_AFTER[event.type]
        if not first:
            return
        before = _states_before(connection, first)
        moved: Counter[tuple[str, str]] = Counter()
        for (coalition_id, organisation_id), state in last.items():
            old = before.get((coalition_id, organisation_id))
            if old == state:
                continue
            if old is not None:
                moved[(coalition_id, old)] -= 1
            moved[(coalition_id, state)] += 1
        changed = [(c, s, n) for (c, s), n in sorted(moved.items()) if n]
        add_up(
            connection,
            counts,
            [{"coalition_id": c, "state": s, "members": n} for c, s, n in changed],
            COUNT_KEY,
            "members",
        )
        emptied = sorted({c for c, _s, n in changed if n < 0})
        if emptied:
            connection.execute(_EMPTIED, {"coalition_ids": emptied})


# a coalition's members counted by state now: a row per state (`projections.member_counts`), built once
_COUNTS_NOW = select(counts.c.state, counts.c.members).where(counts.c.coalition_id == bindparam("coalition_id"))


def member_counts(connection: Connection, coalition_id: str, position: int | None = None) -> dict[str, int]:
    """How many organisations have a membership row at `position` (None: now) in each state, in one query: now, a
    row per state the projection keeps (`projections.member_counts`); at an earlier position, counted."""
    if position is None:
        return {
            str(state): int(n)
            for state, n in connection.execute(_COUNTS_NOW, {"coalition_id": coalition_id}).all()
            if n > 0
        }
    query = (
        select(memberships.c.state, func.count())
        .where(memberships.c.coalition_id == coalition_id, valid_at(memberships, position))
        .group_by(memberships.c.state)
    )
    return {str(state): int(n) for state, n in connection.execute(query).all()}


def member_count(connection: Connection, coalition_id: str, position: int | None = None) -> int:
    """How many organisations have a membership row at `position` (None: now), in any state (`member_counts`: by
    state)."""
    if position is None:
        return sum(member_counts(connection, coalition_id).values())
    query = select(func.count()).where(memberships.c.coalition_id == coalition_id, valid_at(memberships, position))
    return int(connection.execute(query).scalar_one())
