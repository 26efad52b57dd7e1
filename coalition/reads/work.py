"""What pages read about work: commitments and tasks as shown, their history, my responsibilities, the grid."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from flask_babel import format_decimal
from sqlalchemy import Select, select, union
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.coalition_state import Actor
from coalition.reads.access import as_domain, reads_as_member
from coalition.reads.paging import fetched
from coalition.reads.standing import Moment, Snapshot, days_overdue, responsibilities, snapshot
from projections.audit import coalition_log
from projections.coalition_rows import member_counts, members_in_order
from projections.coalitions import commitments, memberships, tasks
from projections.versioned import valid_at

#: Open work due within this many days is "due soon" on the responsibilities page (the domain's).
SOON_DAYS = policy.DUE_SOON_DAYS

#: Member organisations a page of the objectives grid shows as its columns: a table wider than this cannot be
#: read, on a wide screen or a phone.
GRID_COLUMNS = 20
#: The grid's columns: the organisations that read as members (active or suspended), in one rank, by name.
_COLUMNS = {state: 0 for state in policy.READS_AS_MEMBER}


def name(snap: Snapshot, organisation_id: str) -> str:
    """A member organisation's name (its id if unnamed)."""
    return str(snap.names.get(organisation_id, {}).get("name") or organisation_id)


def active(snap: Snapshot) -> list[str]:
    """The active members' ids, by name."""
    return sorted((m["organisation_id"] for m in snap.members if m["state"] == "active"), key=lambda o: name(snap, o))


def with_work(connection: Connection, coalition_id: str, position: int | None = None) -> set[str]:
    """The organisations holding a commitment or task of the coalition at `position` (None: now), in any state: whom
    the work pages name."""
    c, t = commitments.c, tasks.c
    query = union(
        select(c.organisation_id).where(c.coalition_id == coalition_id, valid_at(commitments, position)),
        select(t.organisation_id).where(t.coalition_id == coalition_id, valid_at(tasks, position)),
    )
    return set(connection.execute(query).scalars())


def committed(coalition_id: str, position: int | None) -> Select[Any]:
    """The query of the organisations with a commitment of the coalition at `position` (None: now) that is not
    withdrawn."""
    c = commitments.c
    return select(c.organisation_id).where(
        c.coalition_id == coalition_id, valid_at(commitments, position), c.state != "withdrawn"
    )


def of_work(connection: Connection, coalition_id: str, reader: Actor, today: date) -> Snapshot:
    """The coalition now narrowed to the reader's organisations and those holding its commitments and tasks: what
    the work pages show and the rules they ask (the reader's powers over an item, whose organisation is in it), not
    every member's rows. Not its active members: `active_members` lists them where a form offers them all."""
    scope = reader.acts_for | with_work(connection, coalition_id)
    return snapshot(connection, coalition_id, Moment(None, today), scope)


def active_members(connection: Connection, coalition_id: str) -> list[tuple[str, str]]:
    """(id, name) of the coalition's active members now, by name."""
    every = members_in_order(connection, coalition_id, {"active": 0}, None, None, states=("active",))
    return [(m["organisation_id"], m["name"] or m["organisation_id"]) for m in every]


def liaison_of(snap: Snapshot, reader: Actor) -> list[str]:
    """The active members the reader is liaison of (the domain's rule, on the read model)."""
    coalition = as_domain(snap)
    return [o for o in active(snap) if policy.is_liaison(coalition, reader, o)]


def objectives(snap: Snapshot) -> dict[str, str]:
    """The agreement's objectives, numbered, by id."""
    listed = snap.agreement["objectives"] if snap.agreement else []
    return {o["objective_id"]: f"{n}. {o['text']}" for n, o in enumerate(listed, 1)}


def item(snap: Snapshot, row: dict[str, Any], objectives: dict[str, str]) -> dict[str, Any]:
    """A commitment or task row as the pages show it: names, and how late or how soon it is due."""
    late, due_in = days_overdue(row, snap), (row["due_on"] - snap.moment.day).days
    quantity = row.get("quantity")
    amount = " ".join(p for p in (format_decimal(quantity) if quantity is not None else "", row.get("unit") or "") if p)
    return {
        **row,
        "coalition": snap.agreement["name"] if snap.agreement else "",
        "amount": amount,
        "organisation": name(snap, row["organisation_id"]),
        "objective": objectives.get(row.get("objective_id") or ""),
        "late": late,
        "due_in": due_in,
        "soon": not late and due_in <= SOON_DAYS,
        "closed": row["state"] in policy.CLOSED,
    }


def history(
    connection: Connection, kind: Literal["commitment", "task"], coalition_id: str, item_id: str
) -> list[dict[str, Any]]:
    """Each version of one commitment or task, with the event that made it: who, when, what changed."""
    table, key = (commitments, "commitment_id") if kind == "commitment" else (tasks, "task_id")
    log = coalition_log.c
    rows = connection.execute(
        select(table, log.type, log.actor_id, log.recorded_at)
        .join(coalition_log, log.position == table.c.from_position)
        .where(table.c.coalition_id == coalition_id, table.c[key] == item_id)
        .order_by(table.c.from_position)
    ).mappings()
    return [{**row, "day": date.fromisoformat(row["recorded_at"][:10])} for row in rows]


