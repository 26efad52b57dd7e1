"""My organisations' responsibilities in every coalition, and a coalition's objectives x organisations grid."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coalition.infra.extensions import services
from coalition.reads import work
from coalition.reads.access import acts_for
from coalition.web.pages.work.blueprint import COALITION, bp
from coalition.web.pages.work.common import current
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
    """The common objectives by member organisations: each organisation's commitments to each objective, at a glance."""
    with services().engine.connect() as connection:
        snap, _reader = current(connection, coalition_id)
    return render_template("work/grid.html", coalition_id=coalition_id, agreement=snap.agreement, **work.grid(snap))
