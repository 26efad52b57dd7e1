"""Verified members: facilitators vouch that a member organisation is who it says it is, and may take that back.

A mark on the membership (`MemberVerified`, `MemberVerificationWithdrawn` on the coalition's stream),
with who and when; pages, the public statement page and the sealed PDF show it. Only an active or
suspended member can be marked; the mark stays through a suspension and a reinstatement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from coalition.domain.base import C_, N_, DomainError, NotAllowed, NotFound, RuleBroken
from coalition.domain.policy.members import ActorLike, MemberLike, RoleLike, is_facilitator

#: The member states a facilitator may mark verified.
VERIFIABLE = ("active", "suspended")


class VerifiableMember(MemberLike, Protocol):
    """A member's state and, while it is marked verified, the facilitator who marked it."""

    @property
    def verified_by(self) -> str | None: ...


class VerifyingCoalition(Protocol):
    """A coalition's members (with their marks) and roles."""

    @property
    def members(self) -> Mapping[str, VerifiableMember]: ...
    @property
    def roles(self) -> Mapping[str, RoleLike]: ...


def is_verified(member: VerifiableMember | None) -> bool:
    """True while a facilitator's mark stands on the member."""
    return member is not None and member.verified_by is not None


def verify_refusal(
    coalition: VerifyingCoalition, actor: ActorLike, organisation_id: str, marking: bool
) -> DomainError | None:
    """Why the actor may not mark the member verified (`marking`) or withdraw the mark; None when they may."""
    if not is_facilitator(coalition, actor):
        return NotAllowed(
            "only facilitators may %(doing)s",
            doing=N_("mark members verified") if marking else N_("withdraw a verified mark"),
        )
    member = coalition.members.get(organisation_id)
    if member is None:
        return NotFound("organisation %(organisation)s is not a member of this coalition", organisation=organisation_id)
    if not marking:
        if not is_verified(member):
            return RuleBroken(
                "organisation %(organisation)s is not marked verified: there is no mark to withdraw",
                organisation=organisation_id,
            )
        return None
    if member.state not in VERIFIABLE:
        return RuleBroken(
            "organisation %(organisation)s is %(state)s: only active or suspended members can be marked verified",
            organisation=organisation_id,
            state=C_("member state", member.state),
        )
    if is_verified(member):
        return RuleBroken("organisation %(organisation)s is already marked verified", organisation=organisation_id)
    return None


def may_verify(coalition: VerifyingCoalition, actor: ActorLike, organisation_id: str) -> bool:
    """True when the actor may mark the member verified now."""
    return verify_refusal(coalition, actor, organisation_id, True) is None


def may_withdraw_verification(coalition: VerifyingCoalition, actor: ActorLike, organisation_id: str) -> bool:
    """True when the actor may withdraw the member's verified mark now."""
    return verify_refusal(coalition, actor, organisation_id, False) is None
