"""What waits for you, over the API: GET /api/v1/me/inbox."""

from __future__ import annotations

from dataclasses import asdict

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from coalition.infra.extensions import services
from coalition.reads.inbox import KINDS, inbox
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import documented
from coalition.web.reading import now


class InboxItemView(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    coalition_id = fields.String(required=True)
    subject_id = fields.String(
        required=True,
        metadata={
            "description": "the statement (signature, reconfirmation), task, organisation (join_request) or "
            "commitment id"
        },
    )
    title = fields.String(required=True)
    due = fields.Date(required=True, allow_none=True, metadata={"description": "null: no due date"})


class InboxView(Schema):
    items = fields.List(fields.Nested(InboxItemView), required=True)
    count = fields.Integer(required=True)


@bp.get("/me/inbox")
@authenticated
@documented(response=InboxView, errors=(401,))
def read_inbox() -> ResponseReturnValue:
    """What waits for you: statements to sign or re-confirm, tasks to accept, requests to join, commitments due."""
    moment = now()
    with services().engine.connect() as connection:
        items = inbox(connection, g.user.user_id, moment.date(), moment)
    return jsonify(InboxView().dump({"items": [asdict(i) for i in items], "count": len(items)}))
