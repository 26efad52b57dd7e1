"""Accounts over the API: register, create and revoke tokens, who am I."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, pre_load, validate
from werkzeug.exceptions import BadRequest

from coalition import accounts
from coalition.api import bp
from coalition.api.auth import authenticated
from coalition.extensions import services


class RegisterRequest(Schema):
    email = fields.Email(required=True)

    @pre_load
    def trim_email(self, data: Any, **_: Any) -> Any:
        """Pasted addresses often carry spaces around them."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip()}
        return data

    password = fields.String(required=True, validate=validate.Length(min=10, error="use at least 10 characters"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenRequest(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)


def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON object loaded through `schema` (400 if not a JSON object, 422 if invalid)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    return schema.load(body)


@bp.post("/users")
def register_user() -> ResponseReturnValue:
    """Register a person: 201 {id}."""
    data = json_body(RegisterRequest())
    user_id = accounts.register(services(), data["email"], data["password"], data["name"])
    return jsonify(id=user_id), 201


@bp.post("/tokens")
def create_token() -> ResponseReturnValue:
    """Exchange an e-mail and password for an API token, shown only this once: 201 {id, token}."""
    data = json_body(TokenRequest())
    token_id, token = accounts.create_token(services(), data["email"], data["password"])
    return jsonify(id=token_id, token=token), 201


@bp.delete("/tokens/<token_id>")
@authenticated
def revoke_token(token_id: str) -> ResponseReturnValue:
    """Revoke one of your own tokens: 204."""
    accounts.revoke_token(services(), g.user, token_id)
    return "", 204


@bp.get("/me")
@authenticated
def me() -> ResponseReturnValue:
    """The person the token belongs to."""
    return jsonify(id=g.user.user_id, email=g.user.email, name=g.user.name)
