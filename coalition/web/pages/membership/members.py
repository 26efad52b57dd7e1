"""The members and their state, inviting and changing a membership (facilitators)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_number, ngettext
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
from coalition.reads.audit import named, same_name
from coalition.reads.coalitions import exists as coalition_exists
from coalition.reads.coalitions import member_count, members_before, members_in_order
from coalition.reads.paging import Page
from coalition.reads.standing import Moment, snapshot
from coalition.web import member_choice
from coalition.web.forms import LISTED, OFFERED
from coalition.web.i18n import localised_country
from coalition.web.pages import actor, context, facilitation_known, perform
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import day
from coalition.web.pages.membership.forms import (
    ChooseOrganisation,
    InviteByEmail,
    LeaveForm,
    NameOrganisation,
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


@dataclass
class Inviting:
    """The members page's invitation: a menu of every organisation outside the coalition or, where there are more
    than `LISTED`, a name to type (`typed`), with the organisations a name fits offered to choose from."""

    form: ChooseOrganisation | NameOrganisation
    outsiders: int  # organisations outside the coalition (no membership now, or one that ended)
    offered: list[dict[str, Any]] = field(default_factory=list)  # those the name typed fits (id, name, country)
    more: int = 0  # how many more it fits than `offered` holds

    @property
    def typed(self) -> bool:
        return isinstance(self.form, NameOrganisation)


def _inviting(connection: Connection, coalition_id: str, sent: Inviting | None = None) -> Inviting:
    """The invitation as the page shows it: the one just sent (with its errors), or a new one; a menu only when
    the organisations outside the coalition are few (counted, not read, when they are many)."""
    outsiders = organisations.outside_count(connection, coalition_id, STILL_MEMBER)
    if sent is not None:  # as it was sent, with its errors, even if the count crossed the limit meanwhile
        sent.outsiders = outsiders
        return sent
    if outsiders > LISTED:
        return Inviting(NameOrganisation(formdata=None), outsiders)
    menu = ChooseOrganisation(formdata=None)
    menu.organisation_id.choices = _candidates(connection, coalition_id) if outsiders else []
    return Inviting(menu, outsiders)


def _named(connection: Connection, coalition_id: str, form: NameOrganisation) -> tuple[str | None, Inviting]:
    """The organisation a typed invitation names: the one chosen from those offered (by id), or the one whose whole
    name was typed; else None, with the reason on the field and the organisations the name fits to choose from.
    Only an organisation outside the coalition is found: a member's name fits no one."""
    sent = Inviting(form, 0)
    if not form.validate_on_submit():
        return None, sent
    errors = form.organisation.errors
    assert isinstance(errors, list)
    if form.organisation_id.data:
        found = organisations.outside(connection, coalition_id, STILL_MEMBER, ids=[form.organisation_id.data])
        if found:
            return str(found[0]["organisation_id"]), sent
        form.organisation_id.data = None
        errors.append(_("The organisation chosen is a member or invited already, or no longer on Coalition."))
        return None, sent
    typed = form.organisation.data or ""
    every = {o["organisation_id"]: o for o in organisations.outside(connection, coalition_id, STILL_MEMBER)}
    fitting = named(typed, {key: o["name"] for key, o in every.items()})
    whole = [key for key in fitting if same_name(typed, every[key]["name"])]
    if len(whole) == 1:  # its whole name: that one (a part of a name, or a name two organisations share, asks)
        return whole[0], sent
    if not fitting:
        errors.append(
            _(
                "No organisation outside the coalition has “%(name)s” in its name. Check the spelling, or type less.",
                name=typed,
            )
        )
    else:
        errors.append(
            ngettext(
                "“%(name)s” fits %(count)s organisation outside the coalition: choose it below.",
                "“%(name)s” fits %(count)s organisations outside the coalition: choose one below.",
                len(fitting),
                name=typed,
                count=format_number(len(fitting)),
            )
        )
    sent.offered = [every[key] for key in fitting[:OFFERED]]
    sent.more = len(fitting) - len(sent.offered)
    return None, sent


def _members_page(
    coalition_id: str,
    *,
    invite: Inviting | None = None,
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
        facilitation_known(coalition_id, facilitator, mine.agreement)
        inviting = _inviting(connection, coalition_id, invite) if facilitator else None
        page = _page(connection, coalition_id, request.args.get("after"), failed.partition(":")[0])
        shown = reader.acts_for | {m["organisation_id"] for m in page.items}
        snap = snapshot(connection, coalition_id, mine.moment, shown)
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
        inviting=inviting,
        by_email=by_email or InviteByEmail(),
        invitations=pending,
        reason=reason or ReasonForm(),
        failed=failed,
    ), status


#: Members a page of the members page lists: each may come with a facilitator's forms (suspend, verify, decide).
PAGE_SIZE = 25
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
    """Invite an organisation (facilitators): chosen from the menu, or named where there are too many for one."""
    with services().engine.connect() as connection:
        if not coalition_exists(connection, coalition_id):
            abort(404)
        if "organisation" in request.form:  # a name typed (the page had too many to list), whatever the count now
            chosen, sent = _named(connection, coalition_id, NameOrganisation())
        else:
            menu = ChooseOrganisation()
            menu.organisation_id.choices = _candidates(connection, coalition_id)
            sent = Inviting(menu, 0)
            chosen = menu.organisation_id.data if menu.validate_on_submit() else None
    if chosen is None:
        return _members_page(coalition_id, invite=sent, status=400)
    ctx = context()
    return perform(
        lambda: handle.join(ctx, coalition_id, organisation_id=chosen),
        done=_("The organisation was invited."),
        then=url_for("membership.members", coalition_id=coalition_id),
        again=lambda status: _members_page(coalition_id, invite=sent, status=status),
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
    by_name = None
    if action == "leave":  # with what becomes of each open commitment and task (coalition.domain.ending)
        form = LeaveForm()
        rows = [row.form for row in form.dispositions]
        by_name = any(row.to_name.name in request.form for row in rows)  # the page asked for the members' names

    def again(status: int) -> ResponseReturnValue:
        if action == "leave":
            return leave_page(coalition_id, organisation_id, form, status, by_name)
        if action == "accept":
            return join_page(coalition_id, status=status)
        return _members_page(coalition_id, reason=form, failed=f"{organisation_id}:{action}", status=status)

    if by_name:  # each task handed over to the member its name fits
        handed = [(row.to, row.to_name) for row in rows if row.action.data == "hand_over"]
        if not member_choice.checked(form, coalition_id, by_name, handed, exclude=organisation_id):
            return again(400)
    elif not form.validate_on_submit():
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
