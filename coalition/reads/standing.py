"""Member standing and shared responsibilities, now or as of any earlier moment: the domain's verdicts
(`policy.standing_level`, `policy.days_overdue`, `policy.counts`) on one `Snapshot` of the coalition's rows.

Each figure lists the log positions of the rows behind it, so that anyone can trace a number back to
the events that produced it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads.paging import Page
from projections.coalition_rows import first_on_time, late_or_suspended, members_after
from projections.member_counts import member_count
from projections.standing import BadMoment, Moment, Snapshot, resolve, snapshot, span

__all__ = [
    "BadMoment",
    "Moment",
    "Snapshot",
    "days_overdue",
    "for_home",
    "page_of_standing",
    "resolve",
    "responsibilities",
    "signed",
    "snapshot",
    "span",
    "standing",
]


def days_overdue(row: dict[str, Any], snap: Snapshot) -> int:
    """How many days past its due date a commitment or task row is on the snapshot's day (`policy.days_overdue`)."""
    return policy.days_overdue(row["due_on"], row["state"], snap.moment.day)


def _participation(snap: Snapshot) -> dict[str, dict[str, list[Any]]]:
    if snap.statements is None:
        raise ValueError("a member's standing needs its statement participation: snapshot(..., statements=True)")
    return snap.statements


def signed(snap: Snapshot, organisation_id: str, member_state: str | None) -> list[int]:
    """The positions of the organisation's signatures that count, of the statements opened while it was active."""
    held = _participation(snap).get(organisation_id, {}).get("signatures", [])
    return sorted(
        s["event_position"]
        for s in held
        if policy.counts(s["version_hash"], s["withdrawn"], s["current_version_hash"], member_state)
    )


def _figure(rows: list[dict[str, Any]], position_of: str = "from_position") -> dict[str, Any]:
    return {"count": len(rows), "positions": [row[position_of] for row in rows]}


def _positions(positions: list[int]) -> dict[str, Any]:
    return {"count": len(positions), "positions": sorted(positions)}


def _by_organisation(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["organisation_id"]].append(row)
    return grouped


def standing(snap: Snapshot, members: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Each member organisation's standing (of `members`, rows of `snap.members`: a page of them; None: all),
    with the positions behind every figure. The coalition's commitments, tasks and roles are grouped by
    organisation once, so the work grows with the rows, not with members × rows."""
    opened = _participation(snap)
    pledges, assignments, roles = (_by_organisation(rows) for rows in (snap.commitments, snap.tasks, snap.roles))
    result = []
    for member in snap.members if members is None else members:
        org, state = member["organisation_id"], member["state"]
        pledged = pledges.get(org, [])
        assigned = assignments.get(org, [])
        level = policy.standing_level(
            state, member["reason"], [(w["due_on"], w["state"]) for w in [*pledged, *assigned]], snap.moment.day
        )
        result.append(
            {
                "organisation_id": org,
                **snap.names.get(org, {"name": None, "country": None}),
                "membership": {"state": state, "since": member["since"], "position": member["from_position"]},
                "roles": [
                    {
                        "role_id": r["role_id"],
                        "role": r["role"],
                        "user_id": r["user_id"],
                        "position": r["from_position"],
                    }
                    for r in roles.get(org, [])
                ],
                "commitments": {
                    "pledged": _figure(pledged, "pledged_position"),
                    "fulfilled": _figure([c for c in pledged if c["state"] == "fulfilled"]),
                    "overdue": _figure([c for c in pledged if days_overdue(c, snap) > 0]),
                    "withdrawn": _figure([c for c in pledged if c["state"] == "withdrawn"]),
                },
                "tasks": {
                    "open": _figure([t for t in assigned if t["state"] in ("open", "accepted")]),
                    "done": _figure([t for t in assigned if t["state"] == "done"]),
                    "overdue": _figure([t for t in assigned if days_overdue(t, snap) > 0]),
                },
                "statements": {
                    "opened": _positions(opened.get(org, {}).get("opened", [])),
                    "signed": _positions(signed(snap, org, state)),
                },
                "level": level.level,
                "reason": level.reason,
                "days_overdue": level.days_overdue,
                "overdue_items": level.overdue_items,
                "suspension_reason": member["reason"] if state == "suspended" else None,
            }
        )
    return result


def page_of_standing(
    connection: Connection, coalition_id: str, moment: Moment, after: str | None, limit: int, by_name: bool = False
) -> tuple[Snapshot, Page[dict[str, Any]]]:
    """A page of members' standing at `moment`, in the order of their organisation ids (or `by_name`: of their
    names, then ids) after the organisation `after`: the page's members are chosen in SQL and only their rows are
    read (a snapshot narrowed to them), now or as of any moment; the verdicts are `standing`'s."""
    snap, shown, next_after = page_of_members(connection, coalition_id, moment, after, limit, by_name, statements=True)
    place = {organisation_id: index for index, organisation_id in enumerate(shown)}
    members = sorted(standing(snap), key=lambda m: place.get(str(m["organisation_id"]), len(place)))
    return snap, Page(members, member_count(connection, coalition_id, moment.position), next_after)


