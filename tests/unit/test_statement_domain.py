"""Statement rules: drafting, translations, opening, amending, signing, withdrawing, closing, publishing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from coalition.domain import statement as st
from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import (
    Actor,
    ApproveMembership,
    AssignRole,
    Coalition,
    FoundCoalition,
    RequestMembership,
    SuspendMember,
)
from coalition.domain.coalition import decide as decide_coalition
from coalition.domain.coalition import evolve as evolve_coalition
from coalition.domain.event_types import registry
from coalition.domain.organisation import Mandate, Organisation
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, agreement, at

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
DEB = Actor("u-deb", frozenset({"org-b"}))  # another user of org-b, its endorser


def coalition_with(members_may_draft: bool = False) -> Coalition:
    """Ana (org-a) facilitates; org-b is an active member whose user Deb is an endorser."""
    state: Coalition | None = None
    steps: list[tuple[Any, Actor]] = [
        (FoundCoalition("c1", "org-a", "r-fac", agreement(members_may_draft=members_may_draft)), ANA),
        (RequestMembership("org-b"), BEN),
        (ApproveMembership("org-b"), ANA),
        (AssignRole("r-end", "endorser", "u-deb", "org-b", frozenset({"org-b"})), ANA),
    ]
    for command, actor in steps:
        for change in decide_coalition(state, command, actor, TODAY):
            state = evolve_coalition(state, change)
    assert state is not None
    return state


COALITION = coalition_with()


def organisation(organisation_id: str, *signers: str) -> Organisation:
    """An organisation whose `signers` hold a signing mandate valid from before NOW and open-ended."""
    mandates = {f"m-{u}": Mandate(f"m-{u}", u, "Director", date(2025, 1, 1)) for u in signers}
    return Organisation(organisation_id, organisation_id, "RO", "ngo", frozenset(), mandates)


#: Who holds a signing mandate of each organisation: Ana of org-a, Ben and Deb of org-b, Cy of org-c.
ORGANISATIONS = {
    "org-a": organisation("org-a", ANA.user_id),
    "org-b": organisation("org-b", BEN.user_id, DEB.user_id),
    "org-c": organisation("org-c", CY.user_id),
}


def decide(
    coalition: Coalition | None,
    state: st.Statement | None,
    command: Any,
    actor: Actor,
    now: datetime,
    named: Organisation | None = None,
) -> list[Change]:
    """The statement's decision, on the state of the organisation the command names (ORGANISATIONS unless given)."""
    named = named or ORGANISATIONS.get(getattr(command, "organisation_id", None) or "")
    return st.decide(coalition, state, command, actor, now, named)


def run(
    state: st.Statement | None, command: Any, actor: Actor, coalition: Coalition = COALITION, now: datetime = NOW
) -> tuple[list[Change], st.Statement]:
    """Decide, check every change against its registered schema, and evolve the statement."""
    changes = decide(coalition, state, command, actor, now)
    for change in changes:
        registry.validate(change.type, change.payload)
        state = st.evolve(state, change)
    assert state is not None
    return changes, state


def drafted() -> st.Statement:
    """A draft in English with a Romanian translation."""
    state = run(None, st.DraftStatement("s1", "Clean rivers now", "We call on *governments* to act.", "en"), ANA)[1]
    return run(state, st.SetTranslation("ro", "Râuri curate acum", "Cerem *guvernelor* să acționeze."), ANA)[1]


def opened(**options: Any) -> st.Statement:
    """The draft, opened for signature."""
    return run(drafted(), st.OpenStatement(**options), ANA)[1]


def signed_by_b(state: st.Statement | None = None) -> st.Statement:
    """Org-b's signature by Ben, with his mandate."""
    return run(state or opened(), st.SignStatement("org-b", "Ben Popescu", "Director"), BEN)[1]


# -- drafting -------------------------------------------------------------------------------------


def test_a_facilitator_drafts_a_statement_in_a_language() -> None:
    changes, state = run(None, st.DraftStatement("s1", "Title", "Body", "ro"), ANA)

    assert changes == [
        Change(
            "StatementDrafted",
            {
                "coalition_id": "c1",
                "statement_id": "s1",
                "title": "Title",
                "body": "Body",
                "language": "ro",
                "drafted_by": "u-ana",
            },
        )
    ]
    assert (state.state, state.language, state.version_hash) == ("draft", "ro", None)
    assert st.stream("s1") == "statement-s1"


