"""A person's own account: the address and whether it is verified, a new verification link, a new password or
address; and the page an e-mailed link opens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, Field, Form, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from coalition import accounts
from coalition.accounts import emails, passwords, registration
from coalition.domain.base import DomainError
from coalition.infra.extensions import services
from coalition.infra.formats import localised_moment, reader_zone
from coalition.web.errors import translated
from coalition.web.forms import PageForm
from coalition.web.pages import keep_where_it_led
from coalition.web.reading import now
from coalition.web.request import request_id
from coalition.web.time_zones import zone_field
from coalition.web.typed import add_error, login_required
from events import Metadata

bp = Blueprint("account", __name__)

#: A page shown with a link's token stays out of caches.
PRIVATE = {"Cache-Control": "no-store"}


class PasswordRule:
    """The password rule (`coalition.accounts.passwords`) as a form validator, judged with the person's address
    and name: `email`/`name` name the form's fields holding them, else the signed-in person's are used."""

    def __init__(self, email: str | None = None, name: str | None = None) -> None:
        self.email, self.name = email, name

    def __call__(self, form: Form, field: Field) -> None:
        email = str(form[self.email].data or "") if self.email else _own("email")
        name = str(form[self.name].data or "") if self.name else _own("name")
        refused = passwords.refusal(str(field.data or ""), email, name)
        if refused is not None:
            raise ValidationError(passwords.explain(refused, _))


def _own(attribute: str) -> str:
    return str(getattr(current_user, attribute, "") or "") if current_user.is_authenticated else ""


def new_password(label: Any) -> PasswordField:
    """A field for a new password under the whole rule (and a bound the browser knows)."""
    return PasswordField(
        label, validators=[DataRequired(), PasswordRule()], render_kw={"maxlength": passwords.MAX_LENGTH}
    )


CURRENT = [DataRequired(), Length(max=passwords.MAX_LENGTH)]


class ResendForm(PageForm):
    pass


class PasswordForm(PageForm):
    current = PasswordField(_l("Current password"), validators=CURRENT)
    password = new_password(_l("New password"))
    again = PasswordField(
        _l("The new password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class EmailForm(PageForm):
    email = EmailField(_l("New e-mail address"), validators=[DataRequired(), Email(), Length(max=320)])
    current = PasswordField(_l("Current password"), validators=CURRENT)


class ConfirmForm(PageForm):
    pass


class TimeZoneForm(PageForm):
    time_zone = zone_field(_l("Your time zone"))


def _page(
    password: PasswordForm | None = None,
    email: EmailForm | None = None,
    status: int = 200,
    zone: TimeZoneForm | None = None,
) -> ResponseReturnValue:
    pending = emails.pending_change(services().engine, current_user.user_id, now())
    return render_template(
        "accounts/account.html",
        resend=ResendForm(),
        password=password or PasswordForm(prefix="password"),
        email=email or EmailForm(prefix="email"),
        zone=zone or TimeZoneForm(prefix="zone", time_zone=reader_zone()),
        pending=pending,
        now_here=localised_moment(now()),
    ), status


@bp.get("/account")
@login_required
def show() -> ResponseReturnValue:
    """The account: its address and whether it is verified, and the forms to change it or the password."""
    return _page()


@bp.post("/account/verification")
@login_required
def resend() -> ResponseReturnValue:
    """E-mail a new link to verify the address."""
    if ResendForm().validate_on_submit():
        try:
            emails.resend(services(), current_user, str(get_locale() or "en"))
        except DomainError as refused:
            flash(translated(refused), "error")
        else:
            flash(_("A new link is on its way to %(email)s. It works once, within 48 hours.", email=current_user.email))
            keep_where_it_led(url_for("account.show"))  # sent again: no second mail
    return redirect(url_for("account.show"))


@bp.post("/account/time-zone")
@login_required
def change_time_zone() -> ResponseReturnValue:
    """Choose the zone pages and e-mails show times in (a preference: kept in the account, not the log)."""
    form = TimeZoneForm(prefix="zone")
    if not form.validate_on_submit():
        return _page(zone=form, status=400)
    accounts.set_time_zone(services().engine, current_user.user_id, str(form.time_zone.data))
    keep_where_it_led(url_for("account.show"))
    flash(_("Times are now shown in %(zone)s.", zone=form.time_zone.data))
    return redirect(url_for("account.show"))


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password, the current one given; every other session ends, this one carries on."""
    form = PasswordForm(prefix="password")
    if not form.validate_on_submit():
        return _page(password=form, status=400)
    try:
        registration.change_password(
            services(),
            current_user,
            str(form.current.data),
            str(form.password.data),
            Metadata(correlation_id=request_id()),
            keep=getattr(current_user, "session_id", None),  # this browser's session carries on
        )
    except emails.WrongPassword:
        add_error(form.current, _("That is not your current password. Nothing was changed."))
        return _page(password=form, status=403)
    keep_where_it_led(url_for("account.show"))  # sent again: not refused as a wrong current password
    flash(_("Your password was changed. Every other session signed in as you has ended."))
    return redirect(url_for("account.show"))


@bp.post("/account/email")
@login_required
def change_email() -> ResponseReturnValue:
    """Ask to move the account to another address: a link goes there, a notice to the current one."""
    form = EmailForm(prefix="email")
    if not form.validate_on_submit():
        return _page(email=form, status=400)
    try:
        emails.request_change(
            services(), current_user, str(form.current.data), str(form.email.data), str(get_locale() or "en")
        )
    except emails.WrongPassword:
        add_error(form.current, _("That is not your current password. Nothing was changed."))
        return _page(email=form, status=403)
    except DomainError as refused:
        add_error(form.email, translated(refused))
        return _page(email=form, status=409)
    keep_where_it_led(url_for("account.show"))  # sent again: no second link
    flash(
        _(
            "A link is on its way to %(email)s: your address changes when it is opened. Until then it stays %(old)s.",
            email=str(form.email.data).strip().lower(),
            old=current_user.email,
        )
    )
    return redirect(url_for("account.show"))


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """An e-mailed link: a button to confirm (opening a link does nothing, since mail scanners follow links)."""
    form = ConfirmForm()
    if not emails.link_works(services().engine, token, now()):
        return render_template("accounts/email_link_expired.html"), 404, PRIVATE
    if form.validate_on_submit():
        try:
            done = emails.confirm(services(), token, Metadata(correlation_id=request_id()))
        except emails.LinkNotValid:
            return render_template("accounts/email_link_expired.html"), 404, PRIVATE
        except DomainError as refused:
            flash(translated(refused), "error")
            return redirect(url_for("account.show") if current_user.is_authenticated else url_for("accounts.login"))
        if done.changed:
            flash(_("Your account now uses %(email)s, verified.", email=done.email))
        else:
            flash(_("Thank you: %(email)s is verified.", email=done.email))
        if current_user.is_authenticated and current_user.user_id == done.user_id:
            return redirect(url_for("account.show"))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm_email.html", form=form), 200, PRIVATE
