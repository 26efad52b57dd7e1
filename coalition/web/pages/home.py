"""Public pages and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from coalition.infra.db import readiness
from coalition.infra.extensions import services
from coalition.reads.coalitions import directory

bp = Blueprint("web", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The home page: what Coalition is, the coalitions it holds and how much the log holds."""
    position, head_hash = services().store.head()
    with services().engine.connect() as connection:
        coalitions = directory(connection)
    return render_template("web/index.html", events=position, head_hash=head_hash, coalitions=coalitions)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """A trivial liveness check: answers without touching the database (the process is alive)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def ready() -> ResponseReturnValue:
    """The readiness check for a load balancer: whether this process can serve now (its database reachable, its
    schema not behind this code), else 503 with the reason and when to ask again."""
    serving, reason = readiness(services().engine)
    fresh = {"Cache-Control": "no-store"}
    if serving:
        return jsonify(status="ready", **({"note": reason} if reason else {})), 200, fresh
    return jsonify(status="unavailable", reason=reason), 503, {**fresh, "Retry-After": "5"}
