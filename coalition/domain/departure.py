"""A person closing their account: what each organisation and coalition they hold a place in records, or why not.

Closing is refused while the person is the last administrator of an organisation or holds every facilitator
role of a coalition (each always keeps one): the refusal names it and says what to do first. Otherwise they
stop administering each organisation (`AdministratorRemoved`), their signing mandates end from today
(`MandateRevoked`), their coalition roles end (`RoleRemoved`), and `AccountClosed` is recorded on their own
stream. Their name stays in the log as recorded; erasing it is another step (erasure).
"""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields

from coalition.domain import policy
from coalition.domain.base import Change, RuleBroken
from coalition.domain.coalition_state import Coalition
from coalition.domain.event_types import registry
from coalition.domain.organisation import Organisation

REASON = "the person closed their account"


@registry.register("AccountClosed")
class AccountClosed(Schema):
    user_id = fields.String(required=True)


def leave_organisation(state: Organisation, user_id: str, today: date) -> list[Change]:
    """What the organisation records when the person closes their account (refused for its last administrator)."""
    if policy.last_administrator(state, user_id):
        raise RuleBroken(
            "you are the last administrator of %(organisation)s: make someone else its administrator first, "
            "then close your account",
            organisation=state.name,
        )
    changes = []
    if user_id in state.administrators:
        changes.append(Change("AdministratorRemoved", {"organisation_id": state.organisation_id, "user_id": user_id}))
    for mandate in state.mandates.values():
        ended = mandate.revoked_on is not None or (mandate.valid_until is not None and mandate.valid_until < today)
        if mandate.user_id == user_id and not ended:
            payload = {"organisation_id": state.organisation_id, "mandate_id": mandate.mandate_id}
            changes.append(Change("MandateRevoked", {**payload, "revoked_on": today.isoformat()}))
    return changes


def leave_coalition(state: Coalition, user_id: str) -> list[Change]:
    """What the coalition records when the person closes their account (refused if they are its last facilitator).

    An ended coalition records nothing more (`policy.check_open`): its roles stay as they stood at its end, and
    closing an account is never held up by one.
    """
    if policy.is_ended(state):
        return []
    if policy.last_facilitator(state, user_id):
        raise RuleBroken(
            "you hold the last facilitator role of %(coalition)s: ask for the role to be given to someone else "
            "(or give it yourself), then close your account",
            coalition=state.agreement.name,
        )
    return [
        Change("RoleRemoved", {"coalition_id": state.coalition_id, "role_id": role.role_id, "reason": REASON})
        for role in state.roles.values()
        if role.user_id == user_id
    ]


def closed(user_id: str) -> Change:
    """The event on the person's own stream."""
    return Change("AccountClosed", {"user_id": user_id})
