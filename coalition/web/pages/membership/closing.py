"""Renewing or closing a coalition (facilitators): the page lists what still keeps it open, with links, offers
to renew (amend the agreement's end date) and, with a reason, closes it after a confirmation step."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired

from coalition.handlers import ending as handle
from coalition.infra.extensions import services
from coalition.reads import ending
from coalition.reads.access import facilitates
from coalition.web.forms import PageForm
from coalition.web.pages import context, perform, require_member
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import yours
from coalition.web.pages.membership.forms import TEXT
from coalition.web.reading import now
from coalition.web.typed import login_required


class CloseForm(PageForm):
    reason = TextAreaField(_l("Why the coalition closes"), validators=[DataRequired(), TEXT])
    confirmed = HiddenField()  # "yes" once the facilitator saw the confirmation step


def _close_page(coalition_id: str, form: CloseForm, status: int = 200, confirming: bool = False) -> ResponseReturnValue:
    moment = now()
    with services().engine.connect() as connection:
        snap, _reader = yours(connection, coalition_id)
        if not facilitates(snap, require_member(connection, coalition_id)):
            abort(403)
        left = ending.remaining(connection, coalition_id, moment)
    agreement = snap.agreement or {}
    return render_template(
        "membership/close.html",
        coalition_id=coalition_id,
        agreement=agreement,
        ended_on=agreement.get("ended_on"),
        remaining=left,
        form=form,
        confirming=confirming and not left,
    ), status


@bp.get("/coalitions/<coalition_id>/close")
@login_required
def close(coalition_id: str) -> ResponseReturnValue:
    """Renew or close: what keeps the coalition open, the renewal link, and the closing form."""
    return _close_page(coalition_id, CloseForm())


@bp.post("/coalitions/<coalition_id>/close")
@login_required
def close_coalition(coalition_id: str) -> ResponseReturnValue:
    """First sending: the confirmation step (nothing recorded). Confirmed: the coalition closes."""
    form = CloseForm()
    if not form.validate_on_submit():
        return _close_page(coalition_id, form, 400)
    if form.confirmed.data != "yes":
        form.confirmed.data = "yes"
        return _close_page(coalition_id, form, confirming=True)
    ctx = context()
    return perform(
        lambda: handle.close_coalition(ctx, coalition_id, reason=form.reason.data or ""),
        done=_("The coalition is closed. Its records stay readable, and the final report stands at this point."),
        then=url_for("coalitions.home", coalition_id=coalition_id),
        again=lambda status: _close_page(coalition_id, form, status),
    )
