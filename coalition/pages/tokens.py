"""The API token page: create, list and revoke the signed-in person's API tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tokens", __name__)
