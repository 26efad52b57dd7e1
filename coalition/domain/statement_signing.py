"""The statement aggregate's signing decisions: sign, confirm and withdraw, on the named organisation's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from coalition.domain import policy
from coalition.domain.base import N_, Change, DomainError, RuleBroken
from coalition.domain.coalition_state import Actor, Coalition
from coalition.domain.organisation import Organisation
from coalition.domain.statement_commands import ConfirmSignature, EndorseStatement, SignStatement, WithdrawSignature
from coalition.domain.statement_state import Statement


def _raise(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _ids(state: Statement) -> dict[str, str]:
    return {"coalition_id": state.coalition_id, "statement_id": state.statement_id}


def _read_current(state: Statement, command: SignStatement | ConfirmSignature) -> None:
    """A signer who names the version they read signs that one or nothing: never a text they have not seen."""
    if command.version_hash is not None and command.version_hash != state.version_hash:
        raise RuleBroken(
            "the text was amended after you read it (you read version %(read)s, "
            "it is now %(current)s): read the new version, then sign it",
            read=command.version_hash[:12],
            current=str(state.version_hash)[:12],
        )


def _signer(
    state: Statement,
    command: SignStatement | ConfirmSignature,
    actor: Actor,
    organisation: Organisation | None,
    today: date,
) -> dict[str, Any]:
    mandate = organisation.mandate_of(actor.user_id, today) if organisation is not None else None
    name = command.signer_name.strip()
    title = command.signer_title.strip() or (mandate.title if mandate is not None else "")
    if not name or not title:
        raise RuleBroken("a signature needs the signer's name and title")
    return {
        **_ids(state),
        "organisation_id": command.organisation_id,
        "user_id": actor.user_id,
        "signer_name": name,
        "signer_title": title,
        "version_hash": state.version_hash,
    }


def _sign(
    coalition: Coalition,
    state: Statement,
    command: SignStatement,
    actor: Actor,
    now: datetime,
    org: Organisation | None,
) -> list[Change]:
    mandated = policy.signs_for(org, actor.user_id, now.date())
    _raise(policy.sign_refusal(coalition, state, now, command.organisation_id, mandated))
    _read_current(state, command)
    held = state.signatures.get(command.organisation_id)
    if policy.signed_current(held, state.version_hash):
        return []  # one signature per organisation per version, counted or not: signing again changes nothing
    return [Change("StatementSigned", _signer(state, command, actor, org, now.date()))]


def _confirm(
    coalition: Coalition,
    state: Statement,
    command: ConfirmSignature,
    actor: Actor,
    now: datetime,
    org: Organisation | None,
) -> list[Change]:
    mandated = policy.signs_for(org, actor.user_id, now.date())
    held = state.signatures.get(command.organisation_id)
    _raise(policy.phase_refusal(state, now, N_("confirm a signature"), "open"))
    _raise(policy.signer_refusal(coalition, command.organisation_id, mandated, N_("confirm its signature")))
    _read_current(state, command)  # a stale reader learns that before whether there is anything to confirm
    _raise(policy.confirm_refusal(coalition, state, now, command.organisation_id, mandated, held, state.version_hash))
    return [Change("SignatureConfirmed", _signer(state, command, actor, org, now.date()))]


def _withdraw(
    coalition: Coalition,
    state: Statement,
    command: WithdrawSignature,
    actor: Actor,
    now: datetime,
    org: Organisation | None,
) -> list[Change]:
    mandated = policy.signs_for(org, actor.user_id, now.date())
    held = state.signatures.get(command.organisation_id)
    _raise(policy.withdraw_refusal(state, now, command.organisation_id, mandated, held))
    if not command.reason.strip():
        raise RuleBroken("a reason is required to withdraw a signature")
    payload = {
        **_ids(state),
        "organisation_id": command.organisation_id,
        "user_id": actor.user_id,
        "reason": command.reason.strip(),
    }
    return [Change("SignatureWithdrawn", payload)]


#: What a sign, confirm or withdraw decision for one organisation never reads: another organisation's
#: signature, confirmation or withdrawal, nor any endorsement. It reads the phase, the deadline, the current
#: version and the named organisation's own signature. So such events landing between its read and its append
#: leave it as it was, and the handler appends on that condition instead of on the statement's exact version
#: (docs/architecture.md, "Signers do not conflict"). Anything else (an amendment, a close, the same
#: organisation's own signature) makes it decide again on the new facts. An endorsement reads the phase, the
#: deadline, the current version and the endorser's own endorsement: never a signature, nor another person's
#: endorsement.
SIGNATURES = frozenset({"StatementSigned", "SignatureConfirmed", "SignatureWithdrawn"})
ENDORSEMENTS = frozenset({"StatementEndorsed"})
OTHER_ORGANISATIONS = SIGNATURES | ENDORSEMENTS


def independent_of(command: object, actor: Actor) -> tuple[str, str, frozenset[str]] | None:
    """What of `OTHER_ORGANISATIONS` the decision never reads, as an append condition's `key`, `value` and
    `always` (events/conditions.py); None: it reads everything (it decides on the exact version).

    A signature, confirmation or withdrawal reads the named organisation's own signature (`organisation_id`) and
    no endorsement; an endorsement reads the endorser's own endorsement (`user_id`) and no signature.
    """
    if isinstance(command, SignStatement | ConfirmSignature | WithdrawSignature):
        return "organisation_id", command.organisation_id, ENDORSEMENTS
    if isinstance(command, EndorseStatement):
        return "user_id", actor.user_id, SIGNATURES
    return None


#: The decisions that read the organisation the command names (who holds its mandate today).
FOR_AN_ORGANISATION: dict[type, Callable[..., list[Change]]] = {
    SignStatement: _sign,
    ConfirmSignature: _confirm,
    WithdrawSignature: _withdraw,
}
