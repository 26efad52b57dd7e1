"""The members and their state, inviting and changing a membership (facilitators)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.engine import Connection

from coalition.accounts import names_of
from coalition.domain import policy
from coalition.domain.coalition import STILL_MEMBER
from coalition.handlers import coalitions as handle
from coalition.handlers import invitations
from coalition.infra.extensions import services
from coalition.reads import organisations
from coalition.reads.access import as_domain, facilitates, readers_snapshot, reads_as_member
from coalition.reads.coalitions import member_count, members_before, members_in_order
from coalition.reads.paging import PAGE_SIZE, Page
from coalition.reads.standing import Moment, snapshot
from coalition.web.i18n import localised_country
from coalition.web.pages import actor, context, facilitation_known, perform
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import current, day
from coalition.web.pages.membership.forms import (
    ChooseOrganisation,
    InviteByEmail,
    LeaveForm,
    ReasonForm,
    RequiredReasonForm,
    disposed,
)
from coalition.web.pages.membership.joining import join_page, leave_page
from coalition.web.reading import today
from coalition.web.typed import FlaskForm, SelectChoice, login_required

# -- members --------------------------------------------------------------------------------------


def _candidates(connection: Connection, coalition_id: str) -> list[SelectChoice]:
    """Every organisation that is not a member now (never was, or left), with its country."""
    return [
        SelectChoice(r["organisation_id"], f"{r['name']} ({localised_country(r['country'])})")
        for r in organisations.outside(connection, coalition_id, STILL_MEMBER)
    ]


def _members_page(
    coalition_id: str,
    *,
    invite: ChooseOrganisation | None = None,
    by_email: InviteByEmail | None = None,
    reason: FlaskForm | None = None,
    failed: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    """The members and their state, with the forms the reader can use: a page of members at a time, chosen in
    SQL (`?after=` the last one seen), and the rules asked of the reader's and the page's rows only."""
    with services().engine.connect() as connection:
        reader = actor(connection)
        mine = readers_snapshot(connection, coalition_id, reader, Moment(None, today()))
        if mine.agreement is None:
            abort(404)
        if not reads_as_member({m["organisation_id"]: m["state"] for m in mine.members}, reader):
            abort(403)
        facilitator = facilitates(mine, reader)
        facilitation_known(coalition_id, facilitator)
        invite = invite or ChooseOrganisation()
        invite.organisation_id.choices = _candidates(connection, coalition_id) if facilitator else []
        page = _page(connection, coalition_id, request.args.get("after"), failed.partition(":")[0])
        shown = reader.acts_for | {m["organisation_id"] for m in page.items}
        snap = snapshot(connection, coalition_id, mine.moment, shown, statements=False)
    coalition = as_domain(snap)
    verifiers = names_of(services().engine, {m["verified_by"] for m in page.items if m.get("verified_by")})
    members = [
        {
            **m,
            "since": day(m["since"]),
            "mine": m["organisation_id"] in reader.acts_for,
            "verified": policy.is_verified(coalition.members.get(m["organisation_id"])),
            "verifier": verifiers.get(m.get("verified_by") or "", ""),
            "may_verify": policy.may_verify(coalition, reader, m["organisation_id"]),
            "may_unverify": policy.may_withdraw_verification(coalition, reader, m["organisation_id"]),
        }
        for m in page.items
    ]
    pending = invitations.pending(context(), coalition_id=coalition_id) if facilitator else []
    return render_template(
        "membership/members.html",
        coalition_id=coalition_id,
        name=(snap.agreement or {})["name"],
        members=members,
        total=page.total,
        next_after=page.next_after,
        facilitator=facilitator,
        invite=invite,
        by_email=by_email or InviteByEmail(),
        invitations=pending,
        reason=reason or ReasonForm(),
        failed=failed,
    ), status


#: The members page's order: those waiting for a decision first, then by state, then by name.
ORDER = {"requested": 0, "invited": 1, "active": 2, "suspended": 3, "left": 4, "declined": 5}


def _page(connection: Connection, coalition_id: str, after: str | None, failed: str = "") -> Page[dict[str, Any]]:
    """The page of members after the cursor `after` ("<state rank>-<organisation id>" of the last one seen), read
    in SQL in the page's order (`members_in_order`): rank of the state, then name, then id.

    The cursor keeps the rank the member had when its page was shown, so a member whose state changes meanwhile
    (approved, suspended on this very page) moves in the list without making the next page skip or repeat
    anyone. A form refused for `failed` (an organisation id) shows the page that holds that member, so the
    error stands beside its form."""
    mark = None
    rank, _, organisation = (after or "").partition("-")
    if rank.isdigit() and organisation:
        mark = (int(rank), organisation)
    skip = 0
    if failed:
        at = members_before(connection, coalition_id, ORDER, failed)
        if at is not None:
            mark, skip = None, at - at % PAGE_SIZE
    chosen = members_in_order(connection, coalition_id, ORDER, mark, skip + PAGE_SIZE + 1)[skip:]
    shown = chosen[:PAGE_SIZE]
    last = shown[-1] if shown and len(chosen) > PAGE_SIZE else None
    total = member_count(connection, coalition_id)
    return Page(shown, total, f"{last['rank']}-{last['organisation_id']}" if last else None)


@bp.get("/coalitions/<coalition_id>/members")
@login_required
def members(coalition_id: str) -> ResponseReturnValue:
    """Who belongs to the coalition, who asked and who was invited."""
    return _members_page(coalition_id)


@bp.post("/coalitions/<coalition_id>/members/invite")
@login_required
def invite(coalition_id: str) -> ResponseReturnValue:
    """Invite an organisation (facilitators)."""
    form = ChooseOrganisation()
    with services().engine.connect() as connection:
        current(connection, coalition_id)  # the 404 page for no such coalition
        form.organisation_id.choices = _candidates(connection, coalition_id)
    if not form.validate_on_submit():
        return _members_page(coalition_id, invite=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.join(ctx, coalition_id, organisation_id=form.organisation_id.data),
        done=_("The organisation was invited."),
        then=url_for("membership.members", coalition_id=coalition_id),
        again=lambda status: _members_page(coalition_id, invite=form, status=status),
    )


@bp.post("/coalitions/<coalition_id>/members/<organisation_id>/verification")
@login_required
def verify(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """Mark a member verified (facilitators), after the confirmation the page asks for."""
    return _verification(coalition_id, organisation_id, True)


@bp.post("/coalitions/<coalition_id>/members/<organisation_id>/verification/withdraw")
@login_required
def unverify(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """Withdraw a member's verified mark (facilitators), after the confirmation the page asks for."""
    return _verification(coalition_id, organisation_id, False)


