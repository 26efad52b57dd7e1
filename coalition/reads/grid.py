"""The objectives × organisations grid: the agreement's objectives by a page of member organisations, each cell
the organisation's commitments to the objective, read from the page's organisations' rows and, for whether each
objective is taken on, counts made in SQL: the same work at 3,000 members as at three."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads.paging import fetched
from coalition.reads.standing import Moment, Snapshot, responsibilities, snapshot
from projections.coalition_rows import members_after, members_in_order
from projections.coalitions import commitments, memberships, tasks
from projections.member_counts import member_count, member_counts
from projections.sets import one_of
from projections.versioned import valid_at

#: Member organisations a page of the objectives grid shows as its columns: a table wider than this cannot be
#: read, on a wide screen or a phone.
GRID_COLUMNS = 20
#: The grid's columns: the organisations that read as members (active or suspended), in one rank, by name.
_COLUMNS = {state: 0 for state in policy.READS_AS_MEMBER}


def committed(coalition_id: str, position: int | None) -> Select[Any]:
    """The query of the organisations with a commitment of the coalition at `position` (None: now) that is not
    withdrawn."""
    c = commitments.c
    return select(c.organisation_id).where(
        c.coalition_id == coalition_id, valid_at(commitments, position), c.state != "withdrawn"
    )


def coverage(connection: Connection, coalition_id: str, position: int | None) -> dict[str | None, dict[str, int]]:
    """For each objective id (None: no objective) at `position` (None: now), its commitments not withdrawn (`live`)
    and its tasks not dropped (`tasked`), of which not closed (`open`): counted in SQL, so that whether an objective
    is taken on reads the same in a coalition of thousands of commitments as in one of three. A task counts for its
    own objective, else for that of the commitment it serves (as `responsibilities` does)."""
    c, t = commitments.c, tasks.c
    found: dict[str | None, dict[str, int]] = {}

    def at(objective: Any) -> dict[str, int]:
        return found.setdefault(objective, {"live": 0, "tasked": 0, "open": 0})

    pledged = (
        select(c.objective_id, func.count())
        .where(c.coalition_id == coalition_id, valid_at(commitments, position), c.state != "withdrawn")
        .group_by(c.objective_id)
    )
    for objective, n in connection.execute(pledged).all():
        at(objective)["live"] += int(n)
    served = (
        select(c.commitment_id, c.objective_id)
        .where(c.coalition_id == coalition_id, valid_at(commitments, position))
        .subquery()
    )
    objective = func.coalesce(t.objective_id, served.c.objective_id)
    tasked = (
        select(objective, t.state, func.count())
        .select_from(tasks.outerjoin(served, served.c.commitment_id == t.commitment_id))
        .where(t.coalition_id == coalition_id, valid_at(tasks, position), t.state != "dropped")
        .group_by(objective, t.state)
    )
    for objective_id, state, n in connection.execute(tasked).all():
        at(objective_id)["tasked"] += int(n)
        if state not in policy.CLOSED_TASK:
            at(objective_id)["open"] += int(n)
    return found


def committed_members(connection: Connection, coalition_id: str, position: int | None) -> int:
    """How many organisations that read as members at `position` (None: now) hold a commitment not withdrawn."""
    m = memberships.c
    query = select(func.count()).where(
        m.coalition_id == coalition_id,
        valid_at(memberships, position),
        m.state.in_(policy.READS_AS_MEMBER),
        m.organisation_id.in_(committed(coalition_id, position).scalar_subquery()),
    )
    return int(connection.execute(query).scalar_one())


def page_of_responsibilities(
    connection: Connection, coalition_id: str, moment: Moment, after: str | None, limit: int
) -> tuple[Snapshot, dict[str, Any]]:
    """`responsibilities` for a page of the coalition's organisations with a membership row (any state, in the order
    of their ids, after `after`): their commitments and tasks by objective (a task serving another page's commitment
    under that commitment's objective), whom of them `organisations` lists (the active and suspended), and whether each
    objective is taken on by anyone (`uncovered`: the whole coalition's, counted in SQL, `coverage`); with `total`
    and the `next_after` of the page. Only the page's organisations' rows are read."""
    chosen = members_after(connection, coalition_id, moment.position, after, limit + 1)
    snap = snapshot(connection, coalition_id, moment, chosen[:limit])
    held = {c["commitment_id"] for c in snap.commitments}
    elsewhere = {t["commitment_id"] for t in snap.tasks if t["commitment_id"] and not t["objective_id"]} - held
    served = _objectives_of(connection, coalition_id, elsewhere, moment.position)  # other pages' commitments
    shown = responsibilities(snap, served)
    covered = coverage(connection, coalition_id, moment.position) if snap.agreement else {}
    for objective in shown["objectives"]:
        counts = covered.get(objective["objective_id"], {})
        objective["uncovered"] = not (counts.get("live") or counts.get("tasked"))
    shown["uncovered"] = [o["objective_id"] for o in shown["objectives"] if o["uncovered"]]
    page = fetched(chosen, str, limit, member_count(connection, coalition_id, moment.position))
    return snap, {**shown, "total": page.total, "next_after": page.next_after}


def _objectives_of(
    connection: Connection, coalition_id: str, ids: set[str], position: int | None
) -> dict[str, str | None]:
    """The objective of each of these commitments at `position` (None: now), by commitment id."""
    if not ids:
        return {}
    c = commitments.c
    query = select(c.commitment_id, c.objective_id).where(
        c.coalition_id == coalition_id,
        one_of(connection, c.commitment_id, sorted(ids)),
        valid_at(commitments, position),
    )
    return {str(row[0]): row[1] for row in connection.execute(query).all()}


def grid(
    connection: Connection, coalition_id: str, moment: Moment, after: str | None, committed_only: bool
) -> dict[str, Any]:
    """A page of the objectives grid at `moment`: each of the agreement's objectives (a row, with whether anyone has
    taken it on and its open tasks: the whole coalition's work, counted in SQL, `coverage`) by up to `GRID_COLUMNS`
    member organisations (the columns, by name, after the one whose id is `after`; `committed_only`: only those
    with a commitment that is not withdrawn), each cell the column's commitments to the row's objective. Reads the
    rows of the page's columns only, not every member's nor every commitment; `snapshot` is the one read, for the
    objectives' progress."""
    position = moment.position
    found = members_in_order(
        connection,
        coalition_id,
        _COLUMNS,
        (0, after) if after else None,
        GRID_COLUMNS + 1,
        states=policy.READS_AS_MEMBER,
        position=position,
        among=committed(coalition_id, position) if committed_only else None,
    )
    snap = snapshot(connection, coalition_id, moment, [str(m["organisation_id"]) for m in found[:GRID_COLUMNS]])
    counts = member_counts(connection, coalition_id, position)
    members = sum(n for state, n in counts.items() if state in policy.READS_AS_MEMBER)
    contributors = committed_members(connection, coalition_id, position) if snap.agreement else 0
    page = fetched(
        found, lambda m: str(m["organisation_id"]), GRID_COLUMNS, contributors if committed_only else members
    )
    columns = [{k: m[k] for k in ("organisation_id", "name", "country", "state")} for m in page.items]
    if snap.agreement is None:
        columns = []
    covered = coverage(connection, coalition_id, position) if snap.agreement else {}
    shared = responsibilities(snap)  # the page's columns' work, as the API's responsibilities endpoint shows it

    def cells(pledged: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        by_column: dict[str, list[dict[str, Any]]] = {o["organisation_id"]: [] for o in columns}
        for c in pledged:
            if c["state"] != "withdrawn" and c["organisation_id"] in by_column:
                by_column[c["organisation_id"]].append(
                    {**c, "shown": "overdue" if c["overdue"] else c["state"], "due": date.fromisoformat(c["due_on"])}
                )
        return list(by_column.values())

    nothing = {"live": 0, "tasked": 0, "open": 0}
    rows = [
        {
            "number": n,
            "text": o["text"],
            "uncovered": not (
                covered.get(o["objective_id"], nothing)["live"] or covered.get(o["objective_id"], nothing)["tasked"]
            ),
            "cells": cells(o["commitments"]),
            "tasks": covered.get(o["objective_id"], nothing)["open"],
        }
        for n, o in enumerate(shared["objectives"], 1)
    ]
    unlinked = cells(shared["unlinked"]["commitments"])
    return {
        "snapshot": snap,
        "columns": columns,
        "rows": rows,
        "unlinked": unlinked if any(unlinked) else None,
        "members": members,
        "committed": contributors,
        "total": page.total if columns else 0,
        "next_after": page.next_after if columns else None,
    }
