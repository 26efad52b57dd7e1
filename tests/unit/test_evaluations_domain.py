"""Evaluation rounds, as pure decisions on the coalition aggregate: open, answer, close, results, who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from coalition.domain.base import Change, Invalid, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import Actor, AssignRole, Coalition, SuspendMember
from coalition.domain.coalition_state import Answer, Evaluation, Question
from coalition.domain.evaluations import CloseEvaluation, OpenEvaluation, RespondToEvaluation
from coalition.domain.policy import evaluations as policy
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, at, run, two_members

CLOSES = TODAY + timedelta(days=14)
QUESTIONS = (Question("q1", "Are we reaching our objectives?"), Question("q2", "What should change?"))
BEN_ADMIN = frozenset({"org-b"})  # Ben administers org-b


def opened(state: Coalition | None = None, **overrides: Any) -> Coalition:
    """Two active members and round e1 open until CLOSES."""
    values: dict[str, Any] = {"evaluation_id": "e1", "title": "Spring review", "questions": QUESTIONS}
    return run(state or two_members(), OpenEvaluation(**{**values, "closes_on": CLOSES, **overrides}), ANA)[1]


def answers(*ratings: int) -> tuple[Answer, ...]:
    return tuple(Answer(f"q{n}", r, f"comment {n}") for n, r in enumerate(ratings, 1))


def respond(state: Coalition, organisation_id: str = "org-b", actor: Actor = BEN, **overrides: Any) -> Coalition:
    values: dict[str, Any] = {"answers": answers(4, 2), "administers": BEN_ADMIN}
    command = RespondToEvaluation("e1", organisation_id, **{**values, **overrides})
    return run(state, command, actor)[1]


# -- opening ----------------------------------------------------------------------------------------


def test_a_facilitator_opens_a_round() -> None:
    changes, state = run(two_members(), OpenEvaluation("e1", " Spring review ", QUESTIONS, CLOSES), ANA)
    assert changes == [
        Change(
            "EvaluationOpened",
            {
                "coalition_id": "c1",
                "evaluation_id": "e1",
                "title": "Spring review",
                "questions": [
                    {"question_id": "q1", "text": "Are we reaching our objectives?"},
                    {"question_id": "q2", "text": "What should change?"},
                ],
                "closes_on": CLOSES.isoformat(),
                "opened_by": "u-ana",
            },
        )
    ]
    assert state.evaluations["e1"] == Evaluation("e1", "Spring review", QUESTIONS, CLOSES, "u-ana")
    assert policy.open_round(state) == state.evaluations["e1"]


def test_only_facilitators_open_rounds() -> None:
    with pytest.raises(NotAllowed, match="only facilitators"):
        run(two_members(), OpenEvaluation("e1", "Review", QUESTIONS, CLOSES), BEN)
    assert not policy.may_open(two_members(), BEN)
    assert policy.may_open(two_members(), ANA)


def test_one_round_open_at_a_time() -> None:
    state = opened()
    with pytest.raises(RuleBroken, match="still open"):
        run(state, OpenEvaluation("e2", "Another", QUESTIONS, CLOSES), ANA)
    assert not policy.may_open(state, ANA)
    closed = run(state, CloseEvaluation("e1", "Done"), ANA)[1]
    assert run(closed, OpenEvaluation("e2", "Autumn review", QUESTIONS, CLOSES), ANA)[1].evaluations.keys() == {
        "e1",
        "e2",
    }


def test_a_round_id_is_used_once() -> None:
    closed = run(opened(), CloseEvaluation("e1", "Done"), ANA)[1]
    with pytest.raises(RuleBroken, match="already exists"):
        run(closed, OpenEvaluation("e1", "Again", QUESTIONS, CLOSES), ANA)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"questions": ()}, "questions"),
        ({"questions": tuple(Question(f"q{n}", "Why?") for n in range(21))}, "questions"),
        ({"questions": (Question("q1", "A?"), Question("q1", "B?"))}, "questions"),
        ({"questions": (Question("q1", "A?"), Question("q2", " "))}, "questions"),
        ({"closes_on": TODAY - timedelta(days=1)}, "closes_on"),
    ],
)
def test_bad_rounds_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"evaluation_id": "e1", "title": "Review", "questions": QUESTIONS, "closes_on": CLOSES}
    with pytest.raises(Invalid) as refused:
        run(two_members(), OpenEvaluation(**{**values, **overrides}), ANA)
    assert str(refused.value).startswith(f"{field}:")


def test_a_round_may_close_today() -> None:
    assert opened(closes_on=TODAY).evaluations["e1"].closes_on == TODAY


# -- answering --------------------------------------------------------------------------------------


def test_an_administrator_answers_for_their_organisation() -> None:
    changes, state = run(opened(), RespondToEvaluation("e1", "org-b", answers(4, 2), BEN_ADMIN), BEN)
    assert changes[0].payload == {
        "coalition_id": "c1",
        "evaluation_id": "e1",
        "organisation_id": "org-b",
        "responded_by": "u-ben",
        "answers": [
            {"question_id": "q1", "rating": 4, "comment": "comment 1"},
            {"question_id": "q2", "rating": 2, "comment": "comment 2"},
        ],
    }
    assert state.evaluations["e1"].responses["org-b"].answers == answers(4, 2)


def test_answers_are_kept_in_the_order_of_the_questions_and_comments_may_be_empty() -> None:
    given = (Answer("q2", 3, ""), Answer("q1", 5, "  fine  "))
    state = respond(opened(), answers=given)
    assert state.evaluations["e1"].responses["org-b"].answers == (Answer("q1", 5, "fine"), Answer("q2", 3, ""))


def test_a_liaison_answers_without_administering() -> None:
    liaison = run(opened(), AssignRole("r-l", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    state = respond(liaison, administers=frozenset())
    assert "org-b" in state.evaluations["e1"].responses


def test_a_mandated_person_who_is_neither_administrator_nor_liaison_may_not_answer() -> None:
    with pytest.raises(NotAllowed, match="administrator or the liaison"):
        respond(opened(), administers=frozenset())


def test_nobody_answers_for_another_organisation() -> None:
    with pytest.raises(NotAllowed):
        respond(opened(), "org-a", BEN)


@pytest.mark.parametrize("membership", ["suspended", "invited", "requested"])
def test_only_active_members_answer(membership: str) -> None:
    state = opened(at(two_members(), "org-c", membership))
    with pytest.raises(RuleBroken, match="only active members"):
        respond(state, "org-c", CY, administers=frozenset({"org-c"}))


def test_a_non_member_may_not_answer() -> None:
    with pytest.raises(RuleBroken, match="not a member"):
        respond(opened(), "org-c", CY, administers=frozenset({"org-c"}))


def test_a_member_suspended_after_opening_may_not_answer() -> None:
    state = run(opened(), SuspendMember("org-b", "dues"), ANA)[1]
    with pytest.raises(RuleBroken, match="suspended"):
        respond(state)


def test_an_organisation_answers_once() -> None:
    state = respond(opened())
    with pytest.raises(RuleBroken, match="already answered"):
        respond(state)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ((Answer("q1", 4, ""),), "q2 are not answered"),
        ((Answer("q1", 4, ""), Answer("q2", 4, ""), Answer("q9", 4, "")), "no such question in this round: q9"),
        ((Answer("q1", 4, ""), Answer("q1", 3, ""), Answer("q2", 4, "")), "answered twice"),
        ((Answer("q1", 0, ""), Answer("q2", 4, "")), "whole number from 1 to 5"),
        ((Answer("q1", 6, ""), Answer("q2", 4, "")), "whole number from 1 to 5"),
        ((Answer("q1", 2.5, ""), Answer("q2", 4, "")), "whole number from 1 to 5"),  # type: ignore[arg-type]
        ((Answer("q1", True, ""), Answer("q2", 4, "")), "whole number from 1 to 5"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(given: tuple[Answer, ...], message: str) -> None:
    with pytest.raises(Invalid, match=message) as refused:
        respond(opened(), answers=given)
    assert str(refused.value).startswith("answers:")


def test_answers_after_the_closing_date_are_refused_on_the_day_they_are_not() -> None:
    state = opened()
    command = RespondToEvaluation("e1", "org-b", answers(3, 3), BEN_ADMIN)
    assert run(state, command, BEN, CLOSES)[1].evaluations["e1"].responses
    with pytest.raises(RuleBroken, match="closed for responses on"):
        run(state, command, BEN, CLOSES + timedelta(days=1))


def test_a_closed_round_takes_no_answers() -> None:
    state = run(opened(), CloseEvaluation("e1", "Done"), ANA)[1]
    with pytest.raises(RuleBroken, match="is closed"):
        respond(state)


def test_an_unknown_round_is_not_found() -> None:
    with pytest.raises(NotFound):
        run(opened(), RespondToEvaluation("e9", "org-b", answers(3, 3), BEN_ADMIN), BEN)
    with pytest.raises(NotFound):
        run(opened(), CloseEvaluation("e9", "Done"), ANA)


# -- closing ----------------------------------------------------------------------------------------


def test_a_facilitator_closes_a_round_with_a_summary_and_lessons() -> None:
    changes, state = run(opened(), CloseEvaluation("e1", " Good year ", " Meet monthly "), ANA)
    assert changes == [
        Change(
            "EvaluationClosed",
            {
                "coalition_id": "c1",
                "evaluation_id": "e1",
                "summary": "Good year",
                "lessons": "Meet monthly",
                "closed_by": "u-ana",
            },
        )
    ]
    closed = state.evaluations["e1"]
    assert (closed.closed, closed.summary, closed.lessons) == (True, "Good year", "Meet monthly")
    assert policy.latest_closed(state) == closed
    assert policy.open_round(state) is None


def test_lessons_are_optional() -> None:
    changes, state = run(opened(), CloseEvaluation("e1", "Good year", "  "), ANA)
    assert "lessons" not in changes[0].payload
    assert state.evaluations["e1"].lessons is None


def test_a_round_past_its_date_may_still_be_closed() -> None:
    changes, _ = run(opened(), CloseEvaluation("e1", "Late"), ANA, CLOSES + timedelta(days=30))
    assert changes[0].type == "EvaluationClosed"


def test_only_facilitators_close_rounds() -> None:
    state = opened()
    with pytest.raises(NotAllowed, match="only facilitators"):
        run(state, CloseEvaluation("e1", "Done"), BEN)
    assert not policy.may_close(state, BEN, state.evaluations["e1"])
    assert policy.may_close(state, ANA, state.evaluations["e1"])


def test_a_summary_is_required() -> None:
    with pytest.raises(Invalid, match="^summary:"):
        run(opened(), CloseEvaluation("e1", "   "), ANA)


def test_a_round_closes_once() -> None:
    state = run(opened(), CloseEvaluation("e1", "Done"), ANA)[1]
    with pytest.raises(RuleBroken, match="already closed"):
        run(state, CloseEvaluation("e1", "Again"), ANA)


# -- results and who sees them ----------------------------------------------------------------------


def three_answered() -> Coalition:
    state = opened(at(two_members(), "org-c", "active"))
    state = respond(state, "org-b", BEN, answers=answers(4, 2))
    state = respond(state, "org-c", CY, answers=answers(5, 2), administers=frozenset({"org-c"}))
    given = (Answer("q1", 3, "ok"), Answer("q2", 1, ""))
    return respond(state, "org-a", ANA, answers=given, administers=frozenset({"org-a"}))


def test_results_give_averages_counts_and_every_answer_with_its_organisation() -> None:
    q1, q2 = policy.results(three_answered().evaluations["e1"])
    assert q1.question == QUESTIONS[0]
    assert q1.average == 4.0
    assert q1.counts == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert [o for o, _ in q1.answers] == ["org-b", "org-c", "org-a"]
    assert q1.answers[2] == ("org-a", Answer("q1", 3, "ok"))
    assert q2.average == pytest.approx(1.67)
    assert q2.counts == {1: 1, 2: 2, 3: 0, 4: 0, 5: 0}


def test_results_without_answers_have_no_average() -> None:
    (q1, q2) = policy.results(opened().evaluations["e1"])
    assert q1.average is None and q1.counts == dict.fromkeys(range(1, 6), 0) and q1.answers == ()


def test_while_open_facilitators_see_all_members_only_their_own() -> None:
    state = three_answered()
    evaluation = state.evaluations["e1"]
    assert policy.may_see_results(state, ANA, evaluation)
    assert not policy.may_see_results(state, BEN, evaluation)
    assert policy.may_see_response(state, BEN, evaluation, "org-b")
    assert not policy.may_see_response(state, BEN, evaluation, "org-c")
    closed = run(state, CloseEvaluation("e1", "Done"), ANA)[1]
    assert policy.may_see_results(closed, BEN, closed.evaluations["e1"])
    assert policy.may_see_response(closed, BEN, closed.evaluations["e1"], "org-c")


def test_may_respond_is_the_refusal_rule() -> None:
    state = opened()
    evaluation = state.evaluations["e1"]
    assert policy.may_respond(state, BEN, evaluation, "org-b", BEN_ADMIN, TODAY)
    assert not policy.may_respond(state, BEN, evaluation, "org-b", frozenset(), TODAY)
    assert not policy.may_respond(state, BEN, evaluation, "org-b", BEN_ADMIN, CLOSES + timedelta(days=1))


def test_latest_closed_is_the_last_closed_in_opening_order() -> None:
    state = run(opened(), CloseEvaluation("e1", "First"), ANA)[1]
    state = opened(state, evaluation_id="e2", title="Second")
    assert policy.latest_closed(state) == state.evaluations["e1"]
    state = run(state, CloseEvaluation("e2", "Second"), ANA)[1]
    latest = policy.latest_closed(state)
    assert latest is not None and latest.evaluation_id == "e2"
    assert list(state.evaluations) == ["e1", "e2"]
