"""Coalitions' row queries: the directory, and each member's membership state at a position."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from projections.coalitions import agreements, memberships, roles
from projections.organisations import organisations
from projections.versioned import valid_at


def directory(connection: Connection) -> list[dict[str, Any]]:
    """Every coalition now: its agreement's name, purpose and period, and its active members' names and countries."""
    current = agreements.c.until_position.is_(None)
    members = (
        select(memberships.c.coalition_id, organisations.c.name, organisations.c.country)
        .join(organisations, organisations.c.organisation_id == memberships.c.organisation_id)
        .where(memberships.c.until_position.is_(None), memberships.c.state == "active")
        .order_by(organisations.c.name)
    )
    by_coalition: dict[str, list[dict[str, str]]] = {}
    for row in connection.execute(members):
        by_coalition.setdefault(row.coalition_id, []).append({"name": row.name, "country": row.country})
    return [
        {
            "coalition_id": row.coalition_id,
            "name": row.name,
            "purpose": row.purpose,
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "objectives": len(json.loads(row.objectives)),
            "members": by_coalition.get(row.coalition_id, []),
        }
        for row in connection.execute(select(agreements).where(current).order_by(agreements.c.name))
    ]


def member_states(connection: Connection, coalition_id: str, position: int | None = None) -> dict[str, str]:
    """Each member organisation's membership state at `position` (None: now), by id."""
    return {
        row.organisation_id: row.state
        for row in connection.execute(
            select(memberships.c.organisation_id, memberships.c.state).where(
                memberships.c.coalition_id == coalition_id, valid_at(memberships, position)
            )
        )
    }


def exists(connection: Connection, coalition_id: str) -> bool:
    """True when the coalition has an agreement now."""
    query = select(agreements.c.coalition_id).where(
        agreements.c.coalition_id == coalition_id, valid_at(agreements, None)
    )
    return connection.execute(query).first() is not None


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
