"""Any sequence of statement commands keeps the statement's invariants (hypothesis, stateful).

Two statements of one coalition get random commands (drafting, translating, opening with a
deadline and a threshold, amending, signing by members with or without a mandate, confirming,
withdrawing, endorsing, closing, publishing) while members are suspended, leave and rejoin and
the clock moves on. After every step: one signature per organisation per version, counted
signatures equal a recount from the log, the version hash is the hash of the text, publication
only after the close with enough current signatures; at the end, the standing view's statement
figures equal a recount of the same log.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.engine import Connection

from coalition.domain import statement as st_
from coalition.domain.base import Change
from coalition.domain.coalition import (
    AcceptInvitation,
    Actor,
    Agreement,
    ApproveMembership,
    AssignRole,
    Coalition,
    FoundCoalition,
    InviteOrganisation,
    LeaveCoalition,
    Objective,
    ReinstateMember,
    RequestMembership,
    SuspendMember,
    active_roles,
    member_state,
)
from coalition.domain.coalition import (
    decide as decide_coalition,
)
from coalition.domain.coalition import (
    evolve as evolve_coalition,
)
from coalition.domain.organisation import Mandate, Organisation
from coalition.domain.statement import Statement, Text, content_hash
from tests.unit.strategies import (  # noqa: F401  (projection_database is a fixture)
    PROPERTY_SETTINGS,
    Log,
    decided,
    mostly,
    projected_standing,
    projection_database,
    resolve,
    whos,
)

ORGS = ("org-a", "org-b", "org-c", "org-d", "org-e")
HOMES = {
    "u-ana": frozenset({"org-a"}),
    "u-ben": frozenset({"org-b"}),
    "u-deb": frozenset({"org-b"}),
    "u-cy": frozenset({"org-c"}),
    "u-dot": frozenset({"org-d"}),
    "u-eve": frozenset({"org-e"}),
}
WHO = whos(HOMES, ORGS)
IN_ORGS = st.sampled_from(ORGS)
STATEMENTS = mostly("s1", "s2")  # s1 starts drafted, perhaps open
TITLES = st.sampled_from(["Clean rivers now", "Clean rivers, now!", "Rivers first"] * 2 + [" "])
BODIES = st.sampled_from(["We call on governments to act.", "We call on governments to act today."] * 2 + [""])
LANGUAGES = mostly("ro", "pl", "en", "zz")  # zz: not a language
START = datetime(2025, 3, 1, 12, tzinfo=UTC)
COUNTING = ("StatementSigned", "SignatureConfirmed")
MEMBERSHIP_AFTER = {
    "CoalitionFounded": "active",
    "MembershipRequested": "requested",
    "MemberInvited": "invited",
    "MembershipApproved": "active",
    "InvitationAccepted": "active",
    "MemberSuspended": "suspended",
    "MemberReinstated": "active",
    "MemberLeft": "left",
}


def own_actor(org: str) -> Actor:
    """The first user of an organisation, acting for it."""
    user = next(user for user, home in sorted(HOMES.items()) if org in home)
    return Actor(user, HOMES[user])


def signatures_recounted(log: Log, statement_id: str) -> dict[str, tuple[int, str, bool]]:
    """Per organisation: its last signing or confirming event's position and version, and whether it was withdrawn."""
    held: dict[str, tuple[int, str, bool]] = {}
    for position, change in log.positioned():
        p = change.payload
        if p.get("statement_id") != statement_id:
            continue
        if change.type in COUNTING:
            held[p["organisation_id"]] = (position, p["version_hash"], False)
        elif change.type == "SignatureWithdrawn":
            position_, version, _ = held[p["organisation_id"]]
            held[p["organisation_id"]] = (position_, version, True)
    return held


