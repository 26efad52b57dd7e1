"""Registering, signing in and out, and choosing the pages' language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length

from coalition import accounts
from coalition.accounts import passwords, registration
from coalition.domain import text
from coalition.domain.base import DomainError
from coalition.infra.extensions import login_manager, services
from coalition.web.errors import translated
from coalition.web.forms import PageForm
from coalition.web.i18n import LOCALES
from coalition.web.lines import OneLine
from coalition.web.pages import invitations
from coalition.web.pages.account import PasswordRule
from coalition.web.request import request_id
from coalition.web.signin import load_user, sign_in, sign_out
from coalition.web.typed import add_error, login_required
from events import Metadata

bp = Blueprint("accounts", __name__)


class LoginForm(PageForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=text.EMAIL)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)])
    next = HiddenField()


class RegisterForm(PageForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=text.NAME), OneLine()])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=text.EMAIL)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), PasswordRule(email="email", name="name")],
        render_kw={"maxlength": passwords.MAX_LENGTH},
    )


class LanguageForm(PageForm):
    locale = StringField(_l("Language"), validators=[AnyOf(list(LOCALES))])
    next = HiddenField()


login_manager.user_loader(load_user)


def safe_next(target: str | None) -> str:
    """Where to go after a form: a path on this site only, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with e-mail and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                services().engine, form.email.data or "", form.password.data or "", services().password_method
            )
        except accounts.ClosedAccount as closed:
            add_error(form.password, translated(closed))
            return render_template("accounts/login.html", form=form), 403
        if user is not None:
            sign_in(user)
            if user.locale in LOCALES:
                session["locale"] = user.locale
            return redirect(safe_next(form.next.data))
        add_error(form.password, _("That e-mail address and password do not match an account."))
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" or not form.errors else 400


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create an account; a link to verify the address is e-mailed, and the answer is the same page whether or
    not the address was registered before. Through an invitation's link (`?invitation=<token>`), the address is
    the invitation's (so verified), the person is signed in and the grant it promised takes effect at once."""
    token = request.args.get("invitation")
    invited = invitations.usable(token) if token else None
    if isinstance(invited, DomainError):
        return invitations.gone(invited)
    form = RegisterForm()
    if invited is not None:
        form.email.data = invited.email  # fixed: whatever the form sent, the address the link went to
        form.email.render_kw = {"readonly": True}
    if form.validate_on_submit():
        email, password, name = form.email.data or "", form.password.data or "", (form.name.data or "").strip()
        locale, metadata = str(get_locale() or "en"), Metadata(correlation_id=request_id())
        if invited is None:  # answered the same whether or not the address has an account (its owner is mailed)
            registration.register(services(), email, password, name, locale, metadata)
            return redirect(url_for("accounts.registered"))
        # Through an invitation's link, which went to this address: it is verified, and the person signed in.
        if accounts.find_user(services().engine, email) is not None:
            add_error(form.email, _("An account with this e-mail address already exists: sign in instead."))
        else:
            registration.register(services(), email, password, name, locale, metadata, verified=True)
            user = accounts.authenticate(services().engine, email, password, services().password_method)
            if user is not None and token:
                sign_in(user)
                flash(_("Welcome, %(name)s. Your account is ready.", name=user.name))
                return invitations.accept_after_registering(token)
    status = 200 if request.method == "GET" else 400
    return render_template("accounts/register.html", form=form, invited=invited), status


@bp.get("/register/sent")
def registered() -> ResponseReturnValue:
    """After registering: a link to verify the address is on its way (the same page for a known address)."""
    return render_template("accounts/registered.html")


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (a form post, so that no link or image can sign anyone out): the session record ends, so a copy
    of the cookie signs nobody in either."""
    sign_out()
    return redirect(url_for("web.index"))


@bp.post("/language")
def language() -> ResponseReturnValue:
    """Choose the pages' language; remembered in the session and, when signed in, in the account."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(services().engine, current_user.user_id, str(form.locale.data))
    return redirect(safe_next(form.next.data))
