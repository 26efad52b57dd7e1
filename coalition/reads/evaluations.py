"""What pages and the API read about evaluation rounds: the rounds of a coalition, one round with what the
reader may see of it (`coalition.domain.policy.evaluations`: facilitators see every response as it comes,
each organisation its own, every member the results once the round is closed), and who may answer for whom.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.base import NotFound
from coalition.domain.coalition_state import Actor, Answer, Coalition, Evaluation, EvaluationResponse, Question
from coalition.domain.policy import evaluations as rules
from coalition.domain.policy.ending import is_ended
from coalition.reads.access import as_domain, readers_snapshot, require_member_reader
from coalition.reads.organisations import names as organisation_names
from coalition.reads.standing import Moment, Snapshot
from projections.evaluations import evaluation_responses, evaluations
from projections.member_counts import member_counts


def rounds(connection: Connection, coalition_id: str) -> dict[str, Evaluation]:
    """The coalition's evaluation rounds with their responses, by id, in opening order (as the domain holds them)."""
    found: dict[str, Evaluation] = {}
    for row in connection.execute(
        select(evaluations).where(evaluations.c.coalition_id == coalition_id).order_by(evaluations.c.opened_position)
    ).mappings():
        questions = tuple(Question(q["question_id"], q["text"]) for q in json.loads(row["questions"]))
        found[row["evaluation_id"]] = Evaluation(
            row["evaluation_id"],
            row["title"],
            questions,
            row["closes_on"],
            row["opened_by"],
            {},
            bool(row["closed"]),
            row["summary"],
            row["lessons"],
        )
    for row in connection.execute(
        select(evaluation_responses)
        .where(evaluation_responses.c.coalition_id == coalition_id)
        .order_by(evaluation_responses.c.position)
    ).mappings():
        held = found.get(row["evaluation_id"])
        if held is None:
            continue
        answers = tuple(
            Answer(a["question_id"], int(a["rating"]), a.get("comment") or "") for a in json.loads(row["answers"])
        )
        response = EvaluationResponse(row["organisation_id"], row["responded_by"], answers)
        found[held.evaluation_id] = replace(held, responses={**held.responses, response.organisation_id: response})
    return found


def with_rounds(connection: Connection, snap: Snapshot) -> Coalition:
    """The domain's view of the coalition (members, roles) with its evaluation rounds."""
    coalition = as_domain(snap)
    return replace(coalition, evaluations=rounds(connection, coalition.coalition_id))


def _name(names: Mapping[str, str], organisation_id: str) -> str:
    return str(names.get(organisation_id) or organisation_id)


def _names(snap: Snapshot) -> dict[str, str]:
    return {o: found["name"] for o, found in snap.names.items() if found.get("name")}


def answerable(coalition: Coalition, reader: Actor, administers: frozenset[str]) -> list[str]:
    """The organisations the reader may answer rounds for (administrator or liaison of an active member)."""
    return sorted(o for o in coalition.members if rules.responder_refusal(coalition, reader, o, administers) is None)


def _summary(
    snap: Snapshot,
    coalition: Coalition,
    evaluation: Evaluation,
    reader: Actor,
    administers: frozenset[str],
    today: date,
    active_members: int,
) -> dict[str, Any]:
    """A round as listed: its dates and state, how many answered of the `active_members`, and whom the reader
    still has to answer for (nobody once the coalition has ended: its rounds are answered no more)."""
    names = _names(snap)
    awaiting = [
        {"organisation_id": o, "name": _name(names, o)}
        for o in answerable(coalition, reader, administers)
        if not is_ended(coalition) and rules.may_respond(coalition, reader, evaluation, o, administers, today)
    ]
    return {
        "evaluation_id": evaluation.evaluation_id,
        "title": evaluation.title,
        "closes_on": evaluation.closes_on,
        "opened_by": evaluation.opened_by,
        "closed": evaluation.closed,
        "past_closing": rules.past_closing(evaluation, today),
        "questions": len(evaluation.questions),
        "responses": len(evaluation.responses),
        "members": active_members,
        "awaiting": awaiting,
        "summary": evaluation.summary,
        "lessons": evaluation.lessons,
    }


def _current(connection: Connection, coalition_id: str, reader: Actor, today: date) -> tuple[Snapshot, Coalition, int]:
    """The coalition narrowed to the reader's organisations (every rule these pages ask is about the reader: whom
    they answer for, whether they see the results or close a round), its rounds, and how many active members it
    has."""
    require_member_reader(connection, coalition_id, reader)
    snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today))
    return snap, with_rounds(connection, snap), member_counts(connection, coalition_id).get("active", 0)


