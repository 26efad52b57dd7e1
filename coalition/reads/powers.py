"""What the signed-in person may do with a coalition's statements: the domain's rules, asked of the read model.

Pages show a form only to the people these say may use it; the handler's refusal stays the authority.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coalition.domain import policy
from coalition.domain.base import DomainError
from coalition.domain.coalition_state import Actor
from coalition.reads.access import as_domain
from coalition.reads.standing import Snapshot
from coalition.reads.statements import deadline_of


@dataclass(frozen=True, slots=True)
class Powers:
    """What the signed-in person may do with a coalition's statements (the domain's rules, on the read model)."""

    facilitator: bool
    drafts_for: tuple[str, ...]  # the members a non-facilitator may draft for (when the agreement allows it)
    endorser: bool
    editor: bool = False  # may edit the statement at hand

    @property
    def may_draft(self) -> bool:
        """Whether they may draft a new statement at all."""
        return self.facilitator or bool(self.drafts_for)


def powers(snap: Snapshot, reader: Actor, statement: Mapping[str, Any] | None = None) -> Powers:
    """What `reader` may do; with `statement` (a statements row), whether they may edit it."""
    coalition = as_domain(snap)
    facilitator = policy.is_facilitator(coalition, reader)
    drafts_for = (
        () if facilitator else tuple(sorted(o for o in reader.acts_for if policy.may_draft(coalition, reader, o)))
    )
    endorser = policy.is_endorser(coalition, reader) is not None
    editor = facilitator
    if statement is not None:
        editor = policy.may_edit(coalition, reader, statement["drafted_by"], statement["drafted_for"])
    return Powers(facilitator, drafts_for, endorser, editor)


def may_change_commitment(snap: Snapshot, reader: Actor, row: Mapping[str, Any]) -> bool:
    """Whether `reader` may fulfil, withdraw or reschedule this commitment row now (`policy.may_change_commitment`)."""
    return policy.may_change_commitment(as_domain(snap), reader, row["organisation_id"], row["state"])


def may_task(snap: Snapshot, reader: Actor, organisation_id: str) -> bool:
    """Whether `reader` may divide out a task to this organisation now: an active member (`check_active`, as the
    domain asks), and `policy.may_create_task`."""
    active = any(m["organisation_id"] == organisation_id and m["state"] == "active" for m in snap.members)
    return active and policy.may_create_task(as_domain(snap), reader, organisation_id)


def task_powers(snap: Snapshot, reader: Actor, row: Mapping[str, Any]) -> dict[str, bool]:
    """What `reader` may do to this task row now: accept, complete, and manage (reassign or drop), by
    `policy.may_change_task`."""
    coalition = as_domain(snap)

    def may(action: str) -> bool:
        return policy.may_change_task(coalition, reader, row["organisation_id"], row["state"], action)

    return {"accept": may("accept"), "complete": may("complete"), "manage": may("reassign") or may("drop")}


@dataclass(frozen=True, slots=True)
class _Phase:
    """A statements row as `policy`'s `StatementLike`: its recorded state and deadline."""

    state: str
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class _Held:
    """A signatures row as `policy`'s `SignatureLike`."""

    organisation_id: str
    version_hash: str
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class SignerPowers:
    """What the reader may do now, for one organisation they hold a valid mandate of, with a statement's
    signature: the domain's `may_sign`, `may_confirm` and `may_withdraw`, the rules `decide` applies.

    `may_sign` is left out where signing would change nothing (the organisation's signature already counts:
    the decision records nothing) or where the domain's confirm applies (an earlier version's signature:
    the page offers to confirm it instead).
    """

    organisation_id: str
    may_sign: bool
    may_confirm: bool
    may_withdraw: bool

    @property
    def any(self) -> bool:
        """Whether the page has a form to show for this organisation."""
        return self.may_sign or self.may_confirm or self.may_withdraw


def signer_powers(
    snap: Snapshot,
    statement: Mapping[str, Any],
    signatures: Iterable[Mapping[str, Any]],
    now: datetime,
    mandated: Iterable[str],
) -> dict[str, SignerPowers]:
    """For each organisation in `mandated` (the reader holds its signing mandate today: `access.mandates_of`),
    what they may do now with `statement` (a statements row) given its `signatures` rows, by the domain's rules."""
    return signing_powers(as_domain(snap), statement, signatures, now, mandated)


def awaiting(
    snap: Snapshot, statements: Iterable[Mapping[str, Any]], now: datetime, mandated: Iterable[str]
) -> dict[str, list[str]]:
    """By statement id, the organisations in `mandated` that may sign or re-confirm it now (`signer_powers`);
    `statements` are rows with their `signatures` rows (`statements.listed`). Statements with none are left out."""
    coalition, mine = as_domain(snap), list(mandated)
    result = {}
    for row in statements:
        if row["state"] != "open":
            continue
        may = signing_powers(coalition, row, row["signatures"], now, mine)
        waiting = sorted(o for o, p in may.items() if p.may_sign or p.may_confirm)
        if waiting:
            result[str(row["statement_id"])] = waiting
    return result


def sign_refusals(
    snap: Snapshot, statement: Mapping[str, Any], now: datetime, mandated: Iterable[str]
) -> dict[str, DomainError | None]:
    """For each organisation in `mandated` that is or was a member of the coalition, why the reader may not sign
    `statement` for it now (`policy.sign_refusal`: its phase, the organisation's membership), or None."""
    coalition = as_domain(snap)
    phase = _Phase(str(statement["state"]), deadline_of(statement))
    return {
        o: policy.sign_refusal(coalition, phase, now, o, True)
        for o in mandated
        if policy.member_state(coalition, o) is not None
    }


def signing_powers(
    coalition: policy.CoalitionLike,
    statement: Mapping[str, Any],
    signatures: Iterable[Mapping[str, Any]],
    now: datetime,
    mandated: Iterable[str],
) -> dict[str, SignerPowers]:
    """`signer_powers` asked of any coalition the rules can read (its members' states are what they look at)."""
    phase = _Phase(str(statement["state"]), deadline_of(statement))
    current = statement["version_hash"]
    held = {
        row["organisation_id"]: _Held(row["organisation_id"], row["version_hash"], row["status"] == "withdrawn")
        for row in signatures
    }
    result = {}
    for o in mandated:
        h = held.get(o)
        confirm = policy.may_confirm(coalition, phase, now, o, True, h, current)
        signed = policy.signed_current(h, current)  # signing again would change nothing, as `decide` says
        sign = policy.may_sign(coalition, phase, now, o, True) and not signed and not confirm
        result[o] = SignerPowers(o, sign, confirm, policy.may_withdraw(phase, now, o, True, h))
    return result
