"""Coalitions' row queries: the directory, and each member's membership state at a position."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, literal, null, select, union_all
from sqlalchemy.engine import Connection

from projections.base import IN_LIST
from projections.coalition_work import open_work
from projections.coalitions import agreements, commitments, memberships, roles, tasks
from projections.member_counts import counts as counts_table
from projections.organisations import organisations
from projections.sets import one_of
from projections.versioned import valid_at


def directory(
    connection: Connection, after: str | None = None, limit: int | None = None, names: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The coalitions now by name (then id), the first `limit` (None: every) after the coalition `after`: each one's
    agreement's name, purpose and period, the day it ended (None while it runs), how many active members it has
    (`active`) and the names and countries of its first `names` (None: every) active members by name; and how many
    coalitions there are. What is read grows with the page, not with the platform or its coalitions' members."""
    a, m, o = agreements.c, memberships.c, organisations.c
    current = a.until_position.is_(None)
    name = _code_points(connection, a.name)
    query = select(agreements).where(current)
    if after is not None:
        # an unknown `after` (a stale link) sorts before every name: the first page
        named = select(a.name).where(a.coalition_id == after, current).scalar_subquery()
        after_name = _code_points(connection, func.coalesce(named, ""))
        query = query.where((name > after_name) | ((name == after_name) & (a.coalition_id > after)))
    query = query.order_by(name, a.coalition_id)
    found = connection.execute(query if limit is None else query.limit(limit)).mappings().all()
    total = int(connection.execute(select(func.count()).select_from(agreements).where(current)).scalar_one())
    ids = [row["coalition_id"] for row in found]
    active = (m.until_position.is_(None)) & (m.state == "active") & m.coalition_id.in_(ids)
    k = counts_table.c
    counted: dict[str, int] = {  # a row each (`projections.member_counts`), not every active member
        str(coalition): int(n)
        for coalition, n in connection.execute(
            select(k.coalition_id, k.members).where(k.coalition_id.in_(ids), k.state == "active", k.members > 0)
        ).all()
    }
    ranked = (
        select(
            m.coalition_id,
            o.name,
            o.country,
            func.row_number()
            .over(partition_by=m.coalition_id, order_by=(_code_points(connection, o.name), o.organisation_id))
            .label("rank"),
        )
        .select_from(memberships.join(organisations, o.organisation_id == m.organisation_id))
        .where(active)
        .subquery()
    )
    listed = select(ranked.c.coalition_id, ranked.c.name, ranked.c.country)
    if names is not None:
        listed = listed.where(ranked.c.rank <= names)
    by_coalition: dict[str, list[dict[str, str]]] = {}
    for row in connection.execute(listed.order_by(ranked.c.coalition_id, ranked.c.rank)):
        by_coalition.setdefault(row.coalition_id, []).append({"name": row.name, "country": row.country})
    return [
        {
            "coalition_id": row["coalition_id"],
            "name": row["name"],
            "purpose": row["purpose"],
            "starts_on": row["starts_on"],
            "ends_on": row["ends_on"],
            "ended_on": row["ended_on"],
            "objectives": len(json.loads(row["objectives"])),
            "active": counted.get(row["coalition_id"], 0),
            "members": by_coalition.get(row["coalition_id"], []),
        }
        for row in found
    ], total


def member_states(
    connection: Connection, coalition_id: str, position: int | None = None, organisations: Iterable[str] | None = None
) -> dict[str, str]:
    """Each member organisation's membership state at `position` (None: now), by id; with `organisations`, those
    organisations' only."""
    query = select(memberships.c.organisation_id, memberships.c.state).where(
        memberships.c.coalition_id == coalition_id, valid_at(memberships, position)
    )
    if organisations is not None:
        query = query.where(one_of(connection, memberships.c.organisation_id, sorted(organisations)))
    return {row.organisation_id: row.state for row in connection.execute(query)}


