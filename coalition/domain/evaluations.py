"""Evaluation rounds of the partnership (commands and decisions): open, answer, close.

Same aggregate and stream as `coalition.domain.coalition`, whose `decide` hands these commands here;
the state is in `coalition.domain.coalition_state` (`Evaluation`), the events in
`coalition.domain.coalition_events`, the rules on who may do and see what in
`coalition.domain.policy.evaluations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from coalition.domain.base import Change, Invalid, NotFound, RuleBroken, drop_none
from coalition.domain.coalition_state import Actor, Answer, Coalition, Evaluation, Question
from coalition.domain.policy.evaluations import (
    MAX_QUESTIONS,
    RATINGS,
    close_refusal,
    open_refusal,
    respond_refusal,
)
from coalition.domain.text import NAME

__all__ = ["CloseEvaluation", "Command", "OpenEvaluation", "RespondToEvaluation", "decide"]


@dataclass(frozen=True, slots=True)
class OpenEvaluation:
    evaluation_id: str
    title: str
    questions: tuple[Question, ...]
    closes_on: date


@dataclass(frozen=True, slots=True)
class RespondToEvaluation:
    evaluation_id: str
    organisation_id: str
    answers: tuple[Answer, ...]
    administers: frozenset[str] = frozenset()  # the organisations the actor administers (filled by the handler)


@dataclass(frozen=True, slots=True)
class CloseEvaluation:
    evaluation_id: str
    summary: str
    lessons: str | None = None


Command = OpenEvaluation | RespondToEvaluation | CloseEvaluation


def _blank(value: str | None) -> bool:
    return not value or not value.strip()


def _open(state: Coalition, c: OpenEvaluation, actor: Actor, today: date) -> list[Change]:
    refusal = open_refusal(state, actor)
    if refusal is not None:
        raise refusal
    if c.evaluation_id in state.evaluations:
        raise RuleBroken("evaluation round %(evaluation)s already exists", evaluation=c.evaluation_id)
    if _blank(c.title):
        raise Invalid("title: a round needs a title")
    if len(c.title) > NAME:
        raise Invalid("title: at most %(most)s characters", most=NAME)
    if not c.questions:
        raise Invalid("questions: a round asks at least one question")
    if len(c.questions) > MAX_QUESTIONS:
        raise Invalid("questions: a round asks at most %(most)s questions", most=MAX_QUESTIONS)
    ids = [q.question_id for q in c.questions]
    if len(set(ids)) != len(ids):
        raise Invalid("questions: each question needs its own question_id")
    for number, question in enumerate(c.questions, 1):
        if _blank(question.text):
            raise Invalid("questions: question %(number)s has no text", number=number)
    if c.closes_on < today:
        raise Invalid("closes_on: the closing date %(closes_on)s is in the past", closes_on=c.closes_on.isoformat())
    return [
        Change(
            "EvaluationOpened",
            {
                "coalition_id": state.coalition_id,
                "evaluation_id": c.evaluation_id,
                "title": c.title.strip(),
                "questions": [{"question_id": q.question_id, "text": q.text.strip()} for q in c.questions],
                "closes_on": c.closes_on.isoformat(),
                "opened_by": actor.user_id,
            },
        )
    ]


def _evaluation(state: Coalition, evaluation_id: str) -> Evaluation:
    evaluation = state.evaluations.get(evaluation_id)
    if evaluation is None:
        raise NotFound("no such evaluation round: %(evaluation)s", evaluation=evaluation_id)
    return evaluation


def _check_answers(evaluation: Evaluation, answers: tuple[Answer, ...]) -> None:
    asked = [q.question_id for q in evaluation.questions]
    given: set[str] = set()
    for answer in answers:
        if answer.question_id not in asked:
            raise Invalid("answers: no such question in this round: %(question)s", question=answer.question_id)
        if answer.question_id in given:
            raise Invalid("answers: question %(question)s is answered twice", question=answer.question_id)
        given.add(answer.question_id)
        if isinstance(answer.rating, bool) or not isinstance(answer.rating, int) or answer.rating not in RATINGS:
            raise Invalid(
                "answers: the rating of question %(question)s must be a whole number from 1 to 5",
                question=answer.question_id,
            )
    missing = [q for q in asked if q not in given]
    if missing:
        raise Invalid("answers: questions %(questions)s are not answered", questions=", ".join(missing))


def _respond(state: Coalition, c: RespondToEvaluation, actor: Actor, today: date) -> list[Change]:
    evaluation = _evaluation(state, c.evaluation_id)
    refusal = respond_refusal(state, actor, evaluation, c.organisation_id, c.administers, today)
    if refusal is not None:
        raise refusal
    _check_answers(evaluation, c.answers)
    order = {q.question_id: n for n, q in enumerate(evaluation.questions)}
    answers = sorted(c.answers, key=lambda a: order[a.question_id])
    return [
        Change(
            "EvaluationResponded",
            {
                "coalition_id": state.coalition_id,
                "evaluation_id": c.evaluation_id,
                "organisation_id": c.organisation_id,
                "responded_by": actor.user_id,
                "answers": [
                    {"question_id": a.question_id, "rating": a.rating, "comment": (a.comment or "").strip()}
                    for a in answers
                ],
            },
        )
    ]


def _close(state: Coalition, c: CloseEvaluation, actor: Actor, today: date) -> list[Change]:
    evaluation = _evaluation(state, c.evaluation_id)
    refusal = close_refusal(state, actor, evaluation)
    if refusal is not None:
        raise refusal
    if _blank(c.summary):
        raise Invalid("summary: closing a round needs a summary")
    return [
        Change(
            "EvaluationClosed",
            drop_none(
                {
                    "coalition_id": state.coalition_id,
                    "evaluation_id": c.evaluation_id,
                    "summary": c.summary.strip(),
                    "lessons": None if _blank(c.lessons) else (c.lessons or "").strip(),
                    "closed_by": actor.user_id,
                }
            ),
        )
    ]


DECISIONS: dict[type, Callable[[Coalition, Any, Actor, date], list[Change]]] = {
    OpenEvaluation: _open,
    RespondToEvaluation: _respond,
    CloseEvaluation: _close,
}


def decide(state: Coalition | None, command: Command, actor: Actor, today: date) -> list[Change]:
    """The events an evaluation round command produces, or a DomainError saying why it is refused."""
    if state is None:
        raise NotFound("no such coalition")
    decision = DECISIONS.get(type(command))
    if decision is None:
        raise TypeError(f"not an evaluation command: {command!r}")
    return decision(state, command, actor, today)
