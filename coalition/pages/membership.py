"""Founding a coalition and its membership: the agreement form, join, invite, approve, suspend, leave, roles."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("membership", __name__)
