"""My browser sessions over the API (list, end one, end all) and closing my account."""

from __future__ import annotations

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from coalition.accounts import sessions
from coalition.domain.base import NotFound
from coalition.handlers import closing
from coalition.infra.extensions import services
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import Checked
from coalition.web.api.edge import documented, json_body
from coalition.web.reading import now
from coalition.web.request import request_id
from coalition.web.signin import idle
from events import Metadata


class SessionView(Schema):
    id = fields.String(required=True)
    created_at = fields.String(required=True)
    last_seen_at = fields.String(required=True, metadata={"description": "to the minute"})
    user_agent = fields.String(required=True, metadata={"description": "the browser and its system, in short"})
    ip_prefix = fields.String(required=True, metadata={"description": "the network (/24 or /48), not the address"})


class SessionList(Schema):
    sessions = fields.List(fields.Nested(SessionView), required=True)


class Ended(Schema):
    ended = fields.Integer(required=True, metadata={"description": "how many sessions ended"})


class CloseRequest(Checked):
    password = fields.String(required=True, metadata={"description": "the account's password, to confirm"})


class Closed(Schema):
    closed_at = fields.String(required=True)


@bp.get("/me/sessions")
@authenticated
@documented(response=SessionList)
def list_sessions() -> ResponseReturnValue:
    """Where you are signed in through a browser, the most recently seen first."""
    listed = [
        {"id": s["session_id"], **{k: s[k] for k in ("created_at", "last_seen_at", "user_agent", "ip_prefix")}}
        for s in sessions.sessions_of(services().engine, g.user.user_id, now(), idle())
    ]
    return jsonify(SessionList().dump({"sessions": listed}))


@bp.delete("/me/sessions/<session_id>")
@authenticated
@documented(status=204)
def end_session(session_id: str) -> ResponseReturnValue:
    """End one of your browser sessions: that browser is signed out (a copy of its cookie too): 204."""
    if not sessions.end_session(services().engine, g.user.user_id, session_id, now()):
        raise NotFound("no such session of yours is going on: %(session)s", session=session_id)
    return "", 204


@bp.delete("/me/sessions")
@authenticated
@documented(response=Ended)
def end_sessions() -> ResponseReturnValue:
    """End every browser session of yours (API tokens go on working: revoke them with DELETE /tokens/{id})."""
    return jsonify(ended=sessions.end_sessions(services().engine, g.user.user_id, now=now()))


@bp.post("/me/close")
@authenticated
@documented(request=CloseRequest, response=Closed, errors=(400, 401, 403, 409, 422))
def close_account() -> ResponseReturnValue:
    """Close your account, confirmed by its password: your places end (events), every session and token ends,
    and nobody can sign in with it again. 409 while you are the last administrator of an organisation or the
    last facilitator of a coalition, saying what to do first. Your name stays in the log (erasure is separate)."""
    data = json_body(CloseRequest())
    stamp = closing.close_account(services(), g.user.user_id, data["password"], Metadata(correlation_id=request_id()))
    return jsonify(closed_at=stamp)