def test_members_draft_only_when_the_agreement_allows_it() -> None:
    with pytest.raises(NotAllowed, match="only facilitators may draft"):
        decide(COALITION, None, st.DraftStatement("s1", "T", "B", "en", "org-b"), BEN, NOW)

    changes, _ = run(None, st.DraftStatement("s1", "T", "B", "en", "org-b"), BEN, coalition_with(True))

    assert changes[0].payload["organisation_id"] == "org-b"


def test_a_member_draft_needs_an_active_member_the_user_acts_for() -> None:
    allowing = coalition_with(True)
    with pytest.raises(NotAllowed):
        decide(allowing, None, st.DraftStatement("s1", "T", "B", "en", "org-a"), BEN, NOW)
    with pytest.raises(NotAllowed):
        decide(at(allowing, "org-c", "requested"), None, st.DraftStatement("s1", "T", "B", "en", "org-c"), CY, NOW)


@pytest.mark.parametrize(
    ("title", "body", "language", "says"),
    [
        ("", "Body", "en", "needs a title and a body"),
        ("T", "   ", "en", "needs a title and a body"),
        ("T", "B", "xx", "not an ISO 639-1 language"),
        ("T" * 301, "B", "en", "at most 300"),
    ],
)
def test_a_draft_needs_a_title_a_body_and_a_known_language(title: str, body: str, language: str, says: str) -> None:
    with pytest.raises(RuleBroken, match=says):
        decide(COALITION, None, st.DraftStatement("s1", title, body, language), ANA, NOW)


def test_revisions_change_the_draft_and_refuse_to_change_nothing() -> None:
    changes, state = run(drafted(), st.ReviseDraft(body="We call on governments to act now."), ANA)

    assert changes[0].type == "DraftRevised"
    assert state.texts["en"] == st.Text("Clean rivers now", "We call on governments to act now.")
    assert state.texts["ro"].title == "Râuri curate acum"
    with pytest.raises(RuleBroken, match="nothing to change"):
        decide(COALITION, state, st.ReviseDraft(title="Clean rivers now"), ANA, NOW)


def test_only_facilitators_and_an_allowed_drafter_edit_a_draft() -> None:
    with pytest.raises(NotAllowed, match="facilitators and the statement's drafter"):
        decide(COALITION, drafted(), st.ReviseDraft(title="Mine"), BEN, NOW)
    allowing = coalition_with(True)
    _, own = run(None, st.DraftStatement("s2", "T", "B", "en", "org-b"), BEN, allowing)

    assert run(own, st.ReviseDraft(title="T2"), BEN, allowing)[1].texts["en"].title == "T2"
    with pytest.raises(NotAllowed):
        decide(allowing, own, st.ReviseDraft(title="T3"), DEB, NOW)


def test_a_translation_is_not_the_statements_own_language_and_cannot_move_onto_it() -> None:
    with pytest.raises(RuleBroken, match="own language"):
        decide(COALITION, drafted(), st.SetTranslation("en", "T", "B"), ANA, NOW)
    with pytest.raises(RuleBroken, match="already has a ro translation"):
        decide(COALITION, drafted(), st.ReviseDraft(language="ro"), ANA, NOW)
    with pytest.raises(RuleBroken, match="nothing to change"):
        decide(
            COALITION,
            drafted(),
            st.SetTranslation("ro", "Râuri curate acum", "Cerem *guvernelor* să acționeze."),
            ANA,
            NOW,
        )


# -- opening and the version hash -----------------------------------------------------------------


def test_opening_freezes_the_text_under_a_hash_over_every_language() -> None:
    changes, state = run(drafted(), st.OpenStatement(NOW + timedelta(days=7), 2), ANA)

    payload = changes[0].payload
    assert (payload["version"], payload["threshold"]) == (1, 2)
    assert payload["version_hash"] == st.content_hash("en", drafted().texts) == state.version_hash
    assert len(payload["version_hash"]) == 64
    other = {**drafted().texts, "ro": st.Text("Râuri curate acum", "Altceva.")}
    assert st.content_hash("en", other) != payload["version_hash"]
    with pytest.raises(RuleBroken, match="add or edit translations"):
        decide(COALITION, state, st.SetTranslation("pl", "T", "B"), ANA, NOW)
    with pytest.raises(RuleBroken, match="edit the draft"):
        decide(COALITION, state, st.ReviseDraft(title="Other"), ANA, NOW)


