"""The statement page a member signs from: the exact text, its version hash, who may sign, and how."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.engine import Connection
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from coalition.domain.base import DomainError
from coalition.extensions import services
from coalition.handlers import statements as handle
from coalition.pages import context, perform, require_member
from coalition.statement_reads import describe, diff, in_language
from coalition.text import render_markdown
from projections import statements as read
from projections.coalitions import memberships
from projections.organisations import mandates_of, organisations
from projections.versioned import valid_at

bp = Blueprint("statements", __name__)
PAGE = "/coalitions/<coalition_id>/statements/<statement_id>"


class SignForm(FlaskForm):
    organisation_id = HiddenField(validators=[DataRequired()])
    name = StringField(_l("Your name, as it will appear"), validators=[DataRequired(), Length(max=200)])
    title = StringField(_l("Your title"), validators=[DataRequired(), Length(max=200)])


class WithdrawForm(FlaskForm):
    organisation_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Why does your organisation withdraw its signature?"),
                           validators=[DataRequired(), Length(max=2000)])


def _require_reader(connection: Connection, coalition_id: str) -> dict[str, str]:
    """The coalition's membership states; 403 unless the user acts for an active or suspended member."""
    require_member(connection, coalition_id)
    return {row.organisation_id: row.state for row in connection.execute(
        select(memberships.c.organisation_id, memberships.c.state).where(
            memberships.c.coalition_id == coalition_id, valid_at(memberships, None)))}


def _page(coalition_id: str, statement_id: str, sign: SignForm | None = None,
          withdraw: WithdrawForm | None = None, status: int = 200) -> ResponseReturnValue:
    now = services().store.clock()
    with services().engine.connect() as connection:
        found = read.view(connection, statement_id)
        if found is None or found.statement["coalition_id"] != coalition_id:
            abort(404)
        members = _require_reader(connection, coalition_id)
        mine = mandates_of(connection, current_user.user_id, now.date())
        statement = describe(connection, found, now, None)
        names = {row.organisation_id: row.name for row in connection.execute(
            select(organisations.c.organisation_id, organisations.c.name)
            .where(organisations.c.organisation_id.in_(sorted(mine))))}
        held = {s["organisation_id"]: s for s in statement["signatures"]}
        changes = {o: diff(connection, statement_id, s["version_hash"], statement["version_hash"])
                   for o, s in held.items() if o in mine and s["status"] == "needs_reconfirmation"}
    language, title, body = in_language(statement, str(request.args.get("lang") or ""))
    signers = [{"organisation_id": o, "name": names.get(o, o), "title": t, "signature": held.get(o),
                "changes": changes.get(o)} for o, t in sorted(mine.items(), key=lambda i: names.get(i[0], ""))
               if members.get(o) == "active"]
    return render_template("statements/show.html", statement=statement, language=language, title=title,
                           body=render_markdown(body), signers=signers, coalition_id=coalition_id,
                           sign=sign or SignForm(name=current_user.name), withdraw=withdraw or WithdrawForm(),
                           languages=[statement["language"], *(t["language"] for t in statement["translations"])]), status


def _here(coalition_id: str, statement_id: str) -> str:
    return url_for("statements.show", coalition_id=coalition_id, statement_id=statement_id)


@bp.get(PAGE)
@login_required
def show(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The statement, its version hash, and a signing form for each organisation you hold a mandate of."""
    return _page(coalition_id, statement_id)


@bp.post(f"{PAGE}/sign")
@login_required
def sign(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Sign (or re-confirm after an amendment) for one organisation."""
    form = SignForm()
    if not form.validate_on_submit():
        return _page(coalition_id, statement_id, sign=form, status=400)
    confirm = request.form.get("confirm") == "1"
    organisation_id = str(form.organisation_id.data)
    ctx = context()
    if confirm:
        action = lambda: handle.confirm(ctx, coalition_id, statement_id, organisation_id,  # noqa: E731
                                        name=form.name.data, title=form.title.data)
    else:
        action = lambda: handle.sign(ctx, coalition_id, statement_id,  # noqa: E731
                                     organisation_id=organisation_id, name=form.name.data, title=form.title.data)
    return perform(action, done=_("Signed. Thank you."), then=_here(coalition_id, statement_id),
                   again=lambda status: _page(coalition_id, statement_id, status=status))


@bp.post(f"{PAGE}/withdraw")
@login_required
def withdraw(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Withdraw one organisation's signature, with a reason."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _page(coalition_id, statement_id, withdraw=form, status=400)
    ctx = context()
    return perform(lambda: handle.withdraw(ctx, coalition_id, statement_id, str(form.organisation_id.data),
                                           reason=str(form.reason.data)),
                   done=_("The signature was withdrawn."), then=_here(coalition_id, statement_id),
                   again=lambda status: _page(coalition_id, statement_id, status=status))


@bp.get(f"{PAGE}.pdf")
@login_required
def pdf(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The sealed PDF, for the people of the coalition's members."""
    from coalition.api.statements import pdf_response

    with services().engine.connect() as connection:
        found = read.view(connection, statement_id)
        if found is None or found.statement["coalition_id"] != coalition_id:
            abort(404)
        _require_reader(connection, coalition_id)
    language = request.args.get("lang") or None
    try:
        return pdf_response(statement_id, language)
    except DomainError:
        abort(404)