def work_owners(
    connection: Connection,
    coalition_id: str,
    position: int | None,
    commitment_ids: Iterable[str],
    task_ids: Iterable[str],
) -> set[str]:
    """The organisations holding these commitments and tasks at `position` (None: now): where work handed over
    went (a task reassigned), read by id."""
    found: set[str] = set()
    for table, key, ids in ((commitments, "commitment_id", commitment_ids), (tasks, "task_id", task_ids)):
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), IN_LIST):  # within both databases' limits on parameters
            query = select(table.c.organisation_id).where(
                table.c.coalition_id == coalition_id,
                one_of(connection, table.c[key], wanted[start : start + IN_LIST]),
                valid_at(table, position),
            )
            found.update(connection.execute(query).scalars())
    return found


def members_after(
    connection: Connection,
    coalition_id: str,
    position: int | None,
    after: str | None,
    limit: int,
    by_name: bool = False,
) -> list[str]:
    """The ids of the first `limit` member organisations (any state) at `position` after the organisation `after`
    (from the first when None), in the order of their ids, or `by_name`: of their names (now), then ids."""
    m = memberships.c
    query = select(m.organisation_id).where(m.coalition_id == coalition_id, valid_at(memberships, position))
    if not by_name:
        if after is not None:
            query = query.where(m.organisation_id > after)
        return list(connection.execute(query.order_by(m.organisation_id).limit(limit)).scalars())
    name = _code_points(connection, func.coalesce(organisations.c.name, ""))
    joined = memberships.outerjoin(organisations, organisations.c.organisation_id == m.organisation_id)
    query = query.select_from(joined)
    if after is not None:
        named = select(organisations.c.name).where(organisations.c.organisation_id == after).scalar_subquery()
        after_name = _code_points(connection, func.coalesce(named, ""))
        query = query.where((name > after_name) | ((name == after_name) & (m.organisation_id > after)))
    return list(connection.execute(query.order_by(name, m.organisation_id).limit(limit)).scalars())


def late_or_suspended(
    connection: Connection, coalition_id: str, day: date, limit: int, excluding: Iterable[str]
) -> list[str]:
    """Facts, not verdicts: the ids of at most `limit` members now (other than `excluding`) that are suspended or
    have open work (`open_work`) due before `day`, suspended ones first, then by their earliest due date (the
    oldest first), then in the order they became members. Which of them are in good standing is `policy`'s."""
    m, w = memberships.c, open_work.c
    now = (m.coalition_id == coalition_id) & m.until_position.is_(None) & m.organisation_id.not_in(sorted(excluding))
    suspended = select(m.organisation_id, literal(0).label("urgency"), null().label("due"), m.from_position).where(
        now, m.state == "suspended"
    )
    late = (
        select(m.organisation_id, literal(1).label("urgency"), w.earliest_due_on.label("due"), m.from_position)
        .select_from(open_work.join(memberships, m.organisation_id == w.organisation_id))
        .where(w.coalition_id == coalition_id, w.earliest_due_on < day, now, m.state != "suspended")
    )
    both = union_all(suspended, late).subquery()
    query = select(both.c.organisation_id).order_by(both.c.urgency, both.c.due, both.c.from_position).limit(limit)
    return list(connection.execute(query).scalars())


def first_on_time(
    connection: Connection, coalition_id: str, day: date, limit: int, excluding: Iterable[str]
) -> list[str]:
    """Facts, not verdicts: the ids of the first `limit` members now (other than `excluding`) that are neither
    suspended nor have open work due before `day` (the others than `late_or_suspended` gives), in the order of
    their membership rows."""
    m, w = memberships.c, open_work.c
    late = (
        select(w.organisation_id)
        .where(w.coalition_id == coalition_id, w.organisation_id == m.organisation_id, w.earliest_due_on < day)
        .exists()
    )
    query = (
        select(m.organisation_id)
        .where(
            m.coalition_id == coalition_id,
            m.until_position.is_(None),
            m.state != "suspended",
            ~late,
            m.organisation_id.not_in(sorted(excluding)),
        )
        .order_by(m.from_position)
        .limit(limit)
    )
    return list(connection.execute(query).scalars())


def _rank(state: Any, order: Mapping[str, int]) -> Any:
    """The rank of a membership state by `order`; states not in it rank after every listed one."""
    return case(*((state == name, value) for name, value in order.items()), else_=max(order.values(), default=0) + 1)


