"""The statement page a member signs from: the exact text, its version hash, who may sign, and how."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from coalition.domain import policy, text
from coalition.domain.base import DomainError
from coalition.domain.policy import people
from coalition.domain.statement import MAX_PLACE
from coalition.handlers import statements as handle
from coalition.infra.extensions import services
from coalition.reads import organisations, powers, signatories
from coalition.reads import published as listing
from coalition.reads import statements as read
from coalition.reads.amendments import amendment
from coalition.reads.paging import PAGE_SIZE, Page
from coalition.reads.standing import Moment, snapshot
from coalition.reads.statement_standing import standing
from coalition.reads.statements import heading, in_language, signature_entries
from coalition.reads.text import render_markdown
from coalition.web.downloads import pdf_page
from coalition.web.errors import translated
from coalition.web.forms import PageForm
from coalition.web.lines import OneLine
from coalition.web.pages import context, facilitation_known, held, marks, perform, require_member, statement_chart
from coalition.web.sharing import share
from coalition.web.typed import login_required

bp = Blueprint("statements", __name__)
PAGE = "/coalitions/<coalition_id>/statements/<statement_id>"


class SignForm(PageForm):
    organisation_id = HiddenField(validators=[DataRequired()])
    # The version on the page the signer read: the domain refuses the signature if the text changed since.
    version_hash = HiddenField(validators=[DataRequired(), Regexp("^[0-9a-f]{64}$")])
    title = StringField(_l("Your title"), validators=[DataRequired(), Length(max=text.NAME), OneLine()])


class EndorseForm(PageForm):
    title = StringField(_l("Your title (optional)"), validators=[Length(max=text.NAME), OneLine()])


class ButtonForm(PageForm):
    """A form that is only a button (and its CSRF token)."""


class PublishForm(PageForm):
    place = StringField(
        _l("Place of issue (optional)"),
        description=_l("Printed before the date on the PDF, as a letter is dated: “Bucharest, 4 December 2026”."),
        validators=[Length(max=MAX_PLACE), OneLine()],
        filters=[lambda value: value.strip() if value else value],  # trimmed before its length, as the API does
    )


class WithdrawForm(PageForm):
    organisation_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("Why does your organisation withdraw its signature?"), validators=[DataRequired(), Length(max=text.MESSAGE)]
    )


#: Members named a page at a time under "Not signed yet" (a statement opened to thousands names a page, not all).
WAITING_PAGE = PAGE_SIZE


def _page(
    coalition_id: str,
    statement_id: str,
    sign: SignForm | None = None,
    withdraw: WithdrawForm | None = None,
    endorse: EndorseForm | None = None,
    status: int = 200,
    publishing: PublishForm | None = None,
) -> ResponseReturnValue:
    now = services().store.clock()
    with services().engine.connect() as connection:
        found = read.view(connection, statement_id, signatures_too=False)
        if found is None or found.statement["coalition_id"] != coalition_id:
            abort(404)
        reader = require_member(connection, coalition_id)
        mine = held(connection).mandates
        # The rules this page asks are about the reader's organisations, those they sign for and the one the
        # statement was drafted for: the coalition narrowed to their rows (not all 3,000 members' and their
        # statement participation).
        drafted_for = {found.statement["drafted_for"]} - {None}
        scope = reader.acts_for | set(mine) | drafted_for
        snap = snapshot(connection, coalition_id, Moment(None, now.date()), scope)
        able = powers.powers(snap, reader, found.statement)
        facilitation_known(coalition_id, able.facilitator, snap.agreement)
        chart = statement_chart.chart(connection, coalition_id, found.statement)
        # Which forms each organisation gets is the domain's (`policy.may_sign`/`may_confirm`/`may_withdraw`).
        own = signatories.held(connection, statement_id, mine)  # the reader's organisations' signatures only
        may = powers.signer_powers(snap, found.statement, own, now, mine)
        refusals = powers.sign_refusals(snap, found.statement, now, mine)
        # the statement's tallies, read once for its summary, who has not signed yet and how many signed
        groups = signatories.groups(connection, found.statement, None)
        statement = heading(connection, found, now, None, groups)
        names = organisations.names(connection, mine)
        signed = {s["organisation_id"]: s for s in signature_entries(connection, found.statement, own, None)}
        changes = {
            o: amendment(connection, statement_id, signed[o]["version_hash"], statement["version_hash"], marks())
            for o, p in may.items()
            if p.may_confirm
        }
        publication = listing.publication(connection, statement_id) if statement["state"] == "published" else None
        stands = standing(connection, found, now, request.args.get("waiting_after") or None, WAITING_PAGE, groups)
        # the signatories a page at a time (`?after=` the key of the last one shown); the summary counts them all
        after = request.args.get("after")  # not a key `signatories.key` gave (an old link): the first page
        cursor = signatories.parse(after) if after else None
        rows = signatories.rows(connection, statement_id, None, cursor, PAGE_SIZE, groups)
        listed = Page(signature_entries(connection, found.statement, rows.items, None), rows.total, rows.next_after)
    # The reader's language, where the statement has a translation into it; `?lang=` chooses another.
    language, title, body = in_language(statement, str(request.args.get("lang") or get_locale() or ""))
    shared = None
    if publication is not None:
        count = statement["summary"]["organisations"]
        shared = share(statement_id, title, publication["coalition"], publication["published_at"], count)
    signers = [
        {
            "organisation_id": o,
            "name": names.get(o, o),
            "title": t,
            "signature": signed.get(o),
            "changes": changes.get(o),
            "may": may[o],
            "reason": None if may[o].any else _reason(refusals.get(o), names),
        }
        for o, t in sorted(mine.items(), key=lambda i: names.get(i[0], ""))
        if may[o].any or o in refusals or o in signed
    ]
    return render_template(
        "statements/show.html",
        statement=statement,
        signatories=listed,
        language=language,
        title=title,
        body=render_markdown(body),
        signers=signers,
        coalition_id=coalition_id,
        sign=sign or SignForm(),
        withdraw=withdraw or WithdrawForm(),
        endorse=endorse or EndorseForm(prefix="endorse"),
        button=ButtonForm(),
        publishing=publishing or PublishForm(),
        powers=able,
        chart=chart,
        coalition_name=(snap.agreement or {}).get("name", ""),
        endorsed=any(
            e["user_id"] == current_user.user_id and e["status"] == "endorsed" for e in statement["endorsements"]
        ),
        languages=[statement["language"], *(t["language"] for t in statement["translations"])],
        unverified=_unverified(),
        share=shared,
        stands=stands,
        publish_refusal=_publish_refusal(statement),
        confirming=request.args.get("confirm") or "",
    ), status


def _publish_refusal(statement: dict[str, Any]) -> str | None:
    """Why a closed statement may not be published (`policy.publish_threshold_refusal`), translated; else None."""
    refusal = policy.publish_threshold_refusal(statement["summary"]["organisations"], statement["threshold"])
    return None if refusal is None else translated(refusal)


def _reason(refusal: DomainError | None, names: dict[str, str]) -> str | None:
    """Why the reader may not sign for an organisation, translated, naming it; None if nothing stops them."""
    return None if refusal is None else translated(refusal, names)


def _unverified() -> str | None:
    """Why the reader may not sign yet (`policy.verified_refusal`), translated; None once their address is verified."""
    refusal = people.verified_refusal(bool(current_user.verified), people.SIGN)
    return None if refusal is None else translated(refusal)


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
    handler = handle.confirm if confirm else handle.sign
    ctx = context()

    def action() -> object:
        return handler(
            ctx,
            coalition_id,
            statement_id,
            organisation_id=organisation_id,
            title=form.title.data,
            version_hash=form.version_hash.data,
        )

    return perform(
        action,
        done=_("Signed. Thank you."),
        then=_here(coalition_id, statement_id),
        again=lambda status: _page(coalition_id, statement_id, status=status),
    )


@bp.post(f"{PAGE}/withdraw")
@login_required
def withdraw(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Withdraw one organisation's signature, with a reason."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _page(coalition_id, statement_id, withdraw=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.withdraw(
            ctx, coalition_id, statement_id, str(form.organisation_id.data), reason=str(form.reason.data)
        ),
        done=_("The signature was withdrawn."),
        then=_here(coalition_id, statement_id),
        again=lambda status: _page(coalition_id, statement_id, status=status),
    )


@bp.get(f"{PAGE}.pdf")
@login_required
def pdf(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The sealed PDF, for the people of the coalition's members."""
    with services().engine.connect() as connection:
        found = read.view(connection, statement_id, signatures_too=False)
        if found is None or found.statement["coalition_id"] != coalition_id:
            abort(404)
        require_member(connection, coalition_id)
    language = request.args.get("lang") or None
    try:
        return pdf_page(statement_id, language)
    except DomainError:
        abort(404)


