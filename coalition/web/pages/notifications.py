"""The notification choices page, and the one-click unsubscribe of a mail's link (RFC 8058).

Unsubscribing needs no sign-in: the link's token, signed with the app's secret, names the person and the
kind. A GET only shows the button (mail scanners follow links); the POST, from that button or from the mail
client (`List-Unsubscribe=One-Click`), turns the kind off.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from coalition import accounts
from coalition.domain import zones
from coalition.infra.extensions import csrf, services
from coalition.notify import preferences
from coalition.notify.compose import read_unsubscribe_token
from coalition.notify.kinds import KINDS
from coalition.web.forms import PageForm
from coalition.web.typed import SelectChoice, login_required

bp = Blueprint("notifications", __name__)

#: The body a one-click unsubscribe posts (RFC 8058, section 3.1).
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def modes() -> list[SelectChoice]:
    """The ways a kind can reach a person, in the reader's language."""
    return [
        SelectChoice("immediate", _("Right away")),
        SelectChoice("daily", _("In the daily digest")),
        SelectChoice("off", _("Never")),
    ]


def preferences_form(chosen: preferences.Choices) -> Any:
    """A form with one choice per kind of message (whatever `KINDS` holds) and the digest hour."""

    class PreferencesForm(PageForm):
        digest_hour = SelectField(
            _l("Send the daily digest at (%(zone)s)", zone=zones.zone_or_default(current_user.time_zone)),
            choices=[SelectChoice(hour, f"{hour:02d}:00") for hour in range(24)],
            coerce=int,
            default=chosen.digest_hour,
        )

    for kind, description in KINDS.items():
        setattr(
            PreferencesForm, f"kind_{kind}", SelectField(str(description), choices=modes(), default=chosen.kinds[kind])
        )
    return PreferencesForm()


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def choose() -> ResponseReturnValue:
    """How I receive each kind of message, and when my daily digest comes."""
    user_id = current_user.user_id
    with services().engine.connect() as connection:
        chosen = preferences.choices(connection, user_id)
    form = preferences_form(chosen)
    if form.validate_on_submit():
        kinds = {kind: str(form[f"kind_{kind}"].data) for kind in KINDS}
        with services().engine.begin() as connection:
            preferences.choose(connection, user_id, kinds, int(form.digest_hour.data))
        flash(_("Your choices are saved."))
        return redirect(url_for("notifications.choose"))
    fields = [form[f"kind_{kind}"] for kind in KINDS]
    status = 200 if not form.is_submitted() else 400
    return render_template("accounts/notifications.html", form=form, fields=fields), status


def _named(token: str) -> tuple[accounts.User, str] | None:
    """The person and the kind an unsubscribe token names, if it is ours and turns off something that exists."""
    found = read_unsubscribe_token(str(current_app.config["SECRET_KEY"]), token)
    if found is None:
        return None
    user_id, kind = found
    if kind != preferences.DIGEST and kind not in KINDS:
        return None
    person = accounts.load_user(services().engine, user_id)
    return None if person is None else (person, kind)


def _what(kind: str) -> str:
    """What a kind is, in the reader's language."""
    return str(_("The daily digest") if kind == preferences.DIGEST else KINDS[kind])


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """The button that stops one kind of message (a GET changes nothing: mail scanners follow links)."""
    named = _named(token)
    if named is None:
        return render_template("accounts/unsubscribe.html", invalid=True), 400
    return render_template("accounts/unsubscribe.html", what=_what(named[1]), one_click=ONE_CLICK)


@bp.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> ResponseReturnValue:
    """Stop one kind of message (RFC 8058: the body is `List-Unsubscribe=One-Click`, no sign-in, no redirect)."""
    named = _named(token)
    if named is None or request.form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        return render_template("accounts/unsubscribe.html", invalid=True), 400
    person, kind = named
    with services().engine.begin() as connection:
        preferences.unsubscribe(connection, person.user_id, kind)
    return render_template("accounts/unsubscribe.html", done=True, what=_what(kind))


csrf.exempt(unsubscribe)  # the mail client posts it, with no session and no form of ours: the token is the proof
