"""A statement as the rules see it: its phase, which signatures count and who may do what to it (its threshold:
`thresholds`).

Inputs: a statement is anything with `state` and `deadline` (`StatementLike`: the domain's state, a statements
row); signatures are plain values. Each `may_*` is `*_refusal(...) is None`; the decisions raise the same refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol, TypeVar

from coalition.domain.base import C_, N_, DomainError, NotAllowed, NotFound, RuleBroken, either
from coalition.domain.policy.members import (
    ACTIVE,
    ActorLike,
    CoalitionLike,
    is_endorser,
    is_facilitator,
    member_state,
)


class StatementLike(Protocol):
    """What the phase needs: the recorded state and the deadline (None: no deadline)."""

    @property
    def state(self) -> str: ...
    @property
    def deadline(self) -> datetime | None: ...


class SignatureLike(Protocol):
    """A signature: the organisation that signed, the version it is bound to and whether it was withdrawn."""

    @property
    def organisation_id(self) -> str: ...
    @property
    def version_hash(self) -> str: ...
    @property
    def withdrawn(self) -> bool: ...


class AgreementLike(Protocol):
    """Whether the partnership agreement lets members' users draft statements."""

    @property
    def members_may_draft(self) -> bool: ...


class DraftingCoalition(CoalitionLike, Protocol):
    """A coalition with its agreement."""

    @property
    def agreement(self) -> AgreementLike: ...


S = TypeVar("S", bound=SignatureLike)


def phase(state: str, deadline: datetime | None, now: datetime) -> str:
    """The statement's state as of `now`: an open statement whose deadline has come (now >= deadline) is closed."""
    if state == "open" and deadline is not None and now >= deadline:
        return "closed"
    return state


def awaits_signatures(current: str) -> bool:
    """Whether a statement in phase `current` (`phase`) has members it waits for, or waited for: while open, who
    has not signed yet; once closed or published, who did not sign. A draft has none: nobody may sign it
    (`sign_refusal`)."""
    return current != "draft"


def counts(
    version_hash: str, withdrawn: bool, current_version_hash: str | None, member_state: str | None = None
) -> bool:
    """True when a signature counts: not withdrawn and bound to the statement's current version.

    `member_state`: the signing organisation's membership state when it is read (None: not known to
    the caller); the rule does not look at it (a suspended member's signature still counts), but
    every read passes it, so a rule on membership is a change of this one function.
    """
    return not withdrawn and version_hash == current_version_hash


def signed_current(held: SignatureLike | None, current_version_hash: str | None) -> bool:
    """True when the organisation's signature is on the current version and not withdrawn (counted or not):
    one signature per organisation per version, so signing again changes nothing."""
    return held is not None and not held.withdrawn and held.version_hash == current_version_hash


def counted(
    signatures: Iterable[S], current_version_hash: str | None, member_states: Mapping[str, str] | None = None
) -> list[S]:
    """The signatures that count (see `counts`), each asked with its organisation's membership state."""
    states = member_states or {}
    return [
        s
        for s in signatures
        if counts(s.version_hash, s.withdrawn, current_version_hash, states.get(s.organisation_id))
    ]


def phase_refusal(statement: StatementLike, now: datetime, doing: str, *phases: str) -> DomainError | None:
    """Why the statement's phase does not allow `doing` (only in `phases`), or None."""
    current = phase(statement.state, statement.deadline, now)
    if current in phases:
        return None
    if current != statement.state and statement.deadline is not None:
        return RuleBroken(
            "the statement is %(phase)s at its deadline, %(deadline)s: you can only %(doing)s while it is %(phases)s",
            phase=C_("statement state", current),
            deadline=statement.deadline.isoformat(),
            doing=doing,
            phases=either("statement state", phases),
        )
    return RuleBroken(
        "the statement is %(phase)s: you can only %(doing)s while it is %(phases)s",
        phase=C_("statement state", current),
        doing=doing,
        phases=either("statement state", phases),
    )


def signer_refusal(coalition: CoalitionLike, organisation_id: str, mandated: bool, doing: str) -> DomainError | None:
    """Why the user may not `doing` for the organisation (no valid mandate; not an active member), or None."""
    if not mandated:
        return NotAllowed(
            "only a user with a valid signing mandate of organisation %(organisation)s may %(doing)s",
            organisation=organisation_id,
            doing=doing,
        )
    state = member_state(coalition, organisation_id)
    if state != ACTIVE:
        return RuleBroken(
            "only active members may %(doing)s: organisation %(organisation)s is %(state)s",
            doing=doing,
            organisation=organisation_id,
            state=C_("member state", state or "not a member"),
        )
    return None


def sign_refusal(
    coalition: CoalitionLike, statement: StatementLike, now: datetime, organisation_id: str, mandated: bool
) -> DomainError | None:
    """Why the user may not sign the statement for the organisation now, or None."""
    return phase_refusal(statement, now, N_("sign"), "open") or signer_refusal(
        coalition, organisation_id, mandated, N_("sign for it")
    )


def may_sign(
    coalition: CoalitionLike, statement: StatementLike, now: datetime, organisation_id: str, mandated: bool
) -> bool:
    """True when a user may sign for the organisation now (`mandated`: a valid mandate today, see `signs_for`)."""
    return sign_refusal(coalition, statement, now, organisation_id, mandated) is None