def listing(
    connection: Connection, coalition_id: str, reader: Actor, administers: frozenset[str], today: date
) -> dict[str, Any]:
    """The coalition's rounds, latest first, and whether the reader may open one now (404/403 as the domain says)."""
    snap, coalition, active = _current(connection, coalition_id, reader, today)
    listed = [_summary(snap, coalition, e, reader, administers, today, active) for e in coalition.evaluations.values()]
    held = rules.open_round(coalition)
    return {
        "coalition": snap.agreement["name"] if snap.agreement else coalition_id,
        "rounds": list(reversed(listed)),
        "may_open": not is_ended(coalition) and rules.may_open(coalition, reader),
        "facilitator": policy.is_facilitator(coalition, reader),
        "open": held.evaluation_id if held else None,
    }


def _answers(
    names: Mapping[str, str], organisation_id: str, response: EvaluationResponse, questions: dict[str, str]
) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "organisation": _name(names, organisation_id),
        "responded_by": response.responded_by,
        "answers": [
            {
                "question_id": a.question_id,
                "question": questions.get(a.question_id, ""),
                "rating": a.rating,
                "comment": a.comment,
            }
            for a in response.answers
        ],
    }


def one(
    connection: Connection,
    coalition_id: str,
    evaluation_id: str,
    reader: Actor,
    administers: frozenset[str],
    today: date,
) -> dict[str, Any]:
    """One round as the reader may see it: its questions; the results (averages, counts per rating, every answer
    with its organisation) when `policy.may_see_results`; the responses of the reader's own organisations; whom
    the reader may still answer for; whether they may close it."""
    snap, coalition, active = _current(connection, coalition_id, reader, today)
    evaluation = coalition.evaluations.get(evaluation_id)
    if evaluation is None:
        raise NotFound("no such evaluation round: %(evaluation)s", evaluation=evaluation_id)
    texts = {q.question_id: q.text for q in evaluation.questions}
    sees_all = rules.may_see_results(coalition, reader, evaluation)
    names = {**organisation_names(connection, evaluation.responses if sees_all else ()), **_names(snap)}
    results = None
    if sees_all:
        results = [
            {
                "question_id": r.question.question_id,
                "text": r.question.text,
                "average": r.average,
                "counts": dict(r.counts),
                "answers": [
                    {"organisation_id": o, "organisation": _name(names, o), "rating": a.rating, "comment": a.comment}
                    for o, a in r.answers
                ],
            }
            for r in rules.results(evaluation)
        ]
    own = [
        _answers(names, o, response, texts)
        for o, response in evaluation.responses.items()
        if rules.may_see_response(coalition, reader, evaluation, o) and o in reader.acts_for
    ]
    return {
        **_summary(snap, coalition, evaluation, reader, administers, today, active),
        "coalition": snap.agreement["name"] if snap.agreement else coalition_id,
        "question_list": [{"question_id": q.question_id, "text": q.text} for q in evaluation.questions],
        "results": results,
        "own": own,
        "respondents": [{"organisation_id": o, "name": _name(names, o)} for o in evaluation.responses]
        if sees_all
        else None,
        "may_close": not is_ended(coalition) and rules.may_close(coalition, reader, evaluation),
        "facilitator": policy.is_facilitator(coalition, reader),
    }


def at_a_glance(
    connection: Connection,
    snap: Snapshot,
    reader: Actor,
    administers: frozenset[str],
    today: date,
    active_members: int,
) -> dict[str, Any]:
    """For the coalition's home: the latest closed round (its summary and lessons) and the open round, each as
    listed (`awaiting`: the organisations the reader still answers the open one for), or None. One read of the
    rounds; the reader is a member (the page checked). `snap` may be narrowed to the reader's organisations
    (`access.readers_snapshot`); `active_members`: how many active members the coalition has."""
    coalition = with_rounds(connection, snap)
    closed, held = rules.latest_closed(coalition), rules.open_round(coalition)

    def listed(evaluation: Evaluation) -> dict[str, Any]:
        return _summary(snap, coalition, evaluation, reader, administers, today, active_members)

    return {
        "latest_closed": None if closed is None else listed(closed),
        "open": None if held is None else listed(held),
    }
