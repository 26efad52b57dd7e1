"""The JSON API under /api/v1: one blueprint, resources in their own modules."""

from flask import Blueprint, Response, g

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from coalition.api import accounts, coalitions, openapi, organisations, reports, work  # noqa: E402,F401  (routes)


@bp.after_request
def tell_request_id(response: Response) -> Response:
    """Commands answer with the id they recorded as the correlation id of their events."""
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response