def confirm_refusal(
    coalition: CoalitionLike,
    statement: StatementLike,
    now: datetime,
    organisation_id: str,
    mandated: bool,
    held: SignatureLike | None,
    current_version_hash: str | None,
) -> DomainError | None:
    """Why the organisation's signature `held` may not be confirmed on the current version now, or None."""
    refusal = phase_refusal(statement, now, N_("confirm a signature"), "open") or signer_refusal(
        coalition, organisation_id, mandated, N_("confirm its signature")
    )
    if refusal is not None:
        return refusal
    if held is None or held.withdrawn:
        return NotFound(
            "organisation %(organisation)s has no signature to confirm: sign instead", organisation=organisation_id
        )
    if held.version_hash == current_version_hash:
        return RuleBroken(
            "organisation %(organisation)s has already signed the current version", organisation=organisation_id
        )
    return None


def may_confirm(
    coalition: CoalitionLike,
    statement: StatementLike,
    now: datetime,
    organisation_id: str,
    mandated: bool,
    held: SignatureLike | None,
    current_version_hash: str | None,
) -> bool:
    """True when the organisation's earlier signature may be confirmed on the amended version now."""
    return confirm_refusal(coalition, statement, now, organisation_id, mandated, held, current_version_hash) is None


def withdraw_refusal(
    statement: StatementLike, now: datetime, organisation_id: str, mandated: bool, held: SignatureLike | None
) -> DomainError | None:
    """Why the organisation's signature may not be withdrawn now (a suspended member still may), or None."""
    refusal = phase_refusal(statement, now, N_("withdraw a signature"), "open")
    if refusal is not None:
        return refusal
    if not mandated:
        return NotAllowed(
            "only a user with a valid signing mandate of organisation %(organisation)s may withdraw its signature",
            organisation=organisation_id,
        )
    if held is None or held.withdrawn:
        return NotFound(
            "organisation %(organisation)s has no signature on this statement to withdraw",
            organisation=organisation_id,
        )
    return None


def may_withdraw(
    statement: StatementLike, now: datetime, organisation_id: str, mandated: bool, held: SignatureLike | None
) -> bool:
    """True when the organisation's signature may be withdrawn now."""
    return withdraw_refusal(statement, now, organisation_id, mandated, held) is None


def may_draft(coalition: DraftingCoalition, actor: ActorLike, organisation_id: str | None) -> bool:
    """Facilitators draft; a member's user drafts too, for an active member they act for, when the agreement allows."""
    if is_facilitator(coalition, actor):
        return True
    return (
        coalition.agreement.members_may_draft
        and organisation_id is not None
        and organisation_id in actor.acts_for
        and member_state(coalition, organisation_id) == ACTIVE
    )


def edit_refusal(
    coalition: DraftingCoalition, actor: ActorLike, drafted_by: str, drafted_for: str | None
) -> DomainError | None:
    """Why the actor may not edit the draft: facilitators may, and its drafter while they still may draft for it."""
    drafter = actor.user_id == drafted_by and drafted_for is not None and may_draft(coalition, actor, drafted_for)
    if is_facilitator(coalition, actor) or drafter:
        return None
    return NotAllowed("only facilitators and the statement's drafter may edit it")


def may_edit(coalition: DraftingCoalition, actor: ActorLike, drafted_by: str, drafted_for: str | None) -> bool:
    """True when the actor may edit the statement's draft and translations (its phase aside)."""
    return edit_refusal(coalition, actor, drafted_by, drafted_for) is None


#: What only facilitators may do to a statement, and how the refusal says it.
FACILITATOR_ACTS = {
    "open": N_("open a statement for signature"),
    "amend": N_("amend a statement"),
    "close": N_("close a statement"),
    "publish": N_("publish a statement"),
}


def facilitator_refusal(coalition: CoalitionLike, actor: ActorLike, act: str) -> DomainError | None:
    """Why the actor may not `act` (open, amend, close, publish) on a statement: only facilitators may."""
    if is_facilitator(coalition, actor):
        return None
    return NotAllowed("only facilitators may %(doing)s", doing=FACILITATOR_ACTS[act])


def may_open(coalition: CoalitionLike, actor: ActorLike) -> bool:
    """True when the actor may open statements for signature (facilitators)."""
    return facilitator_refusal(coalition, actor, "open") is None


def may_amend(coalition: CoalitionLike, actor: ActorLike) -> bool:
    """True when the actor may amend open statements (facilitators)."""
    return facilitator_refusal(coalition, actor, "amend") is None


def may_close(coalition: CoalitionLike, actor: ActorLike) -> bool:
    """True when the actor may close statements before their deadline (facilitators)."""
    return facilitator_refusal(coalition, actor, "close") is None


def may_publish(coalition: CoalitionLike, actor: ActorLike) -> bool:
    """True when the actor may publish closed statements (facilitators)."""
    return facilitator_refusal(coalition, actor, "publish") is None


def endorse_refusal(
    coalition: CoalitionLike, statement: StatementLike, now: datetime, actor: ActorLike
) -> DomainError | None:
    """Why the actor may not endorse the statement now (only while open, only the coalition's endorsers), or None."""
    refusal = phase_refusal(statement, now, N_("endorse"), "open")
    if refusal is None and is_endorser(coalition, actor) is None:
        return NotAllowed("only the coalition's endorsers may add a personal endorsement")
    return refusal


def may_endorse(coalition: CoalitionLike, statement: StatementLike, now: datetime, actor: ActorLike) -> bool:
    """True when the actor may add a personal endorsement to the statement now."""
    return endorse_refusal(coalition, statement, now, actor) is None
