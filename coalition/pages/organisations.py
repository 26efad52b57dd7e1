"""Organisation pages: create an organisation, its administrators and signing mandates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organisations", __name__)
