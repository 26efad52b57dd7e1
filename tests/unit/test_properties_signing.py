"""The events a signer's (or endorser's) append condition admits never change the decision (hypothesis).

A signature, confirmation or withdrawal for an organisation is appended if nothing landed in the
statement's stream since its read but events `statement_signing.OTHER_ORGANISATIONS` lists, for other
organisations (events/conditions.py). That is sound only if such events leave the decision as it was.
Here: a random history of a statement (signatures, confirmations, withdrawals, endorsements,
amendments, a close, a publication, by any of four members); a read at a random point; any signing
command for any organisation. Whenever the condition admits every event after the read, deciding on
the state at the read gives exactly what deciding on the state at the end gives: the same events or
the same refusal. The same for an endorsement, whose condition admits every signature event and another
person's endorsement (`statement_signing.independent_of`); a signer's condition admits every endorsement.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coalition.domain import statement as st_
from coalition.domain.base import Change, DomainError
from coalition.domain.coalition import (
    AcceptInvitation,
    Actor,
    Agreement,
    AssignRole,
    Coalition,
    FoundCoalition,
    InviteOrganisation,
    Objective,
)
from coalition.domain.coalition import decide as decide_coalition
from coalition.domain.coalition import evolve as evolve_coalition
from coalition.domain.organisation import Mandate, Organisation
from events import AppendCondition
from tests.unit.strategies import PROPERTY_SETTINGS

ORGS = ("org-a", "org-b", "org-c", "org-d")
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
ANA = Actor("u-ana", frozenset({"org-a"}))


def signer(org: str) -> Actor:
    return Actor(f"u-{org}", frozenset({org}))


def mandated(org: str) -> Organisation:
    return Organisation(
        org, org, "RO", "ngo", frozenset(), {"m": Mandate("m", f"u-{org}", "Director", date(2000, 1, 1))}
    )


def founded() -> Coalition:
    """org-a founds c1 (Ana facilitates); b, c and d join; org-b's and org-c's users endorse."""
    agreement = Agreement("Rivers", "Restore the basin", (Objective("o", "Trees"),), NOW.date(), "Calls", "Credit")
    steps: list[tuple[Any, Actor]] = [(FoundCoalition("c1", "org-a", "r-fac", agreement), ANA)]
    for org in ORGS[1:]:
        steps += [(InviteOrganisation(org), ANA), (AcceptInvitation(org), signer(org))]
    steps.append((AssignRole("r-end", "endorser", "u-org-b", "org-b", frozenset({"org-b"})), ANA))
    steps.append((AssignRole("r-end2", "endorser", "u-org-c", "org-c", frozenset({"org-c"})), ANA))
    coalition: Coalition | None = None
    for command, actor in steps:
        for change in decide_coalition(coalition, command, actor, NOW.date()):
            coalition = evolve_coalition(coalition, change)
    assert coalition is not None
    return coalition


COALITION = founded()


def outcome(state: st_.Statement | None, command: Any, actor: Actor, org: str | None) -> Any:
    """The decision's events, or its refusal as (kind, message, parameters)."""
    try:
        return st_.decide(COALITION, state, command, actor, NOW, mandated(org) if org else None)
    except DomainError as refusal:
        return (type(refusal), refusal.message, refusal.params)


def signing(kind: str, org: str, version_hash: str | None) -> Any:
    if kind == "sign":
        return st_.SignStatement(org, "Signer", "Director", version_hash=version_hash)
    if kind == "confirm":
        return st_.ConfirmSignature(org, "Signer", "Director", version_hash=version_hash)
    return st_.WithdrawSignature(org, "We changed our minds")


ENDORSERS = ("org-b", "org-c")  # whose users hold the endorser role
SIGNING = st.tuples(st.sampled_from(["sign", "confirm", "withdraw"]), st.sampled_from(ORGS), st.booleans())
STEP = st.one_of(
    st.tuples(st.sampled_from(["sign"] * 4 + ["confirm", "withdraw"]), st.sampled_from(ORGS), st.booleans()),
    st.tuples(st.sampled_from(["sign"] * 4 + ["confirm", "withdraw"]), st.sampled_from(ORGS), st.booleans()),
    st.tuples(st.just("amend"), st.sampled_from(["We ask more.", "We ask less."]), st.just(False)),
    st.tuples(st.sampled_from(["close", "publish"]), st.just(""), st.just(False)),
    st.tuples(st.just("endorse"), st.sampled_from(ENDORSERS), st.just(False)),
)


