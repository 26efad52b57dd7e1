"""The common objectives' indicators over the API: where each objective stands, and recording progress."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from coalition.handlers import Context
from coalition.handlers import progress as handle
from coalition.infra.extensions import services
from coalition.reads import objectives
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import ID, TEXT, Day, Trimmed, number
from coalition.web.api.edge import command, documented, json_body, query_args, reader
from coalition.web.api.schemas import Answer, AsOfQuery
from coalition.web.reading import snapshot_for_member


class ProgressRequest(Trimmed):
    value = number(required=True, metadata={"description": "the indicator's value on as_of, in the objective's unit"})
    as_of = Day(required=True, metadata={"description": "the day the value was true: in the agreement, not ahead"})
    note = fields.String(validate=TEXT, metadata={"description": "where the figure comes from"})
    organisation_id = fields.String(
        validate=ID,
        metadata={"description": "the member whose work it counts (a liaison: their own, the default)"},
    )
    supersedes = fields.String(validate=ID, metadata={"description": "the progress point this one corrects"})


class PointView(Schema):
    progress_id = fields.String(required=True)
    value = fields.Float(required=True)
    as_of = fields.Date(required=True)
    note = fields.String(allow_none=True)
    organisation_id = fields.String(allow_none=True)
    recorded_by = fields.String(required=True, metadata={"description": "the user id of who recorded it"})
    supersedes = fields.String(allow_none=True)
    superseded_by = fields.String(allow_none=True, metadata={"description": "the point that corrects this one"})


class ObjectiveStanding(Schema):
    number = fields.Integer(required=True)
    objective_id = fields.String(required=True)
    text = fields.String(required=True)
    measure = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    baseline = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)
    target_date = fields.Date(allow_none=True)
    latest = fields.Nested(PointView, allow_none=True, metadata={"description": "the current point latest by as_of"})
    share = fields.Float(allow_none=True, metadata={"description": "of the way from baseline to target, 1 = reached"})
    status = fields.String(
        required=True,
        metadata={"description": "on-track, behind, reached, overdue or unmeasured (see the README's rule)"},
    )
    points = fields.List(fields.Nested(PointView), required=True, metadata={"description": "in log order"})


class ObjectivesView(Schema):
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True, metadata={"description": "the log position read; null: now"})
    objectives = fields.List(fields.Nested(ObjectiveStanding), required=True)


@bp.get("/coalitions/<coalition_id>/objectives")
@authenticated
@documented(query=AsOfQuery, response=ObjectivesView)
def read_objectives(coalition_id: str) -> ResponseReturnValue:
    """Each common objective with its latest value, the share of its target reached and its status (now or as of)."""
    with services().engine.connect() as connection:
        as_of = query_args(AsOfQuery()).get("as_of")
        snap = snapshot_for_member(connection, coalition_id, as_of, reader(connection), whole=False)  # the agreement
        listed = objectives.standing(connection, snap)
    body = {"as_of": snap.moment.day.isoformat(), "position": snap.moment.position, "objectives": listed}
    return jsonify(ObjectivesView().dump(body))


@bp.post("/coalitions/<coalition_id>/objectives/<objective_id>/progress")
@command(201)
@documented(request=ProgressRequest, response=Answer, status=201)
def record_progress(context: Context, coalition_id: str, objective_id: str) -> dict[str, Any]:
    """Record where an objective stands (facilitators, and liaisons for their own organisation); a correction
    names the point it `supersedes`, which stays in the log."""
    return handle.record_progress(context, coalition_id, objective_id, **json_body(ProgressRequest()))
