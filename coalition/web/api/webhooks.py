"""A coalition's webhooks over the API (facilitators): register, list, remove, and read their deliveries."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from coalition.infra.extensions import services
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import Checked
from coalition.web.api.edge import documented, json_body, query_args
from coalition.web.reading import now, today
from coalition.webhooks import subscriptions
from coalition.webhooks.guard import MAX_URL

HOOKS = "/coalitions/<coalition_id>/webhooks"


class WebhookRequest(Checked):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_URL),
        metadata={"description": "http(s) URL of a public address"},
    )
    events = fields.List(fields.String(), required=True, metadata={"description": "event types to send (at least one)"})


class WebhookCreated(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    secret = fields.String(required=True, metadata={"description": "the signing secret, shown only in this answer"})
    created_at = fields.String(required=True)


class WebhookView(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)
    disabled_at = fields.String(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    failing_since = fields.String(allow_none=True)


class WebhooksView(Schema):
    webhooks = fields.List(fields.Nested(WebhookView), required=True)


class DeliveryView(Schema):
    id = fields.String(required=True, metadata={"description": "the webhook-id header sent"})
    position = fields.Integer(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "queued, sending, delivered or failed"})
    attempts = fields.Integer(required=True)
    due_at = fields.String(required=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    delivered_at = fields.String(allow_none=True)


class DeliveriesView(Schema):
    deliveries = fields.List(fields.Nested(DeliveryView), required=True)
    next_before = fields.Integer(allow_none=True, metadata={"description": "pass as `before` for the next page"})


class DeliveriesQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(validate=validate.Range(min=1), metadata={"description": "events before this position"})


@bp.post(HOOKS)
@authenticated
@documented(request=WebhookRequest, response=WebhookCreated, status=201)
def register_webhook(coalition_id: str) -> ResponseReturnValue:
    """Register an endpoint to be sent the coalition's events of some types (facilitators); the secret is shown once."""
    body = json_body(WebhookRequest())
    created = subscriptions.register(
        services(),
        coalition_id,
        g.user.user_id,
        body["url"],
        body["events"],
        now(),
        allow_private=services().allow_private_webhooks,
    )
    return jsonify(WebhookCreated().dump(created)), 201, {"Cache-Control": "no-store"}


@bp.get(HOOKS)
@authenticated
@documented(response=WebhooksView)
def list_webhooks(coalition_id: str) -> ResponseReturnValue:
    """The coalition's webhooks, enabled or disabled, without their secrets (facilitators)."""
    with services().engine.connect() as connection:
        subscriptions.require_facilitator(connection, coalition_id, g.user.user_id, today())
        found = subscriptions.of_coalition(connection, coalition_id)
    return jsonify(WebhooksView().dump({"webhooks": found}))


@bp.delete(f"{HOOKS}/<webhook_id>")
@authenticated
@documented(status=204)
def remove_webhook(coalition_id: str, webhook_id: str) -> ResponseReturnValue:
    """Remove an endpoint: nothing more is sent to it (facilitators)."""
    subscriptions.remove(services(), coalition_id, g.user.user_id, webhook_id, today())
    return "", 204


@bp.get(f"{HOOKS}/<webhook_id>/deliveries")
@authenticated
@documented(query=DeliveriesQuery, response=DeliveriesView)
def read_deliveries(coalition_id: str, webhook_id: str) -> ResponseReturnValue:
    """An endpoint's deliveries, newest event first, a page at a time (facilitators)."""
    args: dict[str, Any] = query_args(DeliveriesQuery())
    with services().engine.connect() as connection:
        subscriptions.require_facilitator(connection, coalition_id, g.user.user_id, today())
        subscriptions.one(connection, coalition_id, webhook_id)
        rows = subscriptions.deliveries(connection, webhook_id, args["limit"], args.get("before"))
    next_before = rows[-1]["position"] if len(rows) == args["limit"] else None
    return jsonify(DeliveriesView().dump({"deliveries": rows, "next_before": next_before}))