def test_only_facilitators_open_and_only_with_a_future_deadline_and_a_positive_threshold() -> None:
    with pytest.raises(NotAllowed, match="only facilitators may open"):
        decide(COALITION, drafted(), st.OpenStatement(), BEN, NOW)
    with pytest.raises(RuleBroken, match="deadline must be in the future"):
        decide(COALITION, drafted(), st.OpenStatement(deadline=NOW), ANA, NOW)
    with pytest.raises(RuleBroken, match="threshold"):
        decide(COALITION, drafted(), st.OpenStatement(threshold=0), ANA, NOW)
    with pytest.raises(RuleBroken, match="statement is open"):
        decide(COALITION, opened(), st.OpenStatement(), ANA, NOW)


# -- signing --------------------------------------------------------------------------------------


def test_a_mandated_user_of_an_active_member_signs_the_current_version() -> None:
    changes, state = run(opened(), st.SignStatement("org-b", "Ben Popescu", "Director"), BEN)

    assert changes[0].payload == {
        "coalition_id": "c1",
        "statement_id": "s1",
        "organisation_id": "org-b",
        "user_id": "u-ben",
        "signer_name": "Ben Popescu",
        "signer_title": "Director",
        "version_hash": state.version_hash,
    }
    assert [s.organisation_id for s in state.counted()] == ["org-b"]


def test_signing_twice_on_the_same_version_records_nothing() -> None:
    changes, _ = run(signed_by_b(), st.SignStatement("org-b", "Ben", "Director"), BEN)

    assert changes == []


def test_signing_needs_a_mandate_an_active_membership_an_open_statement_and_a_name() -> None:
    with pytest.raises(NotAllowed, match="valid signing mandate"):
        decide(COALITION, opened(), st.SignStatement("org-b", "Ben", "Director"), BEN, NOW, organisation("org-b"))
    suspended = at(COALITION, "org-c", "suspended")
    with pytest.raises(RuleBroken, match="only active members .* org-c is suspended"):
        decide(suspended, opened(), st.SignStatement("org-c", "Cy", "Chair"), CY, NOW)
    with pytest.raises(RuleBroken, match="org-c is not a member"):
        decide(COALITION, opened(), st.SignStatement("org-c", "Cy", "Chair"), CY, NOW)
    with pytest.raises(RuleBroken, match="statement is draft"):
        decide(COALITION, drafted(), st.SignStatement("org-b", "Ben", "Director"), BEN, NOW)
    with pytest.raises(RuleBroken, match="name and title"):
        decide(COALITION, opened(), st.SignStatement("org-b", " ", "Director"), BEN, NOW)


def test_the_deadline_closes_signing_without_any_event() -> None:
    state = opened(deadline=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=1)

    assert (state.phase(NOW), state.phase(later)) == ("open", "closed")
    with pytest.raises(RuleBroken, match="statement is closed at its deadline"):
        decide(COALITION, state, st.SignStatement("org-b", "Ben", "Director"), BEN, later)


# -- amending and re-confirmation -----------------------------------------------------------------


def test_an_amendment_makes_a_new_version_and_earlier_signatures_stop_counting() -> None:
    before = signed_by_b()
    changes, state = run(before, st.AmendStatement(body="We call on all governments to act."), ANA)

    payload = changes[0].payload
    assert (payload["version"], payload["previous_hash"]) == (2, before.version_hash)
    assert payload["translations"] == {"ro": {"title": "Râuri curate acum", "body": "Cerem *guvernelor* să acționeze."}}
    assert state.version_hash == st.content_hash("en", state.texts) != before.version_hash
    assert state.counted() == []
    assert state.signatures["org-b"].version_hash == before.version_hash


def test_amendments_come_from_facilitators_while_open_and_must_change_something() -> None:
    with pytest.raises(NotAllowed, match="only facilitators may amend"):
        decide(COALITION, opened(), st.AmendStatement(title="Mine"), BEN, NOW)
    with pytest.raises(RuleBroken, match="nothing to amend"):
        decide(COALITION, opened(), st.AmendStatement(title="Clean rivers now"), ANA, NOW)
    with pytest.raises(RuleBroken, match="statement is draft"):
        decide(COALITION, drafted(), st.AmendStatement(title="X"), ANA, NOW)
    with pytest.raises(RuleBroken, match="own language"):
        decide(COALITION, opened(), st.AmendStatement(translations={"en": st.Text("T", "B")}), ANA, NOW)