def member_coalitions(connection: Connection, organisation_ids: Iterable[str]) -> list[str]:
    """The coalitions whose members' people these organisations are (active or suspended members), sorted."""
    ids = frozenset(organisation_ids)
    states: dict[str, dict[str, str]] = {}
    for row in connection.execute(
        select(memberships.c.coalition_id, memberships.c.organisation_id, memberships.c.state).where(
            memberships.c.organisation_id.in_(sorted(ids)), valid_at(memberships, None)
        )
    ):
        states.setdefault(row.coalition_id, {})[row.organisation_id] = row.state
    reader = Actor("", ids)
    return sorted(c for c, held in states.items() if reads_as_member(held, reader))


def mine(connection: Connection, organisation_ids: set[str] | frozenset[str], today: date) -> dict[str, Any]:
    """What these organisations pledged or were given in every coalition: open work grouped overdue, due soon and
    later; closed work, latest first; and whether they are members anywhere."""
    coalition_ids = member_coalitions(connection, organisation_ids)
    items: list[dict[str, Any]] = []
    for coalition_id in coalition_ids:
        snap = snapshot(connection, coalition_id, Moment(None, today), organisation_ids)  # their rows only
        numbered = objectives(snap)
        items += [
            {**item(snap, c, numbered), "is_task": False}
            for c in snap.commitments
            if c["organisation_id"] in organisation_ids
        ]
        items += [
            {**item(snap, t, numbered), "is_task": True} for t in snap.tasks if t["organisation_id"] in organisation_ids
        ]
    items.sort(key=lambda i: (i["due_on"], i["coalition"]))
    open_items = [i for i in items if not i["closed"]]
    groups = {
        "overdue": [i for i in open_items if i["late"]],
        "soon": [i for i in open_items if not i["late"] and i["due_in"] <= SOON_DAYS],
        "later": [i for i in open_items if i["due_in"] > SOON_DAYS],
    }
    done = sorted((i for i in items if i["closed"]), key=lambda i: i["closed_on"] or i["due_on"], reverse=True)
    return {"groups": groups, "done": done, "member": bool(coalition_ids)}


def grid(
    connection: Connection,
    coalition_id: str,
    moment: Moment,
    after: str | None,
    committed_only: bool,
    now: Snapshot | None = None,
) -> dict[str, Any]:
    """A page of the objectives grid at `moment`: each of the agreement's objectives (a row, with whether anyone has
    taken it on and its open tasks: the whole coalition's work) by up to `GRID_COLUMNS` member organisations (the
    columns, by name, after the one whose id is `after`; `committed_only`: only those with a commitment that is not
    withdrawn), each cell the column's commitments to the row's objective. Reads the rows of the organisations
    holding work then and the page's columns, not every member's rows: `now`, a snapshot of now holding the first
    (`of_work`), serves when `moment` is now. `snapshot` is the one read, for the objectives' progress."""
    position = moment.position
    snap = now
    if snap is None or position is not None:
        snap = snapshot(connection, coalition_id, moment, with_work(connection, coalition_id, position))
    if snap.agreement is None:
        return {
            "snapshot": snap,
            "columns": [],
            "rows": [],
            "unlinked": None,
            "members": 0,
            "committed": 0,
            "total": 0,
            "next_after": None,
        }
    members = sum(
        n for state, n in member_counts(connection, coalition_id, position).items() if state in policy.READS_AS_MEMBER
    )
    shared = responsibilities(snap)  # the same read as the API's responsibilities endpoint
    contributors = {c["organisation_id"] for c in snap.commitments if c["state"] != "withdrawn"} & {
        m["organisation_id"] for m in snap.members if m["state"] in policy.READS_AS_MEMBER
    }
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
    page = fetched(
        found, lambda m: str(m["organisation_id"]), GRID_COLUMNS, len(contributors) if committed_only else members
    )
    columns = [{k: m[k] for k in ("organisation_id", "name", "country", "state")} for m in page.items]

    def cells(pledged: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        by_column: dict[str, list[dict[str, Any]]] = {o["organisation_id"]: [] for o in columns}
        for c in pledged:
            if c["state"] != "withdrawn" and c["organisation_id"] in by_column:
                by_column[c["organisation_id"]].append(
                    {**c, "shown": "overdue" if c["overdue"] else c["state"], "due": date.fromisoformat(c["due_on"])}
                )
        return list(by_column.values())

    rows = [
        {
            "number": n,
            "text": o["text"],
            "uncovered": o["uncovered"],
            "cells": cells(o["commitments"]),
            "tasks": len([t for t in o["tasks"] if t["state"] not in policy.CLOSED_TASK]),
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
        "committed": len(contributors),
        "total": page.total,
        "next_after": page.next_after,
    }
