"""Who must hear of something: the people of organisations and coalitions, by what they may do on a day.

The notification reactor asks these (and so do the inbox and the pages); each answer is the domain's
policy (`policy.signs_for`, `policy.acts_for`, `policy.is_facilitator`, ...) asked of projection rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.policy.members import OrganisationLike
from coalition.reads.access import people_of
from projections.coalition_rows import member_states


def _users(held: OrganisationLike) -> set[str]:
    return set(held.administrators) | {m.user_id for m in held.mandates.values()}


def signers(connection: Connection, organisation_ids: Iterable[str], day: date) -> dict[str, set[str]]:
    """For each organisation, the people who may sign for it on `day` (a valid mandate)."""
    found = people_of(connection, organisation_ids)
    return {o: {u for u in _users(held) if policy.signs_for(held, u, day)} for o, held in found.items()}


def actors(connection: Connection, organisation_ids: Iterable[str], day: date) -> dict[str, set[str]]:
    """For each organisation, the people who may act for it on `day` (administrators and mandate holders)."""
    found = people_of(connection, organisation_ids)
    return {o: {u for u in _users(held) if policy.acts_for(held, u, day)} for o, held in found.items()}


def administrators(connection: Connection, organisation_ids: Iterable[str]) -> dict[str, set[str]]:
    """For each organisation, its administrators."""
    return {o: set(held.administrators) for o, held in people_of(connection, organisation_ids).items()}


def active_members(connection: Connection, coalition_id: str) -> list[str]:
    """The coalition's active member organisations (`policy.members.ACTIVE`)."""
    return sorted(o for o, state in member_states(connection, coalition_id).items() if state == policy.members.ACTIVE)
