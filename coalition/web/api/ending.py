"""Ending well over the API: close a coalition; the schemas of closing and of leaving with open work."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from coalition.domain.ending import ACTIONS
from coalition.handlers import Context
from coalition.handlers import ending as handle
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import ID, TEXT, Trimmed
from coalition.web.api.edge import command, documented, json_body
from coalition.web.api.schemas import OptionalReasonRequest, ReasonRequest

DISPOSITION_ACTIONS = tuple(sorted({a for actions in ACTIONS.values() for a in actions}))


class CoalitionCloseRequest(ReasonRequest):
    """Why the coalition closes (required)."""


class CoalitionClosedAnswer(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    ended_on = fields.Date(required=True)
    final_position = fields.Integer(
        required=True, metadata={"description": "the log's head when it closed: where the final report stands"}
    )


class DispositionRequest(Trimmed):
    """What the leaving member does with one open commitment (withdraw) or task (hand_over, drop)."""

    item = fields.String(required=True, validate=ID, metadata={"description": "a commitment_id or a task_id"})
    action = fields.String(required=True, validate=validate.OneOf(DISPOSITION_ACTIONS))
    reason = fields.String(required=True, validate=TEXT)
    to = fields.String(validate=ID, metadata={"description": "hand_over: the active member taking the task on"})


class LeaveRequest(OptionalReasonRequest):
    """Leaving: an optional reason, and one disposition for each open commitment and task of the organisation."""

    dispositions = fields.List(fields.Nested(DispositionRequest), validate=validate.Length(max=500))


@bp.post("/coalitions/<coalition_id>/close")
@command(200)
@documented(request=CoalitionCloseRequest, response=CoalitionClosedAnswer)
def close_coalition(context: Context, coalition_id: str) -> dict[str, Any]:
    """Close the coalition (facilitators), once no statement is open for signature, no task open, no evaluation
    round open and no commitment pledged (else 409 naming each).

    Records `CoalitionClosed` with the log's head (the final report's position); afterwards every
    changing request on the coalition answers 409 "the coalition has ended on <date>".
    """
    return handle.close_coalition(context, coalition_id, **json_body(CoalitionCloseRequest()))
