"""A person's own account over the API: verify the e-mail address, ask for a new link, change the password or
the address, choose the time zone."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from coalition import accounts
from coalition.accounts import emails, registration
from coalition.infra.extensions import services
from coalition.web.api.accounts import BOUNDED, PASSWORD, ResetAccepted, check_password
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import Checked
from coalition.web.api.edge import documented, json_body
from coalition.web.api.schemas import zone_field
from coalition.web.request import request_id
from events import Metadata


class Verified(Schema):
    email = fields.String(required=True, metadata={"description": "the account's address, now verified"})
    changed = fields.Boolean(required=True, metadata={"description": "whether the link moved the account to it"})


class PasswordChange(Checked):
    current_password = fields.String(required=True, validate=BOUNDED)
    password = fields.String(required=True, validate=PASSWORD)

    @validates_schema
    def strong_password(self, data: dict[str, Any], **_: Any) -> None:
        """The password rule, judged with the person's address and name."""
        check_password(data["password"], g.user.email, g.user.name)


class Settings(Checked):
    time_zone = zone_field("the IANA zone pages and e-mails show you times in, such as Europe/Bucharest")

    @validates_schema
    def something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send time_zone, the setting to change")


class SettingsView(Schema):
    time_zone = fields.String(required=True)


class EmailChange(Checked):
    current_password = fields.String(required=True, validate=BOUNDED)
    email = fields.Email(required=True, validate=validate.Length(max=320))

    @pre_load
    def trim_email(self, data: Any, **_: Any) -> Any:
        """Spaces around a pasted address go; a line break stays, and makes the address invalid."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip(" \t")}
        return data


@bp.post("/email-verifications/<token>")
@documented(response=Verified, public=True, errors=(400, 404, 409))
def confirm_email(token: str) -> ResponseReturnValue:
    """Open the link e-mailed to verify an address or to move the account to a new one: 200 {email, changed}."""
    done = emails.confirm(services(), token, Metadata(correlation_id=request_id()))
    return jsonify(email=done.email, changed=done.changed)


@bp.post("/me/email-verification")
@authenticated
@documented(response=ResetAccepted, status=202, errors=(401, 409))
def resend_verification() -> ResponseReturnValue:
    """E-mail a new link to verify your address: 202 (409 once it is verified)."""
    emails.resend(services(), g.user, str(get_locale() or "en"))
    return jsonify(message="a new link to verify your e-mail address is on its way"), 202


@bp.patch("/me")
@authenticated
@documented(request=Settings, response=SettingsView, errors=(400, 401, 422))
def change_settings() -> ResponseReturnValue:
    """Change your settings (a preference, not an event): `time_zone`, the IANA zone pages and e-mails show you
    times in. Deadlines over the API stay ISO 8601 date-times with their offset, whatever your zone."""
    data = json_body(Settings(partial=True))
    accounts.set_time_zone(services().engine, g.user.user_id, data["time_zone"])
    return jsonify(SettingsView().dump(data))


@bp.post("/me/password")
@authenticated
@documented(request=PasswordChange, status=204, errors=(400, 401, 403, 422))
def change_password() -> ResponseReturnValue:
    """Change your password, giving the current one: 204; every browser session of yours ends (tokens stay)."""
    data = json_body(PasswordChange())
    metadata = Metadata(correlation_id=request_id())
    registration.change_password(services(), g.user, data["current_password"], data["password"], metadata)
    return "", 204


@bp.post("/me/email")
@authenticated
@documented(request=EmailChange, response=ResetAccepted, status=202, errors=(400, 401, 403, 409, 422))
def change_email() -> ResponseReturnValue:
    """Move your account to another address, giving your password: 202; a link goes to the new address (the
    change happens when it is opened) and a notice to the current one."""
    data = json_body(EmailChange())
    emails.request_change(services(), g.user, data["current_password"], data["email"], str(get_locale() or "en"))
    return jsonify(
        message="a link to confirm the new address is on its way to it; until it is opened, nothing changes"
    ), 202