def _verification(coalition_id: str, organisation_id: str, marking: bool) -> ResponseReturnValue:
    form = ReasonForm()  # only its CSRF token: the confirmation is the step the page asked for
    if not form.validate_on_submit():
        return _members_page(coalition_id, status=400)
    ctx = context()
    mark = handle.verify_member if marking else handle.withdraw_verification
    return perform(
        lambda: mark(ctx, coalition_id, organisation_id),
        done=_("The organisation is marked verified.") if marking else _("The verified mark was withdrawn."),
        then=url_for("membership.members", coalition_id=coalition_id),
        again=lambda status: _members_page(coalition_id, status=status),
    )


@bp.post("/coalitions/<coalition_id>/members/<organisation_id>/<action>")
@login_required
def change(coalition_id: str, organisation_id: str, action: str) -> ResponseReturnValue:
    """Approve, decline, suspend or reinstate (facilitators); accept an invitation or leave (the organisation's
    people)."""
    if action not in handle.MEMBERSHIP_ACTIONS:
        abort(404)
    form = RequiredReasonForm() if action in handle.NEEDS_A_REASON else ReasonForm()
    if action == "leave":  # with what becomes of each open commitment and task (coalition.domain.ending)
        form = LeaveForm()

    def again(status: int) -> ResponseReturnValue:
        if action == "leave":
            return leave_page(coalition_id, organisation_id, form, status)
        if action == "accept":
            return join_page(coalition_id, status=status)
        return _members_page(coalition_id, reason=form, failed=f"{organisation_id}:{action}", status=status)

    if not form.validate_on_submit():
        return again(400)
    done = {
        "approve": _("The organisation is now a member."),
        "decline": _("The request was declined. The organisation sees the reason and may ask again."),
        "accept": _("Welcome: the invitation was accepted."),
        "suspend": _("The member was suspended."),
        "reinstate": _("The member was reinstated."),
        "leave": _("Done: the organisation is no longer part of the coalition."),
    }[action]
    then = {"leave": "membership.join", "accept": "coalitions.home"}.get(action, "membership.members")
    ctx = context()
    return perform(
        lambda: handle.change_membership(ctx, coalition_id, organisation_id, action, form.reason.data, disposed(form)),
        done=done,
        then=url_for(then, coalition_id=coalition_id),
        again=again,
    )
