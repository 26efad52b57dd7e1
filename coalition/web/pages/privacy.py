"""The "My data" page: download everything held about me, or erase me (confirmed with my password)."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from coalition.accounts import BadCredentials
from coalition.accounts.cli import pdf_cache_directory
from coalition.accounts.erasure import erase_self
from coalition.infra.extensions import services
from coalition.reads.personal_data import everything
from coalition.web.forms import PageForm
from coalition.web.request import request_id
from coalition.web.typed import add_error, login_required
from events import Metadata

bp = Blueprint("privacy", __name__)


class EraseForm(PageForm):
    """Erasing oneself asks for the password and an explicit confirmation: it cannot be undone."""

    password = PasswordField(_l("Your password, to confirm it is you"), validators=[DataRequired()])
    understood = BooleanField(
        _l("I understand that this erases me for good and signs me out; it cannot be undone"),
        validators=[DataRequired(_l("Tick this box to confirm."))],
    )


def _page(form: EraseForm | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("privacy/index.html", form=form or EraseForm(formdata=None)), status


@bp.get("/account/data")
@login_required
def index() -> ResponseReturnValue:
    """What Coalition holds about me: a download, and the erasure form."""
    return _page()


@bp.get("/account/data.json")
@login_required
def download() -> ResponseReturnValue:
    """Everything about me as a JSON file (the same document as GET /api/v1/me/export)."""
    document = everything(services().store, current_user.user_id, services().store.clock())
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return (
        body,
        200,
        {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": 'attachment; filename="coalition-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/account/erase")
@login_required
def erase() -> ResponseReturnValue:
    """Erase me: my key is destroyed, my account blanked, and I am signed out."""
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    user = current_user._get_current_object()
    try:
        erase_self(
            services(),
            user,
            str(form.password.data),
            Metadata(correlation_id=request_id()),
            pdf_cache_directory(current_app),
        )
    except BadCredentials:
        add_error(form.password, _("That is not your password."))
        return _page(form, 400)
    logout_user()
    flash(_("You were erased: your name and e-mail address are gone from Coalition, and you are signed out."))
    return redirect(url_for("web.index"))
