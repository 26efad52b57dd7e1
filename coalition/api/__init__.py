"""The JSON API under /api/v1: one blueprint, resources in their own modules."""

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import BadRequest

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from coalition.api import accounts, coalitions, openapi, organisations, reports, statements, work  # noqa: E402,F401  (routes)


@bp.before_request
def refuse_nul_characters() -> None:
    """No id or filter holds a NUL character, and PostgreSQL cannot store one: say so before anything runs."""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        raise BadRequest("the path and query must not contain NUL characters (%00)")


@bp.after_request
def tell_request_id(response: Response) -> Response:
    """Commands answer with the id they recorded as the correlation id of their events."""
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response