def test_a_signer_who_names_the_version_they_read_signs_that_one_or_nothing() -> None:
    read = signed_by_b()
    _, amended = run(read, st.AmendStatement(body="We call on all governments to act."), ANA)

    with pytest.raises(RuleBroken, match="amended after you read it"):
        decide(
            COALITION,
            amended,
            st.SignStatement("org-b", "Ben", "Director", version_hash=read.version_hash),
            BEN,
            NOW,
        )
    with pytest.raises(RuleBroken, match="amended after you read it"):
        decide(
            COALITION,
            amended,
            st.ConfirmSignature("org-b", "Ben", "Director", version_hash=read.version_hash),
            BEN,
            NOW,
        )
    confirmed = decide(
        COALITION,
        amended,
        st.ConfirmSignature("org-b", "Ben", "Director", version_hash=amended.version_hash),
        BEN,
        NOW,
    )
    assert confirmed[0].payload["version_hash"] == amended.version_hash


def test_an_amendment_can_add_a_translation() -> None:
    _, state = run(opened(), st.AmendStatement(translations={"pl": st.Text("Czyste rzeki", "Wzywamy.")}), ANA)

    assert sorted(state.texts) == ["en", "pl", "ro"]


def test_confirming_counts_the_signature_again_on_the_new_version() -> None:
    amended = run(signed_by_b(), st.AmendStatement(title="Clean rivers, now"), ANA)[1]
    changes, state = run(amended, st.ConfirmSignature("org-b", "Ben Popescu", "Director"), BEN)

    assert changes[0].type == "SignatureConfirmed"
    assert changes[0].payload["version_hash"] == amended.version_hash
    assert [s.organisation_id for s in state.counted()] == ["org-b"]
    with pytest.raises(RuleBroken, match="already signed the current version"):
        decide(COALITION, state, st.ConfirmSignature("org-b", "Ben", "Director"), BEN, NOW)


def test_only_an_existing_signature_can_be_confirmed() -> None:
    with pytest.raises(NotFound, match="no signature to confirm"):
        decide(COALITION, opened(), st.ConfirmSignature("org-b", "Ben", "Director"), BEN, NOW)


# -- withdrawing ----------------------------------------------------------------------------------


def test_a_mandated_user_withdraws_with_a_reason_and_may_sign_again() -> None:
    changes, state = run(signed_by_b(), st.WithdrawSignature("org-b", "Board disagreed"), BEN)

    assert changes[0].payload["reason"] == "Board disagreed"
    assert state.counted() == [] and state.signatures["org-b"].withdrawn
    assert [s.organisation_id for s in signed_by_b(state).counted()] == ["org-b"]


def test_withdrawing_needs_a_mandate_a_signature_and_a_reason() -> None:
    with pytest.raises(NotAllowed, match="valid signing mandate"):
        decide(COALITION, signed_by_b(), st.WithdrawSignature("org-b", "No"), BEN, NOW, organisation("org-b"))
    with pytest.raises(NotFound, match="no signature on this statement"):
        decide(COALITION, opened(), st.WithdrawSignature("org-b", "No"), BEN, NOW)
    with pytest.raises(RuleBroken, match="reason is required"):
        decide(COALITION, signed_by_b(), st.WithdrawSignature("org-b", "  "), BEN, NOW)


# -- endorsements ---------------------------------------------------------------------------------


def test_endorsers_add_a_personal_endorsement_once_per_version() -> None:
    changes, state = run(opened(), st.EndorseStatement("Deb Ionescu", "Researcher"), DEB)

    assert changes[0].payload == {
        "coalition_id": "c1",
        "statement_id": "s1",
        "user_id": "u-deb",
        "name": "Deb Ionescu",
        "title": "Researcher",
        "organisation_id": "org-b",
        "version_hash": state.version_hash,
    }
    assert run(state, st.EndorseStatement("Deb Ionescu"), DEB)[0] == []


