"""A forgotten password: ask for a link by e-mail, then choose a new password through it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from coalition.accounts import User, passwords, resets
from coalition.domain import text
from coalition.infra.extensions import services
from coalition.web.forms import PageForm
from coalition.web.reading import now
from coalition.web.request import request_id
from coalition.web.signin import sign_out
from coalition.web.typed import add_error
from events import Metadata

bp = Blueprint("resets", __name__)

#: The link's token must stay out of caches and of the browser's history of pages shown with it.
PRIVATE = {"Cache-Control": "no-store"}


class ForgotForm(PageForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=text.EMAIL)])


class ChooseForm(PageForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)],
        render_kw={"maxlength": passwords.MAX_LENGTH},
    )
    again = PasswordField(
        _l("The new password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


def _strong(form: ChooseForm, holder: User | None) -> bool:
    """Whether the new password meets the rule, judged with the person's address and name (else the form says why)."""
    refused = passwords.refusal(str(form.password.data), holder.email if holder else "", holder.name if holder else "")
    if refused is not None:
        add_error(form.password, passwords.explain(refused, _))
    return refused is None


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot() -> ResponseReturnValue:
    """Ask for a link to choose a new password; the answer never says whether the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        resets.request_reset(services(), str(form.email.data), str(get_locale() or "en"))
        return redirect(url_for("resets.sent"))
    status = 200 if not form.is_submitted() else 400
    return render_template("accounts/forgot.html", form=form), status


@bp.get("/forgot-password/sent")
def sent() -> ResponseReturnValue:
    """If an account has the address, a link is on its way."""
    return render_template("accounts/forgot_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def choose(token: str) -> ResponseReturnValue:
    """Choose a new password through a reset link; then everyone signed in as this person is signed out."""
    form = ChooseForm()
    if not resets.link_works(services().engine, token, now()):
        return render_template("accounts/reset_expired.html"), 404, PRIVATE
    if form.validate_on_submit() and _strong(form, resets.holder(services().engine, token, now())):
        try:
            resets.reset_password(services(), token, str(form.password.data), Metadata(correlation_id=request_id()))
        except resets.LinkNotValid:  # used a moment ago by a twin request
            return render_template("accounts/reset_expired.html"), 404, PRIVATE
        if current_user.is_authenticated:
            sign_out()
        flash(_("Your password was changed and every session signed out. Sign in with your new password."))
        return redirect(url_for("accounts.login"))
    status = 200 if not form.is_submitted() else 400
    return render_template("accounts/reset.html", form=form), status, PRIVATE
