"""One JSON error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from coalition.domain.base import DomainError
from coalition.web.errors import busy_page, page_error, status_of, unexpected_page
from events import ConcurrencyConflict, EventStoreError, WriterBusy

API_PREFIX = "/api/"


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