def test_only_endorsers_of_an_active_member_endorse() -> None:
    with pytest.raises(NotAllowed, match="only the coalition's endorsers"):
        decide(COALITION, opened(), st.EndorseStatement("Ben"), BEN, NOW)
    suspended = run(opened(), st.EndorseStatement("Deb"), DEB)[1]
    state: Coalition | None = COALITION
    for change in decide_coalition(COALITION, SuspendMember("org-b", "dues"), ANA, TODAY):
        state = evolve_coalition(state, change)
    assert state is not None
    with pytest.raises(NotAllowed):
        decide(state, suspended, st.EndorseStatement("Deb"), DEB, NOW)


# -- closing and publishing -----------------------------------------------------------------------


def test_a_facilitator_closes_then_publishes_when_the_threshold_is_met() -> None:
    state = signed_by_b(opened(threshold=1))
    closed = run(state, st.CloseStatement(), ANA)[1]
    changes, published = run(closed, st.PublishStatement(), ANA)

    assert changes[0].payload == {
        "coalition_id": "c1",
        "statement_id": "s1",
        "version_hash": state.version_hash,
        "signatures": 1,
    }
    assert published.state == "published"


def test_publishing_needs_a_closed_statement_and_the_threshold() -> None:
    with pytest.raises(RuleBroken, match="close it first"):
        decide(COALITION, signed_by_b(), st.PublishStatement(), ANA, NOW)
    closed = run(opened(threshold=2), st.CloseStatement(), ANA)[1]
    with pytest.raises(RuleBroken, match="needs 2 signing organisations to be published and has 0"):
        decide(COALITION, closed, st.PublishStatement(), ANA, NOW)
    with pytest.raises(NotAllowed, match="only facilitators may publish"):
        decide(COALITION, closed, st.PublishStatement(), BEN, NOW)


def test_signatures_awaiting_reconfirmation_do_not_count_towards_the_threshold() -> None:
    amended = run(signed_by_b(opened(threshold=1)), st.AmendStatement(title="New"), ANA)[1]
    closed = run(amended, st.CloseStatement(), ANA)[1]

    with pytest.raises(RuleBroken, match="has 0"):
        decide(COALITION, closed, st.PublishStatement(), ANA, NOW)


def test_publishing_after_the_deadline_records_the_close_first() -> None:
    state = signed_by_b(opened(deadline=NOW + timedelta(days=1)))
    changes, published = run(state, st.PublishStatement(), ANA, now=NOW + timedelta(days=2))

    assert [c.type for c in changes] == ["StatementClosed", "StatementPublished"]
    assert changes[0].payload["reason"] == "deadline"
    assert published.state == "published"


def test_closing_twice_or_a_draft_is_refused() -> None:
    closed = run(opened(), st.CloseStatement(), ANA)[1]
    with pytest.raises(RuleBroken, match="statement is closed"):
        decide(COALITION, closed, st.CloseStatement(), ANA, NOW)
    with pytest.raises(RuleBroken, match="statement is draft"):
        decide(COALITION, drafted(), st.CloseStatement(), ANA, NOW)


def test_a_statement_of_another_coalition_is_not_found() -> None:
    other = replace(opened(), coalition_id="c2")
    with pytest.raises(NotFound, match="no such statement"):
        decide(COALITION, other, st.CloseStatement(), ANA, NOW)
    with pytest.raises(NotFound, match="no such coalition"):
        decide(None, opened(), st.CloseStatement(), ANA, NOW)


def test_a_revision_into_another_language_replaces_the_text_and_keeps_only_real_translations() -> None:
    _, state = run(drafted(), st.ReviseDraft(title="Des rivières propres", body="Nous appelons.", language="fr"), ANA)

    assert list(state.texts) == ["fr", "ro"]
    opened_state = run(state, st.OpenStatement(), ANA)[1]
    shown = {"fr": st.Text("Des rivières propres", "Nous appelons."), "ro": drafted().texts["ro"]}
    assert opened_state.version_hash == st.content_hash("fr", shown)


def test_a_drafter_who_no_longer_acts_for_the_member_cannot_edit_the_draft() -> None:
    allowing = coalition_with(True)
    own = run(None, st.DraftStatement("s2", "T", "B", "en", "org-b"), BEN, allowing)[1]
    gone = Actor("u-ben", frozenset())

    assert own.drafted_for == "org-b"
    with pytest.raises(NotAllowed):
        decide(allowing, own, st.ReviseDraft(title="T2"), gone, NOW)
