"""Accounts over the API: register, create and revoke tokens, who am I, reset a forgotten password."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from coalition.accounts import passwords, registration, resets, tokens
from coalition.domain import text
from coalition.domain.coalition import ROLES
from coalition.infra.extensions import services
from coalition.reads.listings import holdings
from coalition.reads.personal_data import everything
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import documented, json_body
from coalition.web.api.schemas import EMAIL, NAME, Checked, one_line
from coalition.web.reading import now, today
from coalition.web.request import request_id
from events import Metadata

#: The length of a new password; the whole rule is `coalition.accounts.passwords`, asked by `check_password`.
PASSWORD = validate.Length(
    min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH, error="use at least {min} and at most {max} characters"
)
#: A password given to sign in is only bounded (an account may predate the rule); nothing longer is ever hashed.
BOUNDED = validate.Length(max=passwords.MAX_LENGTH, error="use at most {max} characters")


def check_password(password: str, email: str, name: str, field: str = "password") -> None:
    """A ValidationError (422, the field named) saying what to change, unless the password rule is met."""
    refused = passwords.refusal(password, email, name)
    if refused is not None:
        raise ValidationError({field: [passwords.explain(refused)]})


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

    @validates_schema
    def strong_password(self, data: dict[str, Any], **_: Any) -> None:
        """The password rule, judged with the person's address and name."""
        check_password(data["password"], data["email"], data["name"])


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
    password = fields.String(required=True, validate=BOUNDED)
    expires_in_days = fields.Integer(
        strict=True,
        load_default=tokens.DEFAULT_DAYS,
        validate=validate.Range(min=1, max=tokens.MAX_DAYS, error=f"a token lives 1 to {tokens.MAX_DAYS} days"),
        metadata={"description": f"how long the token works, in days (default {tokens.DEFAULT_DAYS})"},
    )


class Created(Schema):
    id = fields.String(required=True)


class TokenCreated(Created):
    token = fields.String(required=True, metadata={"description": "shown only this once"})
    expires_at = fields.String(required=True)


class TokenView(Schema):
    id = fields.String(required=True)
    created_at = fields.String(required=True)
    expires_at = fields.String(required=True)
    last_used_at = fields.String(allow_none=True, metadata={"description": "to the minute; null if never used"})
    revoked_at = fields.String(allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(("active", "expired", "revoked")))


class TokenList(Schema):
    tokens = fields.List(fields.Nested(TokenView), required=True)


class AdministeredOrganisation(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)


class MandateHeld(Schema):
    id = fields.String(required=True, metadata={"description": "the mandate's id"})
    organisation_id = fields.String(required=True)
    organisation = fields.String(required=True, metadata={"description": "the organisation's name"})
    title = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    revoked_on = fields.Date(allow_none=True)
    valid_today = fields.Boolean(required=True, metadata={"description": "whether you may sign with it today"})


class RoleHeld(Schema):
    role_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    coalition_id = fields.String(required=True)
    coalition = fields.String(required=True, metadata={"description": "the coalition's name"})
    organisation_id = fields.String(required=True, metadata={"description": "the organisation you hold it for"})
    since = fields.String(required=True)


class Me(Created):
    email = fields.String(required=True)
    name = fields.String(required=True)
    email_verified = fields.Boolean(
        required=True, metadata={"description": "needed to sign statements and hold signing mandates"}
    )
    time_zone = fields.String(
        allow_none=True,
        metadata={"description": "the IANA zone pages and e-mails show you times in; null: not chosen yet (UTC)"},
    )
    organisations = fields.List(
        fields.Nested(AdministeredOrganisation),
        required=True,
        metadata={"description": "the organisations you administer, by name"},
    )
    mandates = fields.List(
        fields.Nested(MandateHeld),
        required=True,
        metadata={"description": "your signing mandates, valid or not, by organisation"},
    )
    roles = fields.List(
        fields.Nested(RoleHeld), required=True, metadata={"description": "your present roles, by coalition"}
    )


