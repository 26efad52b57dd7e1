"""Evaluation round use cases: a facilitator opens a round, members' administrators or liaisons answer, a
facilitator closes it with a summary and lessons learned.

Each reads the coalition stream (and the stream of the organisation an answer is for, to know whether the
person administers it), decides (`coalition.domain.evaluations`) and appends relying on every version read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, cast

from coalition.domain import coalition as co
from coalition.domain.base import NotFound
from coalition.domain.coalition_state import Answer, Question
from coalition.domain.evaluations import CloseEvaluation, Command, OpenEvaluation, RespondToEvaluation
from coalition.handlers import Context
from coalition.handlers.reading import Decision, acting_for, prepare


def _decide(context: Context, read: Decision, command: Command, answer: dict[str, Any]) -> dict[str, Any]:
    """Decide on what was read and append relying on every version read."""
    changes = co.decide(read.state, command, read.actor, context.today)
    return context.append(
        read.stream,
        changes,
        read.expected,
        {**answer, "version": read.version + len(changes)},
        acting_for(read.state, cast(Any, command), read.actor),
    )


def open_evaluation(
    context: Context, coalition_id: str, *, title: str, questions: Iterable[str], closes_on: date
) -> dict[str, Any]:
    """A facilitator opens an evaluation round with its questions (numbered q1, q2, ...) and closing date: {id}."""
    evaluation_id = context.new_id()
    asked = tuple(Question(f"q{n}", text) for n, text in enumerate(questions, 1))
    command = OpenEvaluation(evaluation_id, title, asked, closes_on)
    return _decide(context, prepare(context, coalition_id), command, {"id": evaluation_id})


def respond(
    context: Context,
    coalition_id: str,
    evaluation_id: str,
    *,
    organisation_id: str,
    answers: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """A member organisation's administrator or liaison answers the round for it, once: {id}."""
    read = prepare(context, coalition_id, also={organisation_id})
    organisation = read.organisations.get(organisation_id)
    if organisation is None:
        raise NotFound("no such organisation: %(organisation)s", organisation=organisation_id)
    administers = frozenset({organisation_id}) if context.user_id in organisation.administrators else frozenset()
    given = tuple(Answer(a["question_id"], a["rating"], a.get("comment") or "") for a in answers)
    command = RespondToEvaluation(evaluation_id, organisation_id, given)
    return _decide(context, read, replace(command, administers=administers), {"id": evaluation_id})


def close_evaluation(
    context: Context, coalition_id: str, evaluation_id: str, *, summary: str, lessons: str | None = None
) -> dict[str, Any]:
    """A facilitator closes the round with a summary and, if any, lessons learned: {id}."""
    command = CloseEvaluation(evaluation_id, summary, lessons)
    return _decide(context, prepare(context, coalition_id), command, {"id": evaluation_id})
