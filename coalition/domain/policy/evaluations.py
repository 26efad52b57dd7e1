"""Evaluation rounds: who may open, answer, close and read a round, and its results (written once, used by
`coalition.domain.evaluations`' decisions and by the read layer).

Who sees what while a round is open: facilitators see every response as it comes; the people who act
for a member organisation see their own organisation's response; every member's people see the results
(averages, counts and every answer with its organisation) once the round is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from coalition.domain.base import C_, N_, DomainError, NotAllowed, RuleBroken
from coalition.domain.policy.members import ActorLike, CoalitionLike, is_facilitator, is_liaison, member_state

if TYPE_CHECKING:
    from coalition.domain.coalition_state import Answer, Coalition, Evaluation, Question

#: The questions a round opens with unless the facilitator changes them, after the partnership guides'
#: "monitor and evaluate the partnership": objectives, communication, the division of tasks, what to change.
DEFAULT_QUESTIONS = (
    N_("Are we reaching our common objectives?"),
    N_("Is communication between the partners working?"),
    N_("Is the division of tasks fair?"),
    N_("What should change?"),
)
#: The most questions a round may ask.
MAX_QUESTIONS = 20
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's results: the average rating (None without answers), how many gave each rating, every answer."""

    question: Question
    average: float | None
    counts: Mapping[int, int]
    answers: tuple[tuple[str, Answer], ...]  # (organisation_id, answer), in the order the responses came


def open_round(coalition: Coalition) -> Evaluation | None:
    """The round open now, if any (one at a time per coalition)."""
    return next((e for e in coalition.evaluations.values() if not e.closed), None)


def latest_closed(coalition: Coalition) -> Evaluation | None:
    """The last round closed (in opening order), if any."""
    closed = [e for e in coalition.evaluations.values() if e.closed]
    return closed[-1] if closed else None


def past_closing(evaluation: Evaluation, today: date) -> bool:
    """True once the round's closing date has passed (responses are refused; the facilitator may still close it)."""
    return today > evaluation.closes_on


def results(evaluation: Evaluation) -> tuple[QuestionResult, ...]:
    """Each question's average, count per rating and answers with their organisations."""
    found = []
    for question in evaluation.questions:
        answers = tuple(
            (organisation_id, answer)
            for organisation_id, response in evaluation.responses.items()
            for answer in response.answers
            if answer.question_id == question.question_id
        )
        ratings = [a.rating for _, a in answers]
        counts = {r: ratings.count(r) for r in RATINGS}
        average = round(sum(ratings) / len(ratings), 2) if ratings else None
        found.append(QuestionResult(question, average, counts, answers))
    return tuple(found)


def open_refusal(coalition: Coalition, actor: ActorLike) -> DomainError | None:
    """Why the actor may not open a round now: only facilitators, and one round at a time."""
    if not is_facilitator(coalition, actor):
        return NotAllowed("only facilitators may %(doing)s", doing=N_("open evaluation rounds"))
    held = open_round(coalition)
    if held is not None:
        return RuleBroken(
            "the evaluation round “%(title)s” is still open: close it before opening another", title=held.title
        )
    return None


def may_open(coalition: Coalition, actor: ActorLike) -> bool:
    """True when the actor may open a round now."""
    return open_refusal(coalition, actor) is None


def responder_refusal(
    coalition: CoalitionLike, actor: ActorLike, organisation_id: str, administers: frozenset[str]
) -> DomainError | None:
    """Why the actor may not answer for the organisation: its administrator or liaison, for an active member."""
    if organisation_id not in administers and not is_liaison(coalition, actor, organisation_id):
        return NotAllowed(
            "only an administrator or the liaison of organisation %(organisation)s may answer for it",
            organisation=organisation_id,
        )
    state = member_state(coalition, organisation_id)
    if state != "active":
        return RuleBroken(
            "only active members answer evaluation rounds: organisation %(organisation)s is %(state)s",
            organisation=organisation_id,
            state=C_("member state", state or "not a member"),
        )
    return None


def respond_refusal(
    coalition: Coalition,
    actor: ActorLike,
    evaluation: Evaluation,
    organisation_id: str,
    administers: frozenset[str],
    today: date,
) -> DomainError | None:
    """Why the actor may not answer the round for the organisation now (closed, past its date, not theirs, done)."""
    if evaluation.closed:
        return RuleBroken("the evaluation round “%(title)s” is closed", title=evaluation.title)
    if past_closing(evaluation, today):
        return RuleBroken(
            "the evaluation round closed for responses on %(closes_on)s", closes_on=evaluation.closes_on.isoformat()
        )
    refusal = responder_refusal(coalition, actor, organisation_id, administers)
    if refusal is not None:
        return refusal
    if organisation_id in evaluation.responses:
        return RuleBroken(
            "organisation %(organisation)s has already answered this evaluation round", organisation=organisation_id
        )
    return None


def may_respond(
    coalition: Coalition,
    actor: ActorLike,
    evaluation: Evaluation,
    organisation_id: str,
    administers: frozenset[str],
    today: date,
) -> bool:
    """True when the actor may answer the round for the organisation now."""
    return respond_refusal(coalition, actor, evaluation, organisation_id, administers, today) is None


def close_refusal(coalition: Coalition, actor: ActorLike, evaluation: Evaluation) -> DomainError | None:
    """Why the actor may not close the round: only facilitators, and only once."""
    if not is_facilitator(coalition, actor):
        return NotAllowed("only facilitators may %(doing)s", doing=N_("close evaluation rounds"))
    if evaluation.closed:
        return RuleBroken("the evaluation round “%(title)s” is already closed", title=evaluation.title)
    return None


def may_close(coalition: Coalition, actor: ActorLike, evaluation: Evaluation) -> bool:
    """True when the actor may close the round."""
    return close_refusal(coalition, actor, evaluation) is None


def may_see_results(coalition: Coalition, actor: ActorLike, evaluation: Evaluation) -> bool:
    """True when the actor sees every response: facilitators always, members once the round is closed."""
    return evaluation.closed or is_facilitator(coalition, actor)


def may_see_response(coalition: Coalition, actor: ActorLike, evaluation: Evaluation, organisation_id: str) -> bool:
    """True when the actor sees this organisation's response: all results, or their own organisation's."""
    return may_see_results(coalition, actor, evaluation) or organisation_id in actor.acts_for