@bp.post("/users")
@documented(request=RegisterRequest, response=Created, status=201, public=True)
def register_user() -> ResponseReturnValue:
    """Register a person: 201 {id}; a link to verify the address is e-mailed. An address already registered is
    answered the same (its owner is mailed a notice instead), so the answer never tells who is registered."""
    data = json_body(RegisterRequest())
    locale = str(get_locale() or "en")
    metadata = Metadata(correlation_id=request_id())
    user_id = registration.register(services(), data["email"], data["password"], data["name"], locale, metadata)
    return jsonify(id=user_id), 201


@bp.post("/tokens")
@documented(request=TokenRequest, response=TokenCreated, status=201, public=True, errors=(400, 401, 409, 422))
def create_token() -> ResponseReturnValue:
    """Exchange an e-mail and password for an API token, shown only this once: 201 {id, token, expires_at}.

    It works `expires_in_days` days (1 to 365, default 90); after that it is refused with a 401 saying so.
    """
    data = json_body(TokenRequest())
    made = tokens.create_token(
        services(), data["email"], data["password"], Metadata(correlation_id=request_id()), data["expires_in_days"]
    )
    return jsonify(id=made.id, token=made.token, expires_at=made.expires_at), 201


@bp.get("/tokens")
@authenticated
@documented(response=TokenList)
def list_tokens() -> ResponseReturnValue:
    """Your API tokens, newest first: when each was created, expires and was last used, and whether revoked."""
    moment = now()
    listed = [
        {
            "id": t["token_id"],
            **{k: t[k] for k in ("created_at", "expires_at", "last_used_at", "revoked_at")},
            "state": tokens.state(t, moment),
        }
        for t in tokens.tokens_of(services().engine, g.user.user_id)
    ]
    return jsonify(TokenList().dump({"tokens": listed}))


@bp.delete("/tokens/<token_id>")
@authenticated
@documented(status=204)
def revoke_token(token_id: str) -> ResponseReturnValue:
    """Revoke one of your own tokens: 204."""
    tokens.revoke_token(services(), g.user, token_id, Metadata(correlation_id=request_id()))
    return "", 204


@bp.get("/me")
@authenticated
@documented(response=Me)
def me() -> ResponseReturnValue:
    """The person the token belongs to: the organisations they administer, their signing mandates and their
    roles in coalitions (with the ids every other call takes)."""
    with services().engine.connect() as connection:
        held = holdings(connection, g.user.user_id, today())
    person = {
        "id": g.user.user_id,
        "email": g.user.email,
        "name": g.user.name,
        "email_verified": g.user.verified,
        "time_zone": g.user.time_zone,
    }
    return jsonify(Me().dump({**person, **held}))


class PersonalData(Schema):
    format = fields.String(required=True)
    exported_at = fields.String(required=True)
    account = fields.Dict(required=True, allow_none=True)
    api_tokens = fields.List(fields.Dict(), required=True)
    organisations = fields.List(fields.Dict(), required=True)
    coalition_roles = fields.List(fields.Dict(), required=True)
    invitations = fields.List(fields.Dict(), required=True)
    notification_preferences = fields.List(fields.Dict(), required=True)
    digest_hour = fields.Integer(required=True, allow_none=True)
    events = fields.List(fields.Dict(), required=True)


@bp.get("/me/export")
@authenticated
@documented(response=PersonalData)
def export_me() -> ResponseReturnValue:
    """Everything Coalition holds about you (GDPR articles 15 and 20): account, memberships, mandates, events."""
    response = jsonify(everything(services().store, g.user.user_id, services().store.clock()))
    response.headers["Content-Disposition"] = 'attachment; filename="coalition-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


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
    holder = resets.holder(services().engine, token, services().store.clock())
    if holder is not None:
        check_password(data["password"], holder.email, holder.name)
    resets.reset_password(services(), token, data["password"], Metadata(correlation_id=request_id()))
    return "", 204
