"""How the token's owner receives each kind of message, and the hour of their daily digest."""

from __future__ import annotations

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from coalition.infra.extensions import services
from coalition.notify import preferences
from coalition.notify.kinds import KINDS
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import Checked
from coalition.web.api.edge import documented, json_body


class Preferences(Checked):
    kinds = fields.Dict(
        keys=fields.String(validate=validate.OneOf(KINDS, error="no kind of message is called {input}")),
        values=fields.String(validate=validate.OneOf(preferences.MODES)),
        metadata={"description": "kind -> immediate, daily (in the digest) or off; kinds left out keep theirs"},
    )
    digest_hour = fields.Integer(
        strict=True,
        validate=validate.Range(0, 23),
        metadata={"description": "the hour the daily digest goes out, on your clock (`time_zone` of /me; UTC if none)"},
    )


class Chosen(Schema):
    kinds = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    digest_hour = fields.Integer(required=True)


def _answer(user_id: str) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        chosen = preferences.choices(connection, user_id)
    return jsonify(kinds=chosen.kinds, digest_hour=chosen.digest_hour)


@bp.get("/me/notifications")
@authenticated
@documented(response=Chosen, errors=(401,))
def notification_preferences() -> ResponseReturnValue:
    """How you receive each kind of message (every kind listed) and your digest hour."""
    return _answer(g.user.user_id)


@bp.put("/me/notifications")
@authenticated
@documented(request=Preferences, response=Chosen, errors=(400, 401, 422))
def choose_notifications() -> ResponseReturnValue:
    """Choose how you receive some kinds of message, or your digest hour: your choices after the change."""
    data = json_body(Preferences())
    with services().engine.begin() as connection:
        preferences.choose(connection, g.user.user_id, data.get("kinds", {}), data.get("digest_hour"))
    return _answer(g.user.user_id)
