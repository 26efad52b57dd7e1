"""Organisation pages: create an organisation, its administrators and signing mandates."""

from __future__ import annotations

import unicodedata
from typing import Any

import pycountry
from flask import Blueprint, abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from coalition.accounts import emails_of
from coalition.domain import text
from coalition.handlers import invitations
from coalition.handlers import organisations as handle
from coalition.infra.extensions import services
from coalition.reads import organisations
from coalition.reads.access import acts_for
from coalition.web.forms import PageForm
from coalition.web.i18n import localised_country, request_locale
from coalition.web.lines import OneLine
from coalition.web.pages import context, perform
from coalition.web.reading import today
from coalition.web.typed import SelectChoice, login_required

bp = Blueprint("organisations", __name__)

#: How each sector of `coalition.domain.organisation.SECTORS` reads on the pages.
SECTOR_NAMES = {
    "ngo": _l("Non-governmental organisation"),
    "community-based": _l("Community-based organisation"),
    "faith-based": _l("Faith-based organisation"),
    "academic": _l("Academic or research"),
    "public": _l("Public body"),
    "private": _l("Private company"),
}


def _countries() -> list[SelectChoice]:
    """Every ISO country, named and sorted in the reader's language (Ț with T, Å with A)."""
    named = [SelectChoice(c.alpha_2, localised_country(c.alpha_2)) for c in pycountry.countries]
    named.sort(key=lambda c: unicodedata.normalize("NFKD", c.label).casefold())
    return [SelectChoice("", _("Choose a country")), *named]


class OrganisationForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=text.NAME), OneLine()])
    country = SelectField(
        _l("Country"), choices=_countries, validators=[DataRequired(_l("Choose the country it is based in."))]
    )
    sector = SelectField(
        _l("Sector"),
        choices=lambda: [
            SelectChoice("", _("Choose a sector")),
            *(SelectChoice(code, str(name)) for code, name in SECTOR_NAMES.items()),
        ],
        validators=[DataRequired(_l("Choose a sector."))],
    )
    mission = TextAreaField(_l("Mission"), validators=[DataRequired(), Length(max=text.TEXT)])
    website = URLField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            URL(message=_l("Enter a full address, such as https://example.org.")),
            Length(max=text.ADDRESS),
        ],
    )
    registration_number = StringField(
        _l("National registration number (optional)"), validators=[Optional(), Length(max=100), OneLine()]
    )


class AdministratorForm(PageForm):
    administrator_email = EmailField(
        _l("E-mail address of the new administrator"), validators=[DataRequired(), Email(), Length(max=text.EMAIL)]
    )


class MandateForm(PageForm):
    holder_email = EmailField(
        _l("E-mail address of the mandate holder"), validators=[DataRequired(), Email(), Length(max=text.EMAIL)]
    )
    title = StringField(_l("Their title"), validators=[DataRequired(), Length(max=text.NAME), OneLine()])
    valid_from = DateField(_l("Valid from (optional)"), validators=[Optional()])
    valid_until = DateField(_l("Valid until (optional)"), validators=[Optional()])


class RevokeForm(PageForm):
    """A button-only form: the CSRF token is its only field."""


def _mine(form: OrganisationForm | None = None, status: int = 200) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        acting = organisations.acting(connection, current_user.user_id, today())
    return render_template("organisations/mine.html", acting=acting, form=form or OrganisationForm()), status


@bp.get("/organisations")
@login_required
def mine() -> ResponseReturnValue:
    """The organisations I act for, and the form to create one."""
    return _mine()


@bp.post("/organisations")
@login_required
def create() -> ResponseReturnValue:
    """Create an organisation; its creator is its first administrator."""
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _mine(form, 400)
    ctx = context()
    return perform(
        lambda: handle.create_organisation(
            ctx,
            name=str(form.name.data),
            country=str(form.country.data),
            sector=str(form.sector.data),
            mission=str(form.mission.data).strip(),
            website=form.website.data or None,
            registration_number=form.registration_number.data or None,
        ),
        done=_("The organisation was created. You are its administrator."),
        then=lambda created: url_for("organisations.show", organisation_id=created["id"]),
        again=lambda status: _mine(form, status),
    )