def participation_recounted(log: Log) -> dict[str, dict[str, list[int]]]:
    """Per member: the openings of statements while it was active, and its counted signatures on those."""
    members: dict[str, str] = {}
    opened: dict[str, tuple[int, set[str]]] = {}  # statement -> (position, organisations active then)
    current: dict[str, str] = {}  # statement -> version hash
    for position, change in log.positioned():
        p = change.payload
        if change.type in MEMBERSHIP_AFTER:
            members[p["organisation_id"]] = MEMBERSHIP_AFTER[change.type]
        elif change.type == "StatementOpened":
            opened[p["statement_id"]] = (position, {org for org, state in members.items() if state == "active"})
        if change.type in ("StatementOpened", "StatementAmended"):
            current[p["statement_id"]] = p["version_hash"]
    figures = {org: {"opened": [], "signed": []} for org in members}
    for statement_id, (position, active) in opened.items():
        held = signatures_recounted(log, statement_id)
        for org in active:
            figures[org]["opened"].append(position)
            if org in held and not held[org][2] and held[org][1] == current[statement_id]:
                figures[org]["signed"].append(held[org][0])
    return {org: {name: sorted(positions) for name, positions in figure.items()} for org, figure in figures.items()}


def in_phase(*phases: str | None) -> Any:
    """A rule's precondition: some statement is in one of these phases now (None: not drafted yet)."""
    return precondition(
        lambda machine: any((s.phase(machine.now) if s else None) in phases for s in machine.statements.values())
    )


