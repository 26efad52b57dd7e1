"""Evaluation rounds over the API: open, answer, close, read."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from coalition.domain.coalition_state import Actor
from coalition.domain.policy.evaluations import DEFAULT_QUESTIONS
from coalition.handlers import Context
from coalition.handlers import evaluations as handle
from coalition.infra.extensions import services
from coalition.reads import evaluations as reads
from coalition.reads.access import held_by
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import command, documented, json_body
from coalition.web.api.evaluation_schemas import (
    CloseEvaluationRequest,
    EvaluationListView,
    EvaluationView,
    OpenEvaluationRequest,
    RespondRequest,
)
from coalition.web.api.schemas import Answer
from coalition.web.reading import today

ROUNDS = "/coalitions/<coalition_id>/evaluations"
ROUND = f"{ROUNDS}/<evaluation_id>"


def _json(value: Any) -> Any:
    """Dates as ISO text and rating counts keyed by text, for JSON."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _reader() -> tuple[Actor, frozenset[str]]:
    with services().engine.connect() as connection:
        held = held_by(connection, g.user.user_id, today())
    return Actor(g.user.user_id, held.acts_for), held.administers


@bp.post(ROUNDS)
@command(201)
@documented(request=OpenEvaluationRequest, response=Answer, status=201)
def open_evaluation(context: Context, coalition_id: str) -> dict[str, Any]:
    """Open an evaluation round (facilitators; one open at a time); without `questions`, the default set."""
    body = json_body(OpenEvaluationRequest())
    questions = body.get("questions") or [gettext(q) for q in DEFAULT_QUESTIONS]
    return handle.open_evaluation(
        context, coalition_id, title=body["title"], questions=questions, closes_on=body["closes_on"]
    )


@bp.get(ROUNDS)
@authenticated
@documented(response=EvaluationListView)
def list_evaluations(coalition_id: str) -> ResponseReturnValue:
    """The coalition's evaluation rounds, latest first (people of member organisations)."""
    reader, administers = _reader()
    with services().engine.connect() as connection:
        listed = reads.listing(connection, coalition_id, reader, administers, today())
    return jsonify(_json({k: listed[k] for k in ("rounds", "may_open", "open")}))


@bp.get(ROUND)
@authenticated
@documented(response=EvaluationView)
def read_evaluation(coalition_id: str, evaluation_id: str) -> ResponseReturnValue:
    """One round: its questions, your organisations' responses and, once closed (facilitators: always), the results."""
    reader, administers = _reader()
    with services().engine.connect() as connection:
        found = reads.one(connection, coalition_id, evaluation_id, reader, administers, today())
    found.pop("coalition")
    found.pop("facilitator")
    return jsonify(_json(found))


@bp.post(f"{ROUND}/responses")
@command(201)
@documented(request=RespondRequest, response=Answer, status=201)
def respond(context: Context, coalition_id: str, evaluation_id: str) -> dict[str, Any]:
    """Answer the round for a member organisation you administer or are liaison of (once, until its closing date)."""
    return handle.respond(context, coalition_id, evaluation_id, **json_body(RespondRequest()))


@bp.post(f"{ROUND}/close")
@command(200)
@documented(request=CloseEvaluationRequest, response=Answer)
def close_evaluation(context: Context, coalition_id: str, evaluation_id: str) -> dict[str, Any]:
    """Close the round with a summary and lessons learned (facilitators; also after its closing date)."""
    return handle.close_evaluation(context, coalition_id, evaluation_id, **json_body(CloseEvaluationRequest()))