def history(steps: list[tuple[str, str, bool]], deadline: int | None) -> list[Change]:
    """A drafted, opened statement, then each step decided on the state so far (refused steps leave nothing)."""
    state: st_.Statement | None = None
    opening = st_.OpenStatement(None if deadline is None else NOW + timedelta(hours=deadline), 2)
    commands: list[tuple[Any, Actor, str | None]] = [
        (st_.DraftStatement("s1", "Clean rivers", "We ask.", "en"), ANA, None),
        (opening, ANA, None),
    ]
    for kind, value, names_version in steps:
        if kind in ("sign", "confirm", "withdraw"):
            commands.append((signing(kind, value, "read" if names_version else None), signer(value), value))
        elif kind == "amend":
            commands.append((st_.AmendStatement(body=value), ANA, None))
        elif kind == "endorse":
            commands.append((st_.EndorseStatement("Deb"), signer(value), None))
        else:
            commands.append((st_.CloseStatement() if kind == "close" else st_.PublishStatement(), ANA, None))
    changes: list[Change] = []
    for command, actor, org in commands:
        if getattr(command, "version_hash", None) == "read":  # the signer names the version in front of them
            command = type(command)(command.organisation_id, "Signer", "Director", state and state.version_hash)
        decided = outcome(state, command, actor, org)
        if isinstance(decided, list):
            for change in decided:
                state = st_.evolve(state, change)
            changes += decided
    return changes


@settings(PROPERTY_SETTINGS, max_examples=500)  # about one in eight has unread events the condition admits
@given(
    steps=st.lists(STEP, max_size=12),
    deadline=st.none() | st.just(48),  # hours after NOW (both decisions are made at NOW)
    unread=st.integers(min_value=0, max_value=4),  # how many of the last events the read did not see
    probe=SIGNING,
)
def test_what_the_condition_admits_never_changes_a_signing_decision(
    steps: list[tuple[str, str, bool]], deadline: int | None, unread: int, probe: tuple[str, str, bool]
) -> None:
    changes = history(steps, deadline)
    read = max(2, len(changes) - unread)  # after the opening at least
    kind, org, names_version = probe
    at_read = st_.replay(changes[:read])
    command = signing(kind, org, at_read.version_hash if names_version and at_read else None)
    independent = st_.independent_of(command, signer(org))
    assert independent == ("organisation_id", org, frozenset({"StatementEndorsed"}))
    condition = AppendCondition("statement-s1", read, st_.OTHER_ORGANISATIONS, *independent)

    if all(condition.admits(change.type, change.payload) for change in changes[read:]):
        assert outcome(at_read, command, signer(org), org) == outcome(st_.replay(changes), command, signer(org), org)


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(
    steps=st.lists(STEP, max_size=12),
    deadline=st.none() | st.just(48),
    unread=st.integers(min_value=0, max_value=4),
    endorser=st.sampled_from(ENDORSERS),
)
def test_what_an_endorsers_condition_admits_never_changes_the_endorsement(
    steps: list[tuple[str, str, bool]], deadline: int | None, unread: int, endorser: str
) -> None:
    changes = history(steps, deadline)
    read = max(2, len(changes) - unread)
    at_read, actor = st_.replay(changes[:read]), signer(endorser)
    command = st_.EndorseStatement("Deb")
    independent = st_.independent_of(command, actor)
    assert independent == ("user_id", actor.user_id, st_.SIGNATURES)
    condition = AppendCondition("statement-s1", read, st_.OTHER_ORGANISATIONS, *independent)

    if all(condition.admits(change.type, change.payload) for change in changes[read:]):
        assert outcome(at_read, command, actor, None) == outcome(st_.replay(changes), command, actor, None)


def test_the_endorsers_property_can_fail_when_their_own_endorsement_is_admitted() -> None:
    """The endorser's own endorsement since the read changes the decision (nothing more to record)."""
    changes = history([("endorse", "org-c", False)], None)
    command, actor = st_.EndorseStatement("Deb"), signer("org-c")
    before, after = st_.replay(changes[:2]), st_.replay(changes)
    assert outcome(before, command, actor, None) != outcome(after, command, actor, None) == []
    condition = AppendCondition("statement-s1", 2, st_.OTHER_ORGANISATIONS, *st_.independent_of(command, actor))
    assert not condition.admits(changes[2].type, changes[2].payload)


def test_other_statement_commands_decide_on_the_exact_version() -> None:
    assert st_.independent_of(st_.CloseStatement(), ANA) is None
    assert st_.independent_of(st_.AmendStatement(body="More."), ANA) is None


def test_the_property_can_fail_a_condition_that_admits_too_much() -> None:
    """A close admitted (as if it commuted) would change the decision: the check above would catch it."""
    changes = history([("close", "", False)], None)
    command = signing("sign", "org-b", None)
    before, after = st_.replay(changes[:2]), st_.replay(changes)
    assert outcome(before, command, signer("org-b"), "org-b") != outcome(after, command, signer("org-b"), "org-b")