class StatementCommands(RuleBasedStateMachine):
    """One coalition of five organisations and two of its statements, driven by random commands."""

    def __init__(self, database: Connection) -> None:
        super().__init__()
        self.database = database
        self.coalition: Coalition | None = None
        self.statements: dict[str, Statement | None] = {"s1": None, "s2": None}
        self.now = START
        self.log = Log()

    # -- running commands -------------------------------------------------------------------------

    def actor(self, who: int | Actor, *orgs: str, role: str = "facilitator") -> Actor:
        """`who` itself, or the who-th of the likely users: holders of `role` first, then users of `orgs`."""
        holders = [r.user_id for r in active_roles(self.coalition, role)] if self.coalition else []
        return resolve(who, HOMES, holders, *orgs)

    def run_coalition(self, command: Any, who: int | Actor, *orgs: str) -> list[Change] | None:
        """A coalition command (founding, membership, roles), decided today and folded in if accepted."""
        actor = self.actor(who, *orgs)
        changes = decided(decide_coalition, self.coalition, command, actor, self.now.date())
        note(f"{self.now:%d %H:%M}: {command!r} by {actor.user_id} -> {changes and [c.type for c in changes]}")
        for change in changes or []:
            self.coalition = evolve_coalition(self.coalition, change)
        self.log.append("coalition-c1", changes or [], self.now)
        return changes

    def run(
        self,
        statement_id: str,
        command: Any,
        who: int | Actor,
        *orgs: str,
        role: str = "facilitator",
        mandated: bool = True,
    ) -> list[Change] | None:
        """A statement command, decided now; if accepted, each change is checked, folded in and logged.

        `mandated`: whether the actor holds a valid signing mandate of the organisation the command names.
        """
        actor = self.actor(who, *orgs, role=role)
        before = self.statements[statement_id]
        named = getattr(command, "organisation_id", None)
        mandates = {"m": Mandate("m", actor.user_id, "Director", date(2000, 1, 1))} if mandated else {}
        organisation = Organisation(named, named, "RO", "ngo", frozenset(), mandates) if named else None
        changes = decided(st_.decide, self.coalition, before, command, actor, self.now, organisation)
        note(
            f"{self.now:%d %H:%M}: {statement_id} {command!r} by {actor.user_id} "
            f"-> {'refused' if changes is None else [c.type for c in changes]}"
        )
        if changes is None:
            return None
        if before is not None and before.state == "published":
            assert changes == [], "a published statement changed"
        if before is not None and before.phase(self.now) == "closed":
            assert {c.type for c in changes} <= {"StatementClosed", "StatementPublished"}, "a closed statement changed"
        after = before
        for change in changes:
            self.check_change(after, change)
            after = st_.evolve(after, change)
        assert after is not None
        if before is not None and before.version_hash is not None:
            assert (before.texts != after.texts) == (before.version_hash != after.version_hash), (
                "the version hash changed without the text, or the text without the hash"
            )
            if before.version_hash != after.version_hash:
                assert after.version == before.version + 1
        self.statements[statement_id] = after
        self.log.append(f"statement-{statement_id}", changes, self.now)
        return changes

    def check_change(self, state: Statement | None, change: Change) -> None:
        """What each event needs of the statement it changes (folded up to the events before it)."""
        p, kind = change.payload, change.type
        if kind == "StatementDrafted":
            assert state is None
            return
        assert state is not None
        phase = state.phase(self.now)
        if kind in (*COUNTING, "SignatureWithdrawn", "StatementAmended", "StatementEndorsed"):
            assert phase == "open", f"{kind} while the statement is {phase}"
            assert state.deadline is None or self.now < state.deadline, f"{kind} at or after the deadline"
        if kind in COUNTING:
            assert member_state(self.coalition, p["organisation_id"]) == "active", f"{kind} by a non-member"
            assert p["version_hash"] == state.version_hash, f"{kind} on another version"
            held = state.signatures.get(p["organisation_id"])
            assert held is None or held.withdrawn or held.version_hash != state.version_hash, (
                f"{p['organisation_id']} signed version {state.version} twice"
            )
            if kind == "SignatureConfirmed":
                assert held is not None and not held.withdrawn
        if kind == "SignatureWithdrawn":
            held = state.signatures.get(p["organisation_id"])
            assert held is not None and not held.withdrawn
        if kind in ("DraftRevised", "TranslationSet", "StatementOpened"):
            assert state.state == "draft" and phase == "draft"
        if kind == "StatementOpened":
            assert state.deadline is None and (
                p.get("deadline") is None or datetime.fromisoformat(p["deadline"]) > self.now
            )
        if kind == "StatementClosed":
            assert state.state == "open"
        if kind == "StatementPublished":
            counted = len(state.counted())
            assert state.state == "closed", f"published while {state.state}"
            assert counted >= (state.threshold or 1), f"published with {counted} of {state.threshold or 1} signatures"
            assert (p["signatures"], p["version_hash"]) == (counted, state.version_hash)

    # -- the coalition ----------------------------------------------------------------------------

    @initialize(
        members_may_draft=st.booleans(),
        opened=mostly(True, False),
        hours=st.none() | st.integers(1, 96),
        threshold=mostly(None, 1, 2, 3),
        signers=st.lists(st.sampled_from(ORGS[:4]), unique=True),
    )
    def found(
        self, members_may_draft: bool, opened: bool, hours: int | None, threshold: int | None, signers: list[str]
    ) -> None:
        """Ana founds for org-a; b, c and d join; e asks to; Deb (org-b) endorses; Ana drafts s1, may open it
        and some members sign it at once."""
        agreement = Agreement(
            "Clean Rivers Alliance",
            "Restore the river basin",
            (Objective("obj-1", "Trees"),),
            START.date(),
            "Monthly calls",
            "Shared credit",
            members_may_draft=members_may_draft,
        )
        ana = Actor("u-ana", HOMES["u-ana"])
        assert self.run_coalition(FoundCoalition("c1", "org-a", "r-fac", agreement), ana)
        for org in ("org-b", "org-c", "org-d"):
            assert self.run_coalition(InviteOrganisation(org), ana)
            assert self.run_coalition(AcceptInvitation(org), own_actor(org))
        assert self.run_coalition(RequestMembership("org-e"), own_actor("org-e"))
        assert self.run_coalition(AssignRole("r-end", "endorser", "u-deb", "org-b", HOMES["u-deb"]), ana)
        assert self.run("s1", st_.DraftStatement("s1", "Clean rivers now", "We call on governments to act.", "en"), ana)
        if opened:
            deadline = None if hours is None else self.now + timedelta(hours=hours)
            assert self.run("s1", st_.OpenStatement(deadline, threshold), ana)
            for org in signers:
                assert self.run("s1", st_.SignStatement(org, "Signer", "Director"), own_actor(org))

    @rule(
        who=WHO,
        org=st.sampled_from(ORGS[1:]),
        kind=st.sampled_from([SuspendMember, ReinstateMember, LeaveCoalition, RequestMembership, ApproveMembership]),
    )
    def membership_changes(self, who: int | Actor, org: str, kind: type) -> None:
        command = kind(org, "dues unpaid") if kind in (SuspendMember, ReinstateMember, LeaveCoalition) else kind(org)
        self.run_coalition(command, who, org)

    @rule(hours=st.sampled_from([0, 1, 3, 6, 12, 48]))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    # -- the draft --------------------------------------------------------------------------------

    @in_phase(None)
    @rule(
        sid=mostly("s2", "s1"),
        who=WHO,
        title=TITLES,
        body=BODIES,
        language=mostly("en", "ro", "zz"),
        for_org=st.none() | IN_ORGS,
    )
    def draft(self, sid: str, who: int | Actor, title: str, body: str, language: str, for_org: str | None) -> None:
        self.run(sid, st_.DraftStatement(sid, title, body, language, for_org), who, *([for_org] if for_org else []))

    @in_phase("draft")
    @rule(sid=STATEMENTS, who=WHO, title=st.none() | TITLES, body=st.none() | BODIES, language=st.none() | LANGUAGES)
    def revise(self, sid: str, who: int | Actor, title: str | None, body: str | None, language: str | None) -> None:
        self.run(sid, st_.ReviseDraft(title, body, language), who)

    @in_phase("draft")
    @rule(sid=STATEMENTS, who=WHO, language=LANGUAGES, title=TITLES, body=BODIES)
    def translate(self, sid: str, who: int | Actor, language: str, title: str, body: str) -> None:
        self.run(sid, st_.SetTranslation(language, title, body), who)

    # -- signing ----------------------------------------------------------------------------------

    @in_phase("draft")
    @rule(sid=STATEMENTS, who=WHO, hours=st.none() | st.integers(-1, 96), threshold=mostly(None, 1, 2, 3, 0))
    def open_for_signature(self, sid: str, who: int | Actor, hours: int | None, threshold: int | None) -> None:
        deadline = None if hours is None else self.now + timedelta(hours=hours)
        self.run(sid, st_.OpenStatement(deadline, threshold), who)

    @in_phase("open")
    @rule(
        sid=STATEMENTS,
        who=WHO,
        title=st.none() | TITLES,
        body=st.none() | BODIES,
        translation=st.none() | st.tuples(LANGUAGES, TITLES, BODIES),
    )
    def amend(
        self, sid: str, who: int | Actor, title: str | None, body: str | None, translation: tuple[str, str, str] | None
    ) -> None:
        translations = {translation[0]: Text(translation[1], translation[2])} if translation else None
        self.run(sid, st_.AmendStatement(title, body, translations), who)

    @in_phase("open")
    @rule(sid=STATEMENTS, who=WHO, org=IN_ORGS, mandated=mostly(True, False), name=mostly("Ana Pop", " "))
    def sign(self, sid: str, who: int | Actor, org: str, mandated: bool, name: str) -> None:
        self.run(sid, st_.SignStatement(org, name, "Director"), who, org, mandated=mandated)

    @in_phase("open")
    @rule(sid=STATEMENTS, who=WHO, org=IN_ORGS, mandated=mostly(True, False))
    def confirm(self, sid: str, who: int | Actor, org: str, mandated: bool) -> None:
        self.run(sid, st_.ConfirmSignature(org, "Ana Pop", "Director"), who, org, mandated=mandated)

    @in_phase("open")
    @rule(sid=STATEMENTS, who=WHO, org=IN_ORGS, mandated=mostly(True, False), reason=mostly("We disagree", " "))
    def withdraw(self, sid: str, who: int | Actor, org: str, mandated: bool, reason: str) -> None:
        self.run(sid, st_.WithdrawSignature(org, reason), who, org, mandated=mandated)

    @in_phase("open")
    @rule(sid=STATEMENTS, who=WHO, name=mostly("Deb Ionescu", " "))
    def endorse(self, sid: str, who: int | Actor, name: str) -> None:
        self.run(sid, st_.EndorseStatement(name, None), who, role="endorser")

    @in_phase("open", "closed")
    @rule(sid=STATEMENTS, who=WHO, publish=st.booleans())
    def close_or_publish(self, sid: str, who: int | Actor, publish: bool) -> None:
        self.run(sid, st_.PublishStatement() if publish else st_.CloseStatement(), who)

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def versions_are_hashes_of_the_text(self) -> None:
        for statement in filter(None, self.statements.values()):
            if statement.state == "draft":
                assert (statement.version, statement.version_hash) == (0, None)
                assert not statement.signatures and not statement.endorsements
            else:
                assert statement.version >= 1
                assert statement.version_hash == content_hash(statement.language, statement.texts)

    @invariant()
    def counted_signatures_equal_a_recount(self) -> None:
        for sid, statement in self.statements.items():
            if statement is None:
                continue
            held = signatures_recounted(self.log, sid)
            recount = {
                org
                for org, (_, version, withdrawn) in held.items()
                if not withdrawn and version == statement.version_hash
            }
            counted = [s.organisation_id for s in statement.counted()]
            assert len(counted) == len(set(counted)) and set(counted) == recount
            assert all(s.version_hash == statement.version_hash for s in statement.counted())

    @invariant()
    def one_signature_per_organisation_per_version(self) -> None:
        for sid in self.statements:
            live: dict[str, str] = {}  # organisation -> version of its standing signature
            for _, change in self.log.positioned():
                p = change.payload
                if p.get("statement_id") != sid:
                    continue
                if change.type in COUNTING:
                    assert live.get(p["organisation_id"]) != p["version_hash"], "two signatures on one version"
                    live[p["organisation_id"]] = p["version_hash"]
                elif change.type == "SignatureWithdrawn":
                    del live[p["organisation_id"]]

    @invariant()
    def publication_follows_the_close(self) -> None:
        for sid, statement in self.statements.items():
            if statement is None:
                continue
            types = [c.type for _, c in self.log.positioned() if c.payload.get("statement_id") == sid]
            assert types.count("StatementOpened") <= 1 and types.count("StatementClosed") <= 1
            assert types.count("StatementPublished") <= 1
            if statement.state == "published":
                assert types.index("StatementClosed") < types.index("StatementPublished")
                assert len(statement.counted()) >= (statement.threshold or 1)

    def teardown(self) -> None:
        """The stored log replays to the same statements, and the standing view's figures equal a recount of it."""
        if self.coalition is None or sys.exc_info()[0] is not None:  # a step failed: let its error stand
            return
        for sid, statement in self.statements.items():
            stored = [
                Change(c.type, json.loads(json.dumps(c.payload)))
                for _, c in self.log.positioned()
                if c.payload.get("statement_id") == sid
            ]
            assert st_.replay(stored) == statement, f"replaying the stored log gives another {sid}"
        rows = projected_standing(self.database, self.log, "c1", self.now.date())
        projected = {
            org: {name: figure["positions"] for name, figure in row["statements"].items()} for org, row in rows.items()
        }
        assert projected == participation_recounted(self.log)


def test_any_sequence_of_statement_commands_keeps_its_invariants(projection_database: Connection) -> None:
    run_state_machine_as_test(lambda: StatementCommands(projection_database), settings=PROPERTY_SETTINGS)
