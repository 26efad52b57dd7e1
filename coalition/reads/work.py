"""What pages read about work: commitments and tasks as shown, their history, my responsibilities, the grid."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from flask_babel import format_decimal
from sqlalchemy import func, select, union
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.coalition_state import Actor
from coalition.reads.access import as_domain, reads_as_member
from coalition.reads.paging import Page, fetched
from coalition.reads.standing import Moment, Snapshot, days_overdue, snapshot
from projections.audit import coalition_log
from projections.coalition_rows import members_in_order
from projections.coalitions import commitments, memberships, tasks
from projections.sets import one_of
from projections.versioned import valid_at

#: Open work due within this many days is "due soon" on the responsibilities page (the domain's).
SOON_DAYS = policy.DUE_SOON_DAYS


def name(snap: Snapshot, organisation_id: str) -> str:
    """A member organisation's name (its id if unnamed)."""
    return str(snap.names.get(organisation_id, {}).get("name") or organisation_id)


def active(snap: Snapshot) -> list[str]:
    """The active members' ids, by name."""
    return sorted((m["organisation_id"] for m in snap.members if m["state"] == "active"), key=lambda o: name(snap, o))


def of_work(
    connection: Connection, coalition_id: str, reader: Actor, today: date, also: Iterable[str] = ()
) -> Snapshot:
    """The coalition now narrowed to the reader's organisations and `also` (those holding the work a page shows):
    what a work page shows and the rules it asks (the reader's powers over an item, whose organisation is in it),
    not every member's rows nor the whole coalition's work. Not its active members: `active_members` lists them
    where a form offers them all."""
    return snapshot(connection, coalition_id, Moment(None, today), reader.acts_for | set(also))


def holders(connection: Connection, coalition_id: str, kind: Literal["commitment", "task"], item_id: str) -> set[str]:
    """The organisations holding one commitment (and the tasks serving it) or one task (and the commitment it
    serves) now: whom its page names."""
    c, t = commitments.c, tasks.c
    now = valid_at(commitments, None), valid_at(tasks, None)
    if kind == "commitment":
        query = union(
            select(c.organisation_id).where(c.coalition_id == coalition_id, c.commitment_id == item_id, now[0]),
            select(t.organisation_id).where(t.coalition_id == coalition_id, t.commitment_id == item_id, now[1]),
        )
    else:
        served = select(t.commitment_id).where(t.coalition_id == coalition_id, t.task_id == item_id, now[1])
        query = union(
            select(t.organisation_id).where(t.coalition_id == coalition_id, t.task_id == item_id, now[1]),
            select(c.organisation_id).where(
                c.coalition_id == coalition_id, c.commitment_id.in_(served.scalar_subquery()), now[0]
            ),
        )
    return set(connection.execute(query).scalars())


def items_page(
    connection: Connection,
    coalition_id: str,
    kind: Literal["commitment", "task"],
    closed: bool,
    after: str | None,
    limit: int,
    total: int,
) -> Page[dict[str, Any]]:
    """A page of the coalition's commitments or tasks now, open or `closed`, the earliest due first (then by id),
    after the one whose key is `after` (a key that cannot be read: from the first), of `total` (`counted`)."""
    table, key = (commitments, "commitment_id") if kind == "commitment" else (tasks, "task_id")
    t = table.c
    shut = policy.CLOSED_COMMITMENT if kind == "commitment" else policy.CLOSED_TASK
    which = [
        t.coalition_id == coalition_id,
        valid_at(table, None),
        t.state.in_(shut) if closed else t.state.not_in(shut),
    ]
    query = select(table).where(*which)
    day, _, ident = (after or "").partition("~")
    try:
        mark = date.fromisoformat(day)
    except ValueError:
        mark = None
    if mark is not None and ident:
        query = query.where((t.due_on > mark) | ((t.due_on == mark) & (t[key] > ident)))
    found = [dict(row) for row in connection.execute(query.order_by(t.due_on, t[key]).limit(limit + 1)).mappings()]
    return fetched(found, lambda row: f"{row['due_on'].isoformat()}~{row[key]}", limit, total)


def open_commitments(connection: Connection, coalition_id: str, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The rows now of those of these commitments that are open (not fulfilled nor withdrawn)."""
    c = commitments.c
    query = select(commitments).where(
        c.coalition_id == coalition_id,
        one_of(connection, c.commitment_id, sorted(ids)),
        valid_at(commitments, None),
        c.state.not_in(policy.CLOSED_COMMITMENT),
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def counted(connection: Connection, coalition_id: str) -> dict[str, dict[str, int]]:
    """How many commitments and tasks the coalition has now, open and closed: {"commitment": {"open": n, "closed":
    n}, "task": {...}}."""
    found: dict[str, dict[str, int]] = {}
    for kind, table, shut in (
        ("commitment", commitments, policy.CLOSED_COMMITMENT),
        ("task", tasks, policy.CLOSED_TASK),
    ):
        query = (
            select(table.c.state, func.count())
            .where(table.c.coalition_id == coalition_id, valid_at(table, None))
            .group_by(table.c.state)
        )
        found[kind] = {"open": 0, "closed": 0}
        for state, n in connection.execute(query).all():
            found[kind]["closed" if state in shut else "open"] += int(n)
    return found


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
            one_of(connection, memberships.c.organisation_id, sorted(ids)), valid_at(memberships, None)
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
