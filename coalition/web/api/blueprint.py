"""The JSON API's one blueprint, under /api/v1; its resources add their routes to it."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
