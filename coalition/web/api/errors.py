"""One JSON error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from coalition.domain.base import DomainError
from coalition.web.errors import busy_page, page_error, status_of, unexpected_page
from events import ConcurrencyConflict, EventStoreError, WriterBusy

API_PREFIX = "/api/"
#: Retry-After when the database connection was lost (the next request connects afresh).
DATABASE_RETRY_SECONDS = 1


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> ResponseReturnValue:
    """The one error body, with its status."""
    return jsonify(error={"code": code, "message": message, "fields": fields or {}}), status


def init_app(app: Flask) -> None:
    """Register the error handlers once, for every API path."""

    @app.errorhandler(ValidationError)
    def invalid(error: ValidationError) -> ResponseReturnValue:
        fields = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return error_response(422, "invalid", "some fields are not valid: see fields", fields)

    @app.errorhandler(DomainError)
    def refused(error: DomainError) -> ResponseReturnValue:
        status, code = status_of(error)
        retry = getattr(error, "retry_after", None)  # a refusal for now (every checker busy): when to try again
        body = jsonify(error={"code": code, "message": str(error), "fields": {}})
        return (body, status, {"Retry-After": str(retry)}) if retry else (body, status)

    @app.errorhandler(ConcurrencyConflict)
    def conflict(error: ConcurrencyConflict) -> ResponseReturnValue:
        return error_response(409, "conflict", str(error))

    @app.errorhandler(EventStoreError)
    def not_recorded(error: EventStoreError) -> ResponseReturnValue:
        return error_response(422, "invalid", str(error))

    @app.errorhandler(WriterBusy)
    def busy(error: WriterBusy) -> ResponseReturnValue:
        """No room in the store's writer queue (group commit): a refusal for now, on the API and the pages."""
        if not request.path.startswith(API_PREFIX):
            return busy_page(error.retry_after)
        body = jsonify(error={"code": "unavailable", "message": str(error), "fields": {}})
        return body, 503, {"Retry-After": str(error.retry_after)}

    @app.errorhandler(DBAPIError)
    def database_lost(error: DBAPIError) -> Any:
        """The database went away (restarted, a connection cut: the pool has dropped every connection made before,
        so the next request connects afresh) or takes no connections (no statement was sent): a refusal for now."""
        connecting = getattr(error, "connecting", False)  # the database is down or refuses us (events.engine)
        if not (error.connection_invalidated or connecting):
            return unexpected(error)
        log = current_app.logger.error if connecting else current_app.logger.warning  # (a wrong URL or password too)
        log("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        retry = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
        if not request.path.startswith(API_PREFIX):  # the page for a 5xx: try again in a moment
            if "_login_user" not in g:  # who is signed in could not be read: the page is drawn as for a visitor
                g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
            # Once the request began to commit or append (`infra.extensions.committing`), its change may be recorded:
            # its COMMIT lost on the way back, or a later step of the request failing. Before, nothing was.
            unsure = request.method not in ("GET", "HEAD") and g.get("may_have_committed", False)
            return render_template("errors/other.html", error=None, status=503, unsure=unsure), 503, retry
        message = (
            "the database could not be reached; send the request again in a moment "
            "(with the same Idempotency-Key a change is recorded at most once)"
        )
        return jsonify(error={"code": "unavailable", "message": message, "fields": {}}), 503, retry

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if not request.path.startswith(API_PREFIX):
            return page_error(error)
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith(API_PREFIX):
            return error_response(500, "internal_error", "something went wrong on our side; nothing was recorded")
        return unexpected_page()
