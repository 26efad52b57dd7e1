"""The statement editor: draft, preview, translate, open, amend, close and publish."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("drafting", __name__)
