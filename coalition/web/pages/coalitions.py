"""Coalition pages: the coalitions I take part in, and a coalition's home."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coalition.accounts import names_of
from coalition.infra.extensions import services
from coalition.reads import coalitions as read
from coalition.reads import evaluations, objectives
from coalition.reads import powers as signing
from coalition.reads import statement_standing as statement_list
from coalition.reads.access import acts_for, facilitates, held_by, mandates_of
from coalition.reads.organisations import names as organisation_names
from coalition.reads.paging import PAGE_SIZE
from coalition.reads.powers import powers
from coalition.reads.standing import Moment, snapshot, standing
from coalition.web.charts import timeline
from coalition.web.pages import require_member
from coalition.web.reading import now, today
from coalition.web.typed import login_required

bp = Blueprint("coalitions", __name__)


def _shown(members: list[dict[str, Any]], mine: Any) -> list[dict[str, Any]]:
    """The members the home page lists, at most a page of them: the reader's own organisations first, then those
    whose standing is not good (lapsed, then needing attention), then the rest; the members page lists all."""
    rank = {"lapsed": 1, "attention": 2}
    ordered = sorted(members, key=lambda m: 0 if m["organisation_id"] in mine else rank.get(m["level"], 3))
    return ordered[:PAGE_SIZE]


@bp.get("/coalitions")
@login_required
def mine() -> ResponseReturnValue:
    """The coalitions the organisations I act for belong to (or asked to join)."""
    with services().engine.connect() as connection:
        organisations = acts_for(connection, current_user.user_id, today())
        coalitions = read.of_organisations(connection, organisations)
    return render_template("coalitions/mine.html", coalitions=coalitions)


@bp.get("/coalitions/<coalition_id>")
@login_required
def home(coalition_id: str) -> ResponseReturnValue:
    """The agreement, its objectives with their status, the latest evaluation round, members with their standing,
    roles, statements and, for facilitators, the latest activity."""
    moment = now()
    with services().engine.connect() as connection:
        snap = snapshot(connection, coalition_id, Moment(None, moment.date()))
        if snap.agreement is None:
            abort(404)
        reader = require_member(connection, coalition_id)
        facilitator = facilitates(snap, reader)
        statements = statement_list.listed(connection, coalition_id, moment)
        mandated = mandates_of(connection, current_user.user_id, moment.date())
        awaiting = signing.awaiting(snap, statements, moment, mandated)
        names_of_mine = organisation_names(connection, {o for found in awaiting.values() for o in found})
        activity: list[dict[str, Any]] = []
        events = None
        if facilitator:
            entries = read.activity(connection, services().store.registry, coalition_id)
            events = timeline((e.recorded_at, e.type) for e in entries)
            activity = read.summarised(connection, coalition_id, entries)
        may_draft = bool(powers(snap, reader).drafts_for) or facilitator
        progress = objectives.standing(connection, snap)  # every objective's status from one read of the points
        administers = held_by(connection, current_user.user_id, moment.date()).administers
        rounds = evaluations.at_a_glance(connection, snap, reader, administers, moment.date())
    people = names_of(services().engine, {r["user_id"] for r in snap.roles})
    members = _shown(standing(snap), reader.acts_for)
    return render_template(
        "coalitions/home.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        objectives=progress,
        rounds=rounds,
        members=members,
        member_count=len(snap.members),
        roles=snap.roles,
        people=people,
        names=snap.names,
        statements=statements,
        awaiting={s: [names_of_mine.get(o, o) for o in found] for s, found in awaiting.items()},
        activity=activity,
        facilitator=facilitator,
        mine=reader.acts_for,
        may_draft=may_draft,
        timeline=events,
    )
