"""Evaluation rounds as the coalition aggregate holds them (`Coalition.evaluations`), and how their events change
them. Re-exported by `coalition.domain.coalition_state`, whose `evolve` hands these events here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from coalition.domain.base import Change

EVALUATION_EVENTS = ("EvaluationOpened", "EvaluationResponded", "EvaluationClosed")


@dataclass(frozen=True, slots=True)
class Question:
    """One question of an evaluation round: each member answers it with a rating of 1 to 5 and a comment."""

    question_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One organisation's answer to one question."""

    question_id: str
    rating: int
    comment: str


@dataclass(frozen=True, slots=True)
class EvaluationResponse:
    """One member organisation's response to a round, given by its administrator or liaison."""

    organisation_id: str
    responded_by: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """An evaluation round of the partnership: its questions, closing date, responses and closing summary."""

    evaluation_id: str
    title: str
    questions: tuple[Question, ...]
    closes_on: date
    opened_by: str
    responses: Mapping[str, EvaluationResponse] = field(default_factory=dict)  # by organisation id, in order
    closed: bool = False
    summary: str | None = None
    lessons: str | None = None


def evolve_evaluations(evaluations: Mapping[str, Evaluation], change: Change) -> Mapping[str, Evaluation]:
    """The coalition's rounds (by id, in opening order) after one of their events."""
    p = change.payload
    if change.type == "EvaluationOpened":
        questions = tuple(Question(q["question_id"], q["text"]) for q in p["questions"])
        evaluation = Evaluation(
            p["evaluation_id"], p["title"], questions, date.fromisoformat(p["closes_on"]), p["opened_by"]
        )
    elif change.type == "EvaluationResponded":
        held = evaluations[p["evaluation_id"]]
        answers = tuple(Answer(a["question_id"], int(a["rating"]), a.get("comment") or "") for a in p["answers"])
        response = EvaluationResponse(p["organisation_id"], p["responded_by"], answers)
        evaluation = replace(held, responses={**held.responses, response.organisation_id: response})
    elif change.type == "EvaluationClosed":
        held = evaluations[p["evaluation_id"]]
        evaluation = replace(held, closed=True, summary=p["summary"], lessons=p.get("lessons") or None)
    else:
        return evaluations
    return {**evaluations, evaluation.evaluation_id: evaluation}
