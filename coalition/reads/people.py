"""Who must hear of something: the people of organisations and coalitions, by what they may do on a day.

The notification reactor asks these (and so do the inbox and the pages); each answer is the domain's
policy (`policy.signs_for`, `policy.acts_for`, `policy.is_facilitator`, ...) asked of projection rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.coalition_state import Member, Role
from coalition.domain.policy.members import OrganisationLike
from coalition.reads.access import actor, people_of
from coalition.reads.statements import counted
from projections.coalition_rows import member_states, roles_of
from projections.statement_rows import StatementView


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


@dataclass(frozen=True, slots=True)
class _Coalition:
    """A coalition's members and roles now, as `policy.holds` sees them."""

    members: dict[str, Member]
    roles: dict[str, Role]


def _coalition(connection: Connection, coalition_id: str) -> _Coalition:
    members = {o: Member(o, state) for o, state in member_states(connection, coalition_id).items()}
    roles = {
        r["role_id"]: Role(r["role_id"], r["role"], r["user_id"], r["organisation_id"])
        for r in roles_of(connection, coalition_id)
    }
    return _Coalition(members, roles)


def role_holders(
    connection: Connection, coalition_id: str, role: str, day: date, organisation_id: str | None = None
) -> set[str]:
    """The people whose `role` in the coalition (for `organisation_id`, if given) empowers them on `day`
    (`policy.holds`: held for an active member they still act for)."""
    coalition = _coalition(connection, coalition_id)
    states = {o: m.state for o, m in coalition.members.items()}
    holders = {r.user_id for r in coalition.roles.values() if r.role == role}
    return {
        user_id
        for user_id in holders
        if policy.holds(coalition.roles.values(), states, actor(connection, user_id, day), role, organisation_id)
    }


def facilitators(connection: Connection, coalition_id: str, day: date) -> set[str]:
    """The people who facilitate the coalition on `day` (`policy.is_facilitator`)."""
    return role_holders(connection, coalition_id, "facilitator", day)


def responsible(connection: Connection, coalition_id: str, organisation_id: str, day: date) -> set[str]:
    """Who answers for a member's work in the coalition on `day`: its liaison there, else its administrators."""
    liaisons = role_holders(connection, coalition_id, "liaison", day, organisation_id)
    return liaisons or administrators(connection, [organisation_id]).get(organisation_id, set())


@dataclass(frozen=True, slots=True)
class _Held:
    """A signatures row as `policy`'s `SignatureLike`."""

    organisation_id: str
    version_hash: str
    withdrawn: bool


def _held(found: StatementView) -> dict[str, _Held]:
    return {
        row["organisation_id"]: _Held(row["organisation_id"], row["version_hash"], row["status"] == "withdrawn")
        for row in found.signatures
    }


def not_signed(connection: Connection, found: StatementView) -> list[str]:
    """The active members whose signature is not on the statement's current version (`policy.signed_current`)."""
    held = _held(found)
    current = found.statement["version_hash"]
    members = active_members(connection, found.statement["coalition_id"])
    return [o for o in members if not policy.signed_current(held.get(o), current)]


def to_reconfirm(connection: Connection, found: StatementView, previous_hash: str) -> list[str]:
    """The active members whose signature was on the version `previous_hash` (amended since): they must
    confirm it on the new one (`policy.signed_current` of the earlier version)."""
    held = _held(found)
    members = active_members(connection, found.statement["coalition_id"])
    return [o for o in members if policy.signed_current(held.get(o), previous_hash)]


def signed_by(connection: Connection, found: StatementView, position: int | None = None) -> set[str]:
    """The people whose signatures of the statement count (`policy.counts`), as the log stood at `position`."""
    return {row["user_id"] for row in counted(connection, found, position)}
