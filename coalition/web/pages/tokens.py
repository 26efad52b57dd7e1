"""The API token page: create (with an expiry), list (created, expires, last used) and revoke my API tokens."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, PasswordField
from wtforms.validators import DataRequired, NumberRange, Optional

from coalition import accounts
from coalition.accounts import tokens
from coalition.infra.extensions import services
from coalition.web.forms import PageForm
from coalition.web.pages import perform
from coalition.web.reading import now
from coalition.web.request import request_id
from coalition.web.typed import add_error, login_required
from events import Metadata

bp = Blueprint("tokens", __name__)
TIMES = ("created_at", "expires_at", "last_used_at", "revoked_at")


class TokenForm(PageForm):
    """A button-only form (revoke): the CSRF token is its only field."""


class CreateForm(PageForm):
    """Creating a token asks for the password again: a session left open must not turn into a lasting key."""

    password = PasswordField(_l("Your password, to confirm it is you"), validators=[DataRequired()])
    days = IntegerField(
        _l("Works for (days)"),
        default=tokens.DEFAULT_DAYS,
        validators=[
            Optional(),
            NumberRange(1, tokens.MAX_DAYS, _l("Choose from 1 to %(most)s days.", most=tokens.MAX_DAYS)),
        ],
    )


def _page(
    created: tokens.NewToken | None = None, status: int = 200, create: CreateForm | None = None
) -> ResponseReturnValue:
    """The person's tokens, newest first; with `created`, the new token shown this once."""
    moment = now()
    listed = [
        {
            **t,
            **{k: datetime.fromisoformat(str(t[k])) if t[k] else None for k in TIMES},
            "state": tokens.state(t, moment),
        }
        for t in tokens.tokens_of(services().engine, current_user.user_id)
    ]
    response = render_template(
        "tokens/index.html",
        tokens=listed,
        created=created,
        form=TokenForm(),
        create=create or CreateForm(formdata=None),
        max_days=tokens.MAX_DAYS,
    )
    # The new token must not linger in a cache or the browser's history.
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/account/tokens")
@login_required
def index() -> ResponseReturnValue:
    """My API tokens and the button to create one."""
    return _page()


@bp.post("/account/tokens")
@login_required
def create() -> ResponseReturnValue:
    """Create a token and show it in this answer only (never in a cookie, a flash or a URL)."""
    form = CreateForm()
    if not form.validate_on_submit():
        return _page(status=400, create=form)
    try:
        created = tokens.create_token(
            services(),
            current_user.email,
            str(form.password.data),
            Metadata(correlation_id=request_id()),
            int(form.days.data or tokens.DEFAULT_DAYS),
        )
    except accounts.BadCredentials:
        add_error(form.password, _("That is not your password."))
        return _page(status=400, create=form)
    return _page(created, 201)


@bp.post("/account/tokens/<token_id>/revoke")
@login_required
def revoke(token_id: str) -> ResponseReturnValue:
    """Revoke one of my tokens: programs using it are refused from now on."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(status=400)
    user = current_user._get_current_object()
    return perform(
        lambda: tokens.revoke_token(services(), user, token_id, Metadata(correlation_id=request_id())),
        done=_("The token was revoked: programs using it can no longer reach the API."),
        then=url_for("tokens.index"),
        again=lambda status: _page(status=status),
    )