def _code_points(connection: Connection, text: Any) -> Any:
    """`text` compared by code point, as Python compares strings, on both backends (SQLite does by default)."""
    return text.collate("C") if connection.dialect.name == "postgresql" else text


def members_in_order(
    connection: Connection,
    coalition_id: str,
    order: Mapping[str, int],
    after: tuple[int, str] | None,
    limit: int | None,
    states: Iterable[str] | None = None,
    position: int | None = None,
    among: Select[Any] | None = None,
    excluding: Select[Any] | None = None,
) -> list[dict[str, Any]]:
    """The first `limit` (None: every) membership rows at `position` (None: now), with each one's name and country, by
    rank of their state in `order` (a state missing from it ranks after all), name and id, after `after` (a rank and
    an organisation id). `states`: only those in these states; `among`: only the organisations this query selects;
    `excluding`: not those it selects."""
    m = memberships.c
    rank = case(
        *((m.state == state, value) for state, value in order.items()), else_=max(order.values(), default=0) + 1
    )
    name = _code_points(connection, func.coalesce(organisations.c.name, ""))
    query = (
        select(memberships, rank.label("rank"), organisations.c.name, organisations.c.country)
        .select_from(memberships.outerjoin(organisations, organisations.c.organisation_id == m.organisation_id))
        .where(m.coalition_id == coalition_id, valid_at(memberships, position))
    )
    if states is not None:
        query = query.where(m.state.in_(sorted(states)))
    if among is not None:
        query = query.where(m.organisation_id.in_(among))
    if excluding is not None:
        query = query.where(m.organisation_id.not_in(excluding))
    if after is not None:
        after_rank, after_id = after
        after_name = (
            select(func.coalesce(organisations.c.name, ""))
            .where(organisations.c.organisation_id == after_id)
            .scalar_subquery()
        )
        after_name = _code_points(connection, func.coalesce(after_name, ""))
        query = query.where(
            (rank > after_rank)
            | ((rank == after_rank) & (name > after_name))
            | ((rank == after_rank) & (name == after_name) & (m.organisation_id > after_id))
        )
    query = query.order_by(rank, name, m.organisation_id).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]


def members_before(
    connection: Connection, coalition_id: str, order: Mapping[str, int], organisation_id: str
) -> int | None:
    """How many members now come before the member `organisation_id` in `members_in_order`'s order; None if it is
    not a member now."""
    m = memberships.c
    rank = case(
        *((m.state == state, value) for state, value in order.items()), else_=max(order.values(), default=0) + 1
    )
    name = _code_points(connection, func.coalesce(organisations.c.name, ""))
    joined = memberships.outerjoin(organisations, organisations.c.organisation_id == m.organisation_id)
    now = (m.coalition_id == coalition_id) & m.until_position.is_(None)
    found = connection.execute(
        select(rank, name).select_from(joined).where(now, m.organisation_id == organisation_id)
    ).first()
    if found is None:
        return None
    its_rank, its_name = found
    query = (
        select(func.count())
        .select_from(joined)
        .where(
            now,
            (rank < its_rank)
            | ((rank == its_rank) & (name < its_name))
            | ((rank == its_rank) & (name == its_name) & (m.organisation_id < organisation_id)),
        )
    )
    return int(connection.execute(query).scalar_one())


def exists(connection: Connection, coalition_id: str) -> bool:
    """True when the coalition has an agreement now."""
    found = select(agreements.c.coalition_id).where(
        agreements.c.coalition_id == coalition_id, valid_at(agreements, None)
    )
    return connection.execute(found).first() is not None


def roles_of(connection: Connection, coalition_id: str, position: int | None = None) -> list[dict[str, Any]]:
    """The coalition's roles at `position` (None: now), in the order they were given."""
    query = (
        select(roles)
        .where(roles.c.coalition_id == coalition_id, valid_at(roles, position))
        .order_by(roles.c.from_position)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def verified_members(connection: Connection, coalition_id: str, position: int | None = None) -> set[str]:
    """The member organisations a facilitator's verified mark stood on at `position` (None: now)."""
    m = memberships.c
    return set(
        connection.execute(
            select(m.organisation_id).where(
                m.coalition_id == coalition_id, valid_at(memberships, position), m.verified_by.is_not(None)
            )
        ).scalars()
    )
