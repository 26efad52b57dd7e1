"""The coalition aggregate's membership, role and agreement commands (imperative dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from coalition.domain.coalition_state import Agreement


@dataclass(frozen=True, slots=True)
class FoundCoalition:
    coalition_id: str
    organisation_id: str
    facilitator_role_id: str
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class AmendAgreement:
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class RequestMembership:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class InviteOrganisation:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class ApproveMembership:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class DeclineMembership:
    organisation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AcceptInvitation:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class SuspendMember:
    organisation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReinstateMember:
    organisation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Disposition:
    """What a leaving member does with one of its open items: a commitment is withdrawn; a task is handed over
    (`to`: another active member) or dropped; each with a reason (`coalition.domain.ending`)."""

    item: str  # a commitment_id or a task_id
    action: str  # withdraw (a commitment), hand_over or drop (a task)
    reason: str
    to: str | None = None  # hand_over: the organisation taking the task on


@dataclass(frozen=True, slots=True)
class LeaveCoalition:
    organisation_id: str
    reason: str | None = None
    dispositions: tuple[Disposition, ...] = ()  # one for each open commitment and task of the organisation


@dataclass(frozen=True, slots=True)
class AssignRole:
    role_id: str
    role: str
    user_id: str
    organisation_id: str
    user_acts_for: frozenset[str]  # the organisations the assigned user may act for today


@dataclass(frozen=True, slots=True)
class RemoveRole:
    role_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyMember:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class WithdrawVerification:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class CloseCoalition:
    """A facilitator closes the coalition (`coalition.domain.ending`); the handler reads the log's head and the
    statements still open for signature (id, title) just before."""

    reason: str
    final_position: int
    final_chain_hash: str
    open_statements: tuple[tuple[str, str], ...] = ()
    #: organisation id -> name, to name the organisation of each commitment still pledged in a refusal
    organisation_names: Mapping[str, str] = field(default_factory=dict)


Command = (
    FoundCoalition
    | AmendAgreement
    | RequestMembership
    | InviteOrganisation
    | ApproveMembership
    | DeclineMembership
    | AcceptInvitation
    | SuspendMember
    | ReinstateMember
    | LeaveCoalition
    | AssignRole
    | RemoveRole
    | VerifyMember
    | WithdrawVerification
    | CloseCoalition
)