def page_of_members(
    connection: Connection,
    coalition_id: str,
    moment: Moment,
    after: str | None,
    limit: int,
    by_name: bool = False,
    statements: bool = False,
) -> tuple[Snapshot, list[str], str | None]:
    """The coalition at `moment` narrowed to a page of `limit` members after the organisation `after`, in the order
    of their organisation ids (or `by_name`), with the page's ids in that order and the `after` of the next page
    (None: this is the last). The members are chosen in SQL; only their rows are read."""
    chosen = members_after(connection, coalition_id, moment.position, after, limit + 1, by_name)
    shown = chosen[:limit]
    snap = snapshot(connection, coalition_id, moment, shown, statements=statements)
    return snap, shown, str(shown[-1]) if len(chosen) > limit and shown else None


#: The home page's order of standing: lapsed members, then those needing attention, then the rest.
HOME_RANK = {"lapsed": 1, "attention": 2}


def for_home(
    connection: Connection, coalition_id: str, day: date, mine: Iterable[str], limit: int
) -> tuple[Snapshot, list[dict[str, Any]]]:
    """The members the home page lists on `day` with their standing, at most `limit`: the reader's own
    organisations (`mine`) first, then those whose standing is not good (lapsed, then needing attention), then
    the rest, each group in the order they became members.

    Only a few members' rows are read. The projection's facts (`coalition_open_work`: open items and the
    earliest due date per member) split the members in SQL: those suspended or with open work due before `day`
    (`late_or_suspended`: with more than `limit` of them, the suspended and then the longest overdue are read)
    and the others (`first_on_time`: the first `limit`), whom `policy.standing_level` never calls anything but
    good. The verdict on each member shown is still `standing`'s (the policy's), on `day`: no verdict is kept."""
    own = sorted(set(mine))
    late = late_or_suspended(connection, coalition_id, day, limit, own)
    rest = first_on_time(connection, coalition_id, day, limit, own)
    snap = snapshot(connection, coalition_id, Moment(None, day), [*own, *late, *rest], statements=True)
    members = standing(snap)  # in the order they became members (the rows' order)
    ordered = sorted(
        members, key=lambda m: 0 if m["organisation_id"] in own else HOME_RANK.get(m["level"], len(HOME_RANK) + 1)
    )
    return snap, ordered[:limit]


def _work(row: dict[str, Any], snap: Snapshot, *fields: str) -> dict[str, Any]:
    return {
        **{name: row[name] for name in fields},
        "organisation_id": row["organisation_id"],
        "due_on": row["due_on"].isoformat(),
        "state": row["state"],
        "overdue": days_overdue(row, snap) > 0,
        "position": row["from_position"],
    }


COMMITMENT = ("commitment_id", "kind", "description", "quantity", "unit")
TASK = ("task_id", "title", "assignee_user_id", "commitment_id")


def responsibilities(snap: Snapshot, served: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """Objectives by organisations: who committed what and who does which task by when. A task without an objective
    of its own counts for that of the commitment it serves; `served`: the objectives of commitments served by the
    snapshot's tasks that it does not hold (a snapshot of a few organisations), by commitment id."""
    objectives = snap.agreement["objectives"] if snap.agreement else []
    served_by = {**(served or {}), **{c["commitment_id"]: c["objective_id"] for c in snap.commitments}}

    def objective_of(task: dict[str, Any]) -> Any:
        return task["objective_id"] or served_by.get(task["commitment_id"] or "")

    rows = []
    for objective in objectives:
        oid = objective["objective_id"]
        pledged = [_work(c, snap, *COMMITMENT) for c in snap.commitments if c["objective_id"] == oid]
        tasked = [_work(t, snap, *TASK) for t in snap.tasks if objective_of(t) == oid]
        live = [w for w in [*pledged, *tasked] if w["state"] not in ("withdrawn", "dropped")]
        rows.append(
            {
                **objective,
                "commitments": pledged,
                "tasks": tasked,
                "organisations": sorted({w["organisation_id"] for w in live}),
                "uncovered": not live,
            }
        )
    linked = {o["objective_id"] for o in objectives}
    return {
        "objectives": rows,
        "organisations": [
            {
                "organisation_id": m["organisation_id"],
                **snap.names.get(m["organisation_id"], {"name": None, "country": None}),
            }
            for m in snap.members
            if m["state"] in policy.READS_AS_MEMBER
        ],
        "unlinked": {
            "commitments": [_work(c, snap, *COMMITMENT) for c in snap.commitments if c["objective_id"] not in linked],
            "tasks": [_work(t, snap, *TASK) for t in snap.tasks if objective_of(t) not in linked],
        },
        "uncovered": [o["objective_id"] for o in rows if o["uncovered"]],
    }
