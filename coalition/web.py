"""Public pages and the health check."""

from __future__ import annotations

import pycountry
from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from coalition.extensions import services
from projections.coalitions import directory

bp = Blueprint("web", __name__)


@bp.app_template_filter("country_name")
def country_name(code: str) -> str:
    """The English name of an ISO 3166-1 alpha-2 country code (the code itself if unknown)."""
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


@bp.get("/")
def index() -> ResponseReturnValue:
    """The home page: what Coalition is, the coalitions it holds and how much the log holds."""
    position, head_hash = services().store.head()
    with services().engine.connect() as connection:
        coalitions = directory(connection)
    return render_template("web/index.html", events=position, head_hash=head_hash, coalitions=coalitions)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """A trivial liveness check: answers without touching the database."""
    return jsonify(status="ok")
