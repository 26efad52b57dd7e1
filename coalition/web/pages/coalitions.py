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
from coalition.reads.access import acts_for, facilitates, reads_as_member
from coalition.reads.organisations import names as organisation_names
from coalition.reads.powers import powers
from coalition.reads.standing import for_home
from coalition.reads.statements import organisation_facts
from coalition.web.charts import timeline
from coalition.web.pages import actor, facilitation_known, held
from coalition.web.reading import now, today
from coalition.web.typed import login_required

bp = Blueprint("coalitions", __name__)


@bp.get("/coalitions")
@login_required
def mine() -> ResponseReturnValue:
    """The coalitions the organisations I act for belong to (or asked to join)."""
    with services().engine.connect() as connection:
        organisations = acts_for(connection, current_user.user_id, today())
        coalitions = read.of_organisations(connection, organisations)
    return render_template("coalitions/mine.html", coalitions=coalitions)


#: Members the home lists: the reader's organisations, then those whose standing is not good, then others up to this
#: many; a glance at a coalition of thousands, with the members page (paged) a link away.
HOME_MEMBERS = 20


@bp.get("/coalitions/<coalition_id>")
@login_required
def home(coalition_id: str) -> ResponseReturnValue:
    """The agreement, its objectives with their status, the latest evaluation round, members with their standing,
    roles, statements and, for facilitators, the latest activity."""
    moment = now()
    with services().engine.connect() as connection:
        reader = actor(connection)
        # the members shown, the reader's organisations first: one read of their rows serves the list and every
        # rule about the reader (which asks their organisations' rows only)
        snap, members = for_home(connection, coalition_id, moment.date(), reader.acts_for, HOME_MEMBERS)
        if snap.agreement is None:
            abort(404)
        if not reads_as_member({m["organisation_id"]: m["state"] for m in snap.members}, reader):
            abort(403)
        facilitator = facilitates(snap, reader)
        facilitation_known(coalition_id, facilitator, snap.agreement)
        mandated = held(connection).mandates
        statements = statement_list.listed(connection, coalition_id, moment, mandated)
        awaiting = signing.awaiting(snap, statements, moment, mandated)
        names_of_mine = organisation_names(connection, {o for found in awaiting.values() for o in found})
        activity: list[dict[str, Any]] = []
        events = None
        if facilitator:
            events = timeline((), counted=read.activity_days(connection, coalition_id))  # counted in SQL, no event read
            entries = read.latest(connection, services().store.registry, coalition_id)
            activity = read.summarised(connection, coalition_id, entries, objectives=snap.agreement["objectives"])
        may_draft = bool(powers(snap, reader).drafts_for) or facilitator
        progress = objectives.standing(connection, snap)  # every objective's status from one read of the points
        administers = held(connection).administers
        by_state = read.member_counts(connection, coalition_id)  # the members counted, and the active ones
        active = by_state.get("active", 0)
        rounds = evaluations.at_a_glance(connection, snap, reader, administers, moment.date(), active)
        member_count = sum(by_state.values())
        roles = read.roles_of(connection, coalition_id)
        unread = {r["organisation_id"] for r in roles} - set(snap.names)  # the members shown are read already
        names = {**snap.names, **organisation_facts(connection, unread)}
    people = names_of(services().engine, {r["user_id"] for r in roles})
    return render_template(
        "coalitions/home.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        objectives=progress,
        rounds=rounds,
        members=members,
        member_count=member_count,
        roles=roles,
        people=people,
        names=names,
        statements=statements,
        awaiting={s: [names_of_mine.get(o, o) for o in found] for s, found in awaiting.items()},
        activity=activity,
        facilitator=facilitator,
        mine=reader.acts_for,
        may_draft=may_draft,
        timeline=events,
    )
