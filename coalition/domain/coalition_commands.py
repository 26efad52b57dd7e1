"""The coalition aggregate's membership, role and agreement commands (imperative dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

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
class LeaveCoalition:
    organisation_id: str
    reason: str | None = None


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
)
