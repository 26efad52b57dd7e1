"""The JSON API under /api/v1: one blueprint, resources in their own modules."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from coalition.web.api import accounts, coalitions, openapi, organisations, reports, statements, work  # noqa: E402,F401  (routes)
