"""Accounts over the API: register, create and revoke tokens, who am I, reset a forgotten password."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from marshmallow import Schema, fields, pre_load, validate

from coalition import accounts
from coalition.accounts import resets
from coalition.domain import text
from coalition.infra.extensions import services
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import documented, json_body
from coalition.web.api.schemas import EMAIL, NAME, Checked, one_line
from coalition.web.request import request_id
from events import Metadata

PASSWORD = validate.Length(min=10, error="use at least 10 characters")


class RegisterRequest(Checked):
    email = fields.Email(required=True, validate=EMAIL)

    @pre_load
    def trim_email(self, data: Any, **_: Any) -> Any:
        """Pasted addresses often carry spaces around them."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip()}
        return data

    password = fields.String(required=True, validate=PASSWORD)
    name = fields.String(required=True, validate=[NAME, one_line])


class ResetRequest(Checked):
    email = fields.Email(required=True, validate=EMAIL)

    @pre_load
    def trim_email(self, data: Any, **_: Any) -> Any:
        """Spaces around a pasted address go; a line break stays, and makes the address invalid."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip(" \t")}
        return data


class ResetAccepted(Schema):
    message = fields.String(required=True)


class NewPassword(Checked):
    password = fields.String(required=True, validate=PASSWORD)


class TokenRequest(Checked):
    email = fields.String(required=True, validate=validate.Length(max=text.EMAIL))
    password = fields.String(required=True)


class Created(Schema):
    id = fields.String(required=True)


class TokenCreated(Created):
    token = fields.String(required=True, metadata={"description": "shown only this once"})


class Me(Created):
    email = fields.String(required=True)
    name = fields.String(required=True)


@bp.post("/users")
@documented(request=RegisterRequest, response=Created, status=201, public=True)
def register_user() -> ResponseReturnValue:
    """Register a person: 201 {id}."""
    data = json_body(RegisterRequest())
    user_id = accounts.register(services(), data["email"], data["password"], data["name"])
    return jsonify(id=user_id), 201


@bp.post("/tokens")
@documented(request=TokenRequest, response=TokenCreated, status=201, public=True, errors=(400, 401, 409, 422))
def create_token() -> ResponseReturnValue:
    """Exchange an e-mail and password for an API token, shown only this once: 201 {id, token}."""
    data = json_body(TokenRequest())
    token_id, token = accounts.create_token(services(), data["email"], data["password"])
    return jsonify(id=token_id, token=token), 201


@bp.delete("/tokens/<token_id>")
@authenticated
@documented(status=204)
def revoke_token(token_id: str) -> ResponseReturnValue:
    """Revoke one of your own tokens: 204."""
    accounts.revoke_token(services(), g.user, token_id)
    return "", 204


@bp.get("/me")
@authenticated
@documented(response=Me)
def me() -> ResponseReturnValue:
    """The person the token belongs to."""
    return jsonify(id=g.user.user_id, email=g.user.email, name=g.user.name)


@bp.post("/password-resets")
@documented(request=ResetRequest, response=ResetAccepted, status=202, public=True, errors=(400, 422))
def request_password_reset() -> ResponseReturnValue:
    """Ask for a link to choose a new password, sent by e-mail: 202 whether or not the address has an account."""
    data = json_body(ResetRequest())
    resets.request_reset(services(), data["email"], str(get_locale() or "en"))
    return jsonify(message="if an account has this address, a link to choose a new password is on its way"), 202


@bp.post("/password-resets/<token>")
@documented(request=NewPassword, status=204, public=True, errors=(400, 404, 422))
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password with the link's token: 204; every session and API token of the account ends."""
    data = json_body(NewPassword())
    resets.reset_password(services(), token, data["password"], Metadata(correlation_id=request_id()))
    return "", 204
