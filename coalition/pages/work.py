"""Commitments and tasks from the browser, my organisation's responsibilities, and the objectives × organisations grid."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("work", __name__)