@bp.post(f"{PAGE}/endorse")
@login_required
def endorse(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Add your personal endorsement (the coalition's endorsers), listed apart from the organisations."""
    form = EndorseForm(prefix="endorse")
    if not form.validate_on_submit():
        return _page(coalition_id, statement_id, endorse=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.endorse(ctx, coalition_id, statement_id, title=str(form.title.data or "") or None),
        done=_("Your endorsement was added."),
        then=_here(coalition_id, statement_id),
        again=lambda status: _page(coalition_id, statement_id, endorse=form, status=status),
    )


def _lifecycle(coalition_id: str, statement_id: str, action: Any, done: str, anchor: str = "") -> ResponseReturnValue:
    """Close or publish: a button-only form, decided by the domain; then the statement page (at `anchor`)."""
    if not ButtonForm().validate_on_submit():
        return _page(coalition_id, statement_id, status=400)
    ctx = context()
    return perform(
        lambda: action(ctx, coalition_id, statement_id),
        done=done,
        then=_here(coalition_id, statement_id) + anchor,
        again=lambda status: _page(coalition_id, statement_id, status=status),
    )


@bp.post(f"{PAGE}/close")
@login_required
def close(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Stop signing before the deadline (facilitators)."""
    return _lifecycle(coalition_id, statement_id, handle.close, _("Signing is closed."))


@bp.post(f"{PAGE}/publish")
@login_required
def publish(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """Publish a closed statement whose threshold is met (facilitators); it gets a public page."""
    done = _("The statement is published. Pass on its public address: copy the link or share it by e-mail.")
    form = PublishForm()
    if not form.validate_on_submit():
        return _page(coalition_id, statement_id, status=400, publishing=form)
    ctx, place = context(), form.place.data or ""
    return perform(
        lambda: handle.publish(ctx, coalition_id, statement_id, place),
        done=done,
        then=_here(coalition_id, statement_id) + "#share",
        again=lambda status: _page(coalition_id, statement_id, status=status, publishing=form),
    )
