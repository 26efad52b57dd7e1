"""My sessions (where I am signed in: end one, end all the others) and closing my account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired

from coalition.accounts import sessions
from coalition.domain.base import DomainError, NotAllowed
from coalition.handlers import closing
from coalition.infra.extensions import services
from coalition.web.errors import status_of, translated
from coalition.web.forms import PageForm
from coalition.web.pages import keep_where_it_led
from coalition.web.reading import now
from coalition.web.request import request_id
from coalition.web.signin import idle, sign_out
from coalition.web.typed import add_error, login_required
from events import Metadata

bp = Blueprint("sessions", __name__)
PRIVATE = {"Cache-Control": "no-store"}


class EndForm(PageForm):
    """A button-only form: the CSRF token is its only field."""


class CloseForm(PageForm):
    password = PasswordField(_l("Your password, to confirm it is you"), validators=[DataRequired()])


def _page(status: int = 200) -> ResponseReturnValue:
    listed = sessions.sessions_of(services().engine, current_user.user_id, now(), idle())
    return (
        render_template(
            "sessions/index.html",
            sessions=listed,
            current=current_user.session_id,
            form=EndForm(),
            idle_days=idle().days,
        ),
        status,
        PRIVATE,
    )


@bp.get("/account/sessions")
@login_required
def index() -> ResponseReturnValue:
    """Where I am signed in: each browser, when it began and was last seen, and from which network."""
    return _page()


@bp.post("/account/sessions/<session_id>/end")
@login_required
def end(session_id: str) -> ResponseReturnValue:
    """End one of my sessions: that browser is signed out at its next request (this one: now)."""
    if not EndForm().validate_on_submit():
        return _page(400)
    if session_id == current_user.session_id:
        sign_out()
        flash(_("You signed out: this session ended."))
        return redirect(url_for("accounts.login"))
    if not sessions.end_session(services().engine, current_user.user_id, session_id, now()):
        flash(_("There is no such session of yours going on: it may have ended already."), "error")
        return _page(404)
    flash(_("The session ended: that browser is signed out."))
    return redirect(url_for("sessions.index"))


@bp.post("/account/sessions/end-others")
@login_required
def end_others() -> ResponseReturnValue:
    """End every session of mine but this one."""
    if not EndForm().validate_on_submit():
        return _page(400)
    ended = sessions.end_sessions(services().engine, current_user.user_id, keep=current_user.session_id, now=now())
    keep_where_it_led(url_for("sessions.index"))  # sent again: leads here, saying so
    flash(_("Every other session ended (%(count)s): only this browser is signed in now.", count=ended))
    return redirect(url_for("sessions.index"))


def _closing(form: CloseForm | None = None, status: int = 200) -> ResponseReturnValue:
    blockers = closing.plan(services(), current_user.user_id, now()).refusals
    return (
        render_template(
            "sessions/close.html",
            form=form or CloseForm(formdata=None),
            blockers=[translated(refusal) for refusal in blockers],
        ),
        status,
        PRIVATE,
    )


@bp.get("/account/close")
@login_required
def close_page() -> ResponseReturnValue:
    """What closing my account does, what stands in its way, and the form to confirm it with my password."""
    return _closing()


@bp.post("/account/close")
@login_required
def close() -> ResponseReturnValue:
    """Close my account: my places end, I am signed out everywhere, and I can no longer sign in."""
    form = CloseForm()
    if not form.validate_on_submit():
        return _closing(form, 400)
    try:
        closing.close_account(
            services(), current_user.user_id, str(form.password.data), Metadata(correlation_id=request_id())
        )
    except NotAllowed:
        add_error(form.password, _("That is not your password."))
        return _closing(form, 403)
    except DomainError as refused:
        flash(translated(refused), "error")
        return _closing(form, status_of(refused)[0])
    sign_out()
    flash(_("Your account is closed. You are signed out, and nobody can sign in with it any more."))
    return redirect(url_for("web.index"))
