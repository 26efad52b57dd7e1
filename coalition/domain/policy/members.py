"""Who acts for whom: mandates, administrators, coalition roles, facilitators and who may read a coalition.

Inputs are small Protocols (attribute access) that the domain's states and the read side's rows
(SQLAlchemy `Row`s, or the domain dataclasses built from rows) both satisfy; see `coalition.domain.policy`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Protocol

from coalition.domain.base import C_, NotAllowed, RuleBroken

ACTIVE = "active"
#: Member states whose people still read the coalition's member views (a suspended member still reads).
READS_AS_MEMBER = ("active", "suspended")


class MandateLike(Protocol):
    """A signing mandate: from, until (inclusive, or open-ended) and the day it was revoked, if it was."""

    @property
    def user_id(self) -> str: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def revoked_on(self) -> date | None: ...


class OrganisationLike(Protocol):
    """An organisation as the rules see it: its administrators and its mandates."""

    @property
    def administrators(self) -> frozenset[str]: ...
    @property
    def mandates(self) -> Mapping[str, MandateLike]: ...


class RoleLike(Protocol):
    """A role a user holds on behalf of one member organisation."""

    @property
    def role(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def organisation_id(self) -> str: ...


class MemberLike(Protocol):
    """An organisation's place in a coalition."""

    @property
    def state(self) -> str: ...


class ActorLike(Protocol):
    """Who issues a command or reads a page, and the organisations they may act for today."""

    @property
    def user_id(self) -> str: ...
    @property
    def acts_for(self) -> frozenset[str]: ...


class CoalitionLike(Protocol):
    """A coalition's members (by organisation id) and roles (by role id)."""

    @property
    def members(self) -> Mapping[str, MemberLike]: ...
    @property
    def roles(self) -> Mapping[str, RoleLike]: ...


# -- organisations --------------------------------------------------------------------------------


def mandate_valid(mandate: MandateLike, today: date) -> bool:
    """True when the mandate holds on `today`: started, not ended (the last day counts), not revoked (from that day)."""
    if today < mandate.valid_from or (mandate.valid_until is not None and today > mandate.valid_until):
        return False
    return mandate.revoked_on is None or today < mandate.revoked_on


def mandate_of(organisation: OrganisationLike, user_id: str, today: date) -> MandateLike | None:
    """The user's mandate of the organisation valid on `today`, if any."""
    return next((m for m in organisation.mandates.values() if m.user_id == user_id and mandate_valid(m, today)), None)


def signs_for(organisation: OrganisationLike | None, user_id: str, today: date) -> bool:
    """True when the user holds a valid signing mandate of the organisation today (administrators need one too)."""
    return organisation is not None and mandate_of(organisation, user_id, today) is not None


def acts_for(organisation: OrganisationLike | None, user_id: str, today: date) -> bool:
    """True when the user may act for the organisation today: an administrator, or holding a valid mandate."""
    return organisation is not None and (
        user_id in organisation.administrators or mandate_of(organisation, user_id, today) is not None
    )


def last_administrator(organisation: OrganisationLike, user_id: str) -> bool:
    """True when the user is the organisation's only administrator (an organisation always keeps one)."""
    return organisation.administrators == frozenset({user_id})


# -- coalitions -----------------------------------------------------------------------------------


def member_state(coalition: CoalitionLike, organisation_id: str) -> str | None:
    """The organisation's membership state, or None when it never asked or was asked to join."""
    member = coalition.members.get(organisation_id)
    return member.state if member else None


def holds(
    roles: Iterable[RoleLike],
    states: Mapping[str, str],
    actor: ActorLike,
    role: str,
    organisation_id: str | None = None,
) -> bool:
    """True when the actor holds `role` (for `organisation_id`, if given) and it empowers them now.

    A role empowers only while its organisation is an active member and its holder still acts for
    that organisation (administrator or valid mandate): a revoked mandate or a suspension takes
    the role's powers away. `states`: membership state by organisation id.
    """
    return any(
        r.role == role
        and r.user_id == actor.user_id
        and states.get(r.organisation_id) == ACTIVE
        and r.organisation_id in actor.acts_for
        and (organisation_id is None or r.organisation_id == organisation_id)
        for r in roles
    )


class _States(Mapping[str, str]):
    """The members' states by organisation id, read from the coalition's members when asked, not copied: a rule
    about roles asks the state of the roles' few organisations, not of every member (a copy made each time a page
    asked `is_liaison` of each of 3,000 members cost 9 million steps)."""

    __slots__ = ("_members",)

    def __init__(self, members: Mapping[str, MemberLike]) -> None:
        self._members = members

    def __getitem__(self, organisation_id: str) -> str:
        return self._members[organisation_id].state

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)


def _states(coalition: CoalitionLike) -> Mapping[str, str]:
    return _States(coalition.members)


def last_facilitator(coalition: CoalitionLike, user_id: str) -> bool:
    """True when every facilitator role of an active member is the user's (a coalition always keeps one)."""
    states = _states(coalition)
    active = [
        r for r in coalition.roles.values() if r.role == "facilitator" and states.get(r.organisation_id) == ACTIVE
    ]
    return bool(active) and all(r.user_id == user_id for r in active)


def is_facilitator(coalition: CoalitionLike, actor: ActorLike) -> bool:
    """True when the actor facilitates the coalition now."""
    return holds(coalition.roles.values(), _states(coalition), actor, "facilitator")


def is_liaison(coalition: CoalitionLike, actor: ActorLike, organisation_id: str) -> bool:
    """True when the actor is the liaison of this active member organisation now."""
    return holds(coalition.roles.values(), _states(coalition), actor, "liaison", organisation_id)


def is_endorser(coalition: CoalitionLike, actor: ActorLike) -> str | None:
    """The organisation whose endorser role empowers the actor now, or None."""
    states = _states(coalition)
    held = [r for r in coalition.roles.values() if holds([r], states, actor, "endorser", r.organisation_id)]
    return held[0].organisation_id if held else None


def may_read_coalition(coalition: CoalitionLike, actor: ActorLike) -> bool:
    """True when the actor acts for an active or suspended member: they read the coalition's member views."""
    return any(member_state(coalition, o) in READS_AS_MEMBER for o in actor.acts_for)


def check_facilitator(coalition: CoalitionLike, actor: ActorLike, doing: str) -> None:
    """Refuse unless the actor facilitates the coalition."""
    if not is_facilitator(coalition, actor):
        raise NotAllowed("only facilitators may %(doing)s", doing=doing)


def check_acts_for(actor: ActorLike, organisation_id: str) -> None:
    """Refuse unless the actor is an administrator of, or mandated by, the organisation."""
    if organisation_id not in actor.acts_for:
        raise NotAllowed(
            "you do not act for organisation %(organisation)s (administrator or valid mandate)",
            organisation=organisation_id,
        )


def check_active(coalition: CoalitionLike, organisation_id: str, doing: str) -> None:
    """Refuse unless the organisation is an active member."""
    now = member_state(coalition, organisation_id)
    if now != ACTIVE:
        raise RuleBroken(
            "only active members %(doing)s: organisation %(organisation)s is %(state)s",
            doing=doing,
            organisation=organisation_id,
            state=C_("member state", now or "not a member"),
        )
