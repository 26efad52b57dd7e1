"""The page an invitation's link opens: who invites whom to what, then registration or sign-in, then the grant.

The link only shows (a GET changes nothing: mail scanners follow links); accepting is a form post by the
signed-in invitee, or part of registering through the link, whose e-mail address is then fixed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from coalition.accounts import find_user
from coalition.accounts import invitations as stored
from coalition.domain.base import DomainError
from coalition.handlers import invitations as handle
from coalition.infra.extensions import services
from coalition.web.errors import status_of, translated
from coalition.web.forms import PageForm
from coalition.web.pages import context, perform
from coalition.web.pages.organisations import SECTOR_NAMES, OrganisationForm
from coalition.web.reading import now
from coalition.web.typed import login_required

bp = Blueprint("invitations", __name__)


class AcceptForm(PageForm):
    """A button-only form: the CSRF token is its only field."""


def usable(token: str) -> stored.Invitation | DomainError:
    """The invitation the token names if its link still works, else the refusal saying why not."""
    try:
        return stored.usable(stored.by_token(services().engine, token), now())
    except DomainError as refused:
        return refused


def gone(refused: DomainError) -> ResponseReturnValue:
    """The page of a link that no longer works (410) or never did (404), saying what to do."""
    return render_template("invitations/gone.html", reason=translated(refused)), status_of(refused)[0]


def _page(
    token: str, invitation: stored.Invitation, form: OrganisationForm | None = None, status: int = 200
) -> ResponseReturnValue:
    signed_in = current_user.is_authenticated
    if form is None and invitation.kind == "organisation":
        form = OrganisationForm(name=invitation.details.get("name") or None)
    return render_template(
        "invitations/show.html",
        token=token,
        invitation=invitation,
        details=invitation.details,
        signed_in=signed_in,
        theirs=signed_in and current_user.email == invitation.email,
        has_account=find_user(services().engine, invitation.email) is not None,
        accept_form=AcceptForm(),
        form=form,
        sector_names=SECTOR_NAMES,
    ), status


@bp.get("/invitations/<token>")
def show(token: str) -> ResponseReturnValue:
    """Who invites you to what, and the way on: register, sign in, or accept."""
    found = usable(token)
    if isinstance(found, DomainError):
        return gone(found)
    return _page(token, found)


def done(answer: dict[str, Any]) -> str:
    """Where the invitee goes once the grant took effect."""
    if answer["kind"] == "organisation":
        return url_for("coalitions.home", coalition_id=str(answer["coalition_id"]))
    return url_for("organisations.show", organisation_id=str(answer["organisation_id"]))


def said(answer: dict[str, Any]) -> str:
    """What the invitee is told once the grant took effect."""
    said: dict[str, str] = {
        "administrator": _("You are now an administrator of the organisation."),
        "mandate": _("Your signing mandate was granted: you may act and sign for the organisation."),
        "organisation": _("Your organisation was created and is now a member of the coalition."),
    }
    return said[str(answer["kind"])]


def accept_after_registering(token: str) -> ResponseReturnValue:
    """Right after registering through the link: the grant, or (an organisation's invitation) its form."""
    found = usable(token)
    if isinstance(found, DomainError):
        flash(translated(found), "error")
        return redirect(url_for("web.index"))
    if found.kind == "organisation":
        return redirect(url_for("invitations.show", token=token))
    try:
        answer = handle.accept(context(), token)
    except DomainError as refused:
        flash(translated(refused), "error")
        return redirect(url_for("invitations.show", token=token))
    flash(said(answer))
    return redirect(done(answer))


@bp.post("/invitations/<token>")
@login_required
def accept(token: str) -> ResponseReturnValue:
    """Accept as the signed-in invitee: the grant takes effect (for an organisation, once it is described)."""
    found = usable(token)
    if isinstance(found, DomainError):
        return gone(found)
    form: OrganisationForm | None = None
    profile: dict[str, Any] | None = None
    if found.kind == "organisation":
        form = OrganisationForm()
        if not form.validate_on_submit():
            return _page(token, found, form, 400)
        profile = {
            "name": str(form.name.data),
            "country": str(form.country.data),
            "sector": str(form.sector.data),
            "mission": str(form.mission.data),
            "website": form.website.data or None,
        }
    elif not AcceptForm().validate_on_submit():
        return _page(token, found, status=400)
    ctx = context()
    return perform(
        lambda: handle.accept(ctx, token, profile),
        done=said,
        then=done,
        again=lambda status: _page(token, found, form, status),
    )