def _page(
    organisation_id: str,
    *,
    administrator: AdministratorForm | None = None,
    mandate: MandateForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The organisation's page, for the people who act for it (403 for others, 404 if unknown)."""
    day = today()
    with services().engine.connect() as connection:
        profile = organisations.profile(connection, organisation_id)
        if profile is None:
            abort(404)
        if organisation_id not in acts_for(connection, current_user.user_id, day):
            abort(403)
        rows = organisations.people(connection, organisation_id)
        coalitions = organisations.coalitions_of(connection, organisation_id)
    people = organisations.people_view(services().engine, rows, day)
    emails = emails_of(services().engine, {p["user_id"] for p in rows})
    is_administrator = any(a["user_id"] == current_user.user_id for a in people["administrators"])
    pending = invitations.pending(context(), organisation_id=organisation_id) if is_administrator else []
    return render_template(
        "organisations/show.html",
        organisation=profile,
        sector=SECTOR_NAMES.get(profile["sector"]),
        administrators=people["administrators"],
        mandates=people["mandates"],
        emails=emails,
        coalitions=coalitions,
        verified_in=organisations.verified_in(services().engine, coalitions),
        today=day,
        is_administrator=is_administrator,
        administrator_form=administrator or AdministratorForm(),
        mandate_form=mandate or MandateForm(),
        revoke_form=RevokeForm(),
        invitations=pending,
    ), status


@bp.get("/organisations/<organisation_id>")
@login_required
def show(organisation_id: str) -> ResponseReturnValue:
    """The organisation's profile, its people and its coalitions; forms for its administrators."""
    return _page(organisation_id)


def _sent(answer: dict[str, Any]) -> str:
    """What to say when the command invited someone without an account ('' when it granted directly)."""
    if "invitation" not in answer:
        return ""
    email = str(answer["invitation"]["email"])
    return str(_("Invitation sent to %(email)s: the link in it works once, for 14 days.", email=email))


def _here(organisation_id: str) -> str:
    return url_for("organisations.show", organisation_id=organisation_id)


@bp.post("/organisations/<organisation_id>/administrators")
@login_required
def add_administrator(organisation_id: str) -> ResponseReturnValue:
    """Make another registered person an administrator (administrators only)."""
    form = AdministratorForm()
    if not form.validate_on_submit():
        return _page(organisation_id, administrator=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.add_administrator(
            ctx, organisation_id, email=str(form.administrator_email.data), locale=request_locale()
        ),
        done=lambda answer: (
            _sent(answer) or _("%(email)s is now an administrator.", email=form.administrator_email.data)
        ),
        then=_here(organisation_id),
        again=lambda status: _page(organisation_id, administrator=form, status=status),
    )


@bp.post("/organisations/<organisation_id>/administrators/<user_id>/remove")
@login_required
def remove_administrator(organisation_id: str, user_id: str) -> ResponseReturnValue:
    """Stop a person administering the organisation (administrators only; never its last one)."""
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(organisation_id, status=400)
    ctx = context()
    return perform(
        lambda: handle.remove_administrator(ctx, organisation_id, user_id),
        done=_("The administrator was removed: they no longer manage this organisation."),
        then=_here(organisation_id),
        again=lambda status: _page(organisation_id, status=status),
    )


@bp.post("/organisations/<organisation_id>/mandates")
@login_required
def grant_mandate(organisation_id: str) -> ResponseReturnValue:
    """Give a registered person a signing mandate (administrators only)."""
    form = MandateForm()
    if not form.validate_on_submit():
        return _page(organisation_id, mandate=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.grant_mandate(
            ctx,
            organisation_id,
            email=str(form.holder_email.data),
            title=str(form.title.data),
            valid_from=form.valid_from.data,
            valid_until=form.valid_until.data,
            locale=request_locale(),
        ),
        done=lambda answer: (
            _sent(answer) or _("The signing mandate was granted to %(email)s.", email=form.holder_email.data)
        ),
        then=_here(organisation_id),
        again=lambda status: _page(organisation_id, mandate=form, status=status),
    )


@bp.post("/organisations/<organisation_id>/mandates/<mandate_id>/revoke")
@login_required
def revoke_mandate(organisation_id: str, mandate_id: str) -> ResponseReturnValue:
    """End a signing mandate from today (administrators only)."""
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(organisation_id, status=400)
    ctx = context()
    return perform(
        lambda: handle.revoke_mandate(ctx, organisation_id, mandate_id),
        done=_("The signing mandate was revoked from today."),
        then=_here(organisation_id),
        again=lambda status: _page(organisation_id, status=status),
    )


@bp.post("/organisations/<organisation_id>/invitations/<invitation_id>/revoke")
@login_required
def revoke_invitation(organisation_id: str, invitation_id: str) -> ResponseReturnValue:
    """Cancel a pending invitation: its link stops working (administrators only)."""
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(organisation_id, status=400)
    ctx = context()
    return perform(
        lambda: invitations.revoke(ctx, invitation_id, organisation_id=organisation_id),
        done=_("The invitation was cancelled: its link no longer works."),
        then=_here(organisation_id),
        again=lambda status: _page(organisation_id, status=status),
    )
