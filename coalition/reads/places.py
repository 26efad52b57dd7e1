"""Where a person holds a place: the organisations they administer or hold a mandate of, the coalitions they hold a
role in (what closing their account must go through)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from projections.coalitions import roles
from projections.organisations import entries_of
from projections.versioned import valid_at


def places_of(connection: Connection, user_id: str) -> tuple[list[str], list[str]]:
    """The ids of the organisations naming the person (administrator or mandate, any date) and of the coalitions
    where they hold a role now, each sorted."""
    organisations = sorted({row["organisation_id"] for row in entries_of(connection, user_id)})
    coalitions = connection.execute(
        select(roles.c.coalition_id).where(roles.c.user_id == user_id, valid_at(roles, None)).distinct()
    ).scalars()
    return organisations, sorted(coalitions)
