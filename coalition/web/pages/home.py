"""Public pages and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from coalition.infra.db import readiness
from coalition.infra.extensions import services
from coalition.reads.coalitions import directory
from coalition.reads.paging import fetched

bp = Blueprint("web", __name__)


#: Coalitions per page of the home page's directory, and the members named in each one's card.
COALITIONS_SHOWN = 20
NAMES_SHOWN = 12


@bp.get("/")
def index() -> ResponseReturnValue:
    """The home page: what Coalition is, the coalitions it holds (a page at a time, by name, `?after=` the last one
    seen; each with how many active members it has and the first few of them) and how much the log holds."""
    position, head_hash = services().store.head()
    after = request.args.get("after") or None
    with services().engine.connect() as connection:
        found, total = directory(connection, after, COALITIONS_SHOWN + 1, NAMES_SHOWN)
    page = fetched(found, lambda coalition: str(coalition["coalition_id"]), COALITIONS_SHOWN, total)
    return render_template(
        "web/index.html",
        events=position,
        head_hash=head_hash,
        coalitions=page.items,
        total=page.total,
        next_after=page.next_after,
    )


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
