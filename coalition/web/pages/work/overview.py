"""My organisations' responsibilities in every coalition, and a coalition's objectives x organisations grid."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from coalition.infra.extensions import services
from coalition.reads import grid as grid_reads
from coalition.reads import objectives, work
from coalition.reads.access import acts_for
from coalition.reads.standing import BadMoment, resolve
from coalition.web.pages.work.blueprint import COALITION, bp
from coalition.web.pages.work.common import current
from coalition.web.pages.work.objectives import AsOfDay
from coalition.web.reading import today
from coalition.web.typed import login_required


@bp.get("/responsibilities")
@login_required
def responsibilities() -> ResponseReturnValue:
    """What the organisations I act for have pledged or been given, in every coalition: overdue first, then due soon."""
    with services().engine.connect() as connection:
        mine = work.mine(connection, acts_for(connection, current_user.user_id, today()), today())
    return render_template("work/responsibilities.html", soon_days=work.SOON_DAYS, **mine)


@bp.get(f"{COALITION}/grid")
@login_required
def grid(coalition_id: str) -> ResponseReturnValue:
    """The common objectives by member organisations: each organisation's commitments to each objective, and each
    objective's progress, at a glance; now or as of the end of a day. The organisations a page at a time
    (`grid.GRID_COLUMNS`, by name, `?after=` the last one seen), every member or (`?only=committed`) those with a
    commitment."""
    as_of, status = AsOfDay(formdata=request.args), 200
    after = request.args.get("after") or None
    committed_only = request.args.get("only") == "committed"
    with services().engine.connect() as connection:
        snap, _reader = current(connection, coalition_id)
        moment = snap.moment
        if as_of.validate() and as_of.date.data:
            try:
                moment = resolve(connection, as_of.date.data.isoformat(), today())
            except BadMoment:
                as_of.date.errors, status = [_("%(day)s is in the future.", day=as_of.date.data.isoformat())], 400
        elif as_of.errors:
            status = 400
        shown = grid_reads.grid(connection, coalition_id, moment, after, committed_only)
        then = shown.pop("snapshot")
        progress = objectives.standing(connection, then)
    return render_template(
        "work/grid.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        progress=progress,
        reported=objectives.by_organisation(progress),
        as_of=as_of,
        then=then if moment.position is not None else None,
        committed_only=committed_only,
        **shown,
    ), status
