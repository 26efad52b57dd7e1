"""The audit pages for facilitators: the filtered history, as-of views, CSV export, a member's commitment history."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__)
