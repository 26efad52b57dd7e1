"""The statement aggregate: a joint advocacy statement, its versions, signatures and endorsements.

A statement is drafted (and translated) freely, then opened: opening freezes the text under a
SHA-256 content hash, the statement's version. Organisations sign a version; an amendment makes a
new version, and earlier signatures count again only once their organisation confirms the new
text. Withdrawals are events. The deadline closes a statement by itself: every decision reads the
clock it is given (`now`), so no background job is needed.

Here: `decide`, and the names the rest of the app reaches through this module. The state and
`evolve` are in `statement_state`, the commands in `statement_commands`, the decisions in
`statement_decisions`, the events in `statement_events`, the rules they apply in `policy`.
Signing, confirming and withdrawing decide on the named organisation's own state: who holds a
valid mandate today is the domain's question, not a flag the caller passes in.
"""

from __future__ import annotations

from datetime import datetime

from coalition.domain import policy
from coalition.domain.base import Change, NotFound, RuleBroken
from coalition.domain.coalition_state import Actor, Coalition
from coalition.domain.organisation import Organisation
from coalition.domain.statement_commands import (
    AmendStatement,
    CloseStatement,
    Command,
    ConfirmSignature,
    DraftStatement,
    EndorseStatement,
    OpenStatement,
    PublishStatement,
    ReviseDraft,
    SetTranslation,
    SignStatement,
    WithdrawSignature,
)
from coalition.domain.statement_decisions import DECISIONS, draft
from coalition.domain.statement_events import LANGUAGES, MAX_BODY, MAX_PLACE, MAX_THRESHOLD, MAX_TITLE
from coalition.domain.statement_signing import (
    ENDORSEMENTS,
    FOR_AN_ORGANISATION,
    OTHER_ORGANISATIONS,
    SIGNATURES,
    independent_of,
)
from coalition.domain.statement_state import STATES, Signature, Statement, Text, content_hash, evolve, replay, stream

__all__ = [
    "LANGUAGES",
    "MAX_BODY",
    "MAX_PLACE",
    "MAX_THRESHOLD",
    "MAX_TITLE",
    "OTHER_ORGANISATIONS",
    "independent_of",
    "SIGNATURES",
    "ENDORSEMENTS",
    "STATES",
    "AmendStatement",
    "CloseStatement",
    "Command",
    "ConfirmSignature",
    "DraftStatement",
    "EndorseStatement",
    "OpenStatement",
    "PublishStatement",
    "ReviseDraft",
    "SetTranslation",
    "SignStatement",
    "Signature",
    "Statement",
    "Text",
    "WithdrawSignature",
    "content_hash",
    "decide",
    "evolve",
    "may_draft",
    "replay",
    "stream",
]

may_draft = policy.may_draft


def decide(
    coalition: Coalition | None,
    state: Statement | None,
    command: Command,
    actor: Actor,
    now: datetime,
    organisation: Organisation | None = None,
) -> list[Change]:
    """The events a statement command produces, or a DomainError saying why it is refused.

    `organisation`: the state of the organisation a sign, confirm or withdraw command names (None:
    unknown); whether the actor holds its signing mandate is decided from it, on `now`'s day.
    """
    if coalition is None:
        raise NotFound("no such coalition")
    policy.check_open(coalition)  # an ended coalition's statements change no more (policy.ending)
    if isinstance(command, DraftStatement):
        if state is not None:
            raise RuleBroken("statement %(statement)s already exists", statement=command.statement_id)
        return draft(coalition, command, actor)
    if state is None or state.coalition_id != coalition.coalition_id:
        raise NotFound("no such statement in this coalition")
    if type(command) in FOR_AN_ORGANISATION:
        return FOR_AN_ORGANISATION[type(command)](coalition, state, command, actor, now, organisation)
    return DECISIONS[type(command)](coalition, state, command, actor, now)
