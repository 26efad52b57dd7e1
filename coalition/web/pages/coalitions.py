"""Coalition pages: the coalitions I take part in, and a coalition's home."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from coalition.accounts import names_of
from coalition.infra.extensions import services
from coalition.reads.reports import facilitates
from coalition.reads.summaries import Names, summary
from coalition.web.charts import timeline
from coalition.web.pages import require_member
from coalition.web.pages.drafting import powers
from projections.audit import history
from projections.coalitions import agreements, memberships
from projections.organisations import acts_for
from projections.standing import Moment, snapshot, standing
from projections.statements import of_coalition, phase
from projections.versioned import valid_at

bp = Blueprint("coalitions", __name__)


@bp.get("/coalitions")
@login_required
def mine() -> ResponseReturnValue:
    """The coalitions the organisations I act for belong to (or asked to join)."""
    today = services().store.clock().date()
    with services().engine.connect() as connection:
        organisations = acts_for(connection, current_user.user_id, today)
        rows = connection.execute(
            select(
                agreements.c.coalition_id,
                agreements.c.name,
                agreements.c.purpose,
                memberships.c.state,
                memberships.c.organisation_id,
            )
            .join(memberships, memberships.c.coalition_id == agreements.c.coalition_id)
            .where(
                valid_at(agreements, None),
                valid_at(memberships, None),
                memberships.c.organisation_id.in_(sorted(organisations)),
            )
            .order_by(agreements.c.name)
        ).all()
    coalitions: dict[str, dict] = {}
    for row in rows:
        entry = coalitions.setdefault(
            row.coalition_id, {"id": row.coalition_id, "name": row.name, "purpose": row.purpose, "states": []}
        )
        entry["states"].append(row.state)
    return render_template("coalitions/mine.html", coalitions=list(coalitions.values()))


@bp.get("/coalitions/<coalition_id>")
@login_required
def home(coalition_id: str) -> ResponseReturnValue:
    """The agreement, its objectives, members with their standing, roles, statements and, for facilitators,
    the latest activity."""
    now = services().store.clock()
    with services().engine.connect() as connection:
        snap = snapshot(connection, coalition_id, Moment(None, now.date()))
        if snap.agreement is None:
            abort(404)
        reader = require_member(connection, coalition_id)
        facilitator = facilitates(snap, reader)
        statements = [{**row, "state": phase(row, now)} for row in of_coalition(connection, coalition_id)]
        activity: list[dict] = []
        events = None
        if facilitator:
            entries = history(connection, services().store.registry, coalition_id)
            events = timeline((e.recorded_at, e.type) for e in entries)
            latest = entries[-10:][::-1]
            names = Names.load(connection, coalition_id, latest)
            activity = [{"recorded_at": e.recorded_at, "summary": summary(e, names)} for e in latest]
        may_draft = bool(powers(connection, snap, reader).drafts_for) or facilitator
    people = names_of(services().engine, {r["user_id"] for r in snap.roles})
    return render_template(
        "coalitions/home.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        members=standing(snap),
        roles=snap.roles,
        people=people,
        names=snap.names,
        statements=statements,
        activity=activity,
        facilitator=facilitator,
        mine=reader.acts_for,
        may_draft=may_draft,
        timeline=events,
    )
