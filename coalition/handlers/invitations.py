"""Invitations: invite someone without an account to a grant, cancel it, list the pending ones, and use one.

Issuing follows the rules of the grant it promises first (only an organisation's administrators invite
administrators and mandate holders, with a mandate's dates checked as for a direct grant; only a
coalition's facilitators invite organisations), then records the invitation, its `InvitationIssued`
event and its e-mail in one transaction. Using it appends the grant, decided on the inviter's authority
as it stands then, with `InvitationRedeemed`; the invitee is the events' actor and the invitation
(`invitation-<id>`) their cause (see `coalition.accounts.invitations`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import Connection

from coalition.accounts import emails as addresses
from coalition.accounts import invitations as inv
from coalition.accounts import load_user, normalise_email
from coalition.domain import coalition as co
from coalition.domain import organisation as org
from coalition.domain import policy
from coalition.domain.base import N_, Change, Invalid, NotAllowed, NotFound, RuleBroken
from coalition.domain.lines import has_line_break
from coalition.handlers import Context
from coalition.handlers.reading import prepare
from coalition.notify import outbox
from coalition.notify.messages import render
from events import Metadata, NewEvent, RecordedEvent

#: A stand-in for the invitee while the grant's rules are checked before they have an account.
_SOMEONE = "invitee"


def checked_email(email: str) -> str:
    """The address, normalised; Invalid naming what is wrong with it."""
    try:
        return normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise Invalid("%(email)r is not a valid e-mail address: %(reason)s", email=email, reason=str(error)) from None


def _one_line(name: str, value: str | None) -> str | None:
    if has_line_break(value):
        raise Invalid("%(field)s must be one line, without line breaks", field=name)
    return value.strip() if value is not None else None


def _organisation(context: Context, organisation_id: str) -> tuple[org.Organisation, int]:
    state, version = context.load(org.stream(organisation_id), org.evolve)
    if state is None:
        raise NotFound("no such organisation: %(organisation)s", organisation=organisation_id)
    return state, version


def _administers(context: Context, organisation_id: str) -> org.Organisation:
    state, _ = _organisation(context, organisation_id)
    if context.user_id not in state.administrators:
        raise NotAllowed("only administrators of %(organisation)s may do this", organisation=state.name)
    return state


def _facilitates(context: Context, coalition_id: str, doing: str) -> co.Coalition:
    read = prepare(context, coalition_id, if_match=False)
    if read.state is None:
        raise NotFound("no such coalition")
    policy.check_facilitator(read.state, read.actor, doing)
    return read.state


def _issue(
    context: Context,
    kind: str,
    email: str,
    target: tuple[str | None, str | None],
    details: dict[str, Any],
    place: str,
    locale: str,
) -> dict[str, Any]:
    """Record and mail an invitation (or answer with the same one still pending): {"invitation": {...}}."""
    now = context.moment
    waiting = inv.pending(context.services.engine, now, organisation_id=target[0], coalition_id=target[1])
    grant = json.loads(json.dumps(details, default=str))
    for same in (i for i in waiting if i.email == email and i.kind == kind):
        if {k: same.details.get(k) for k in grant} == grant:  # the same grant: its invitation, no second mail
            return {"invitation": _answer(same.view())}
        raise RuleBroken(
            "%(email)s already has a pending invitation to this organisation or coalition: cancel it to send another",
            email=email,
        )
    inviter = load_user(context.services.engine, context.user_id)
    locale = (inviter.locale if inviter else None) or locale  # the inviter's chosen language, else the request's
    zone = inviter.time_zone if inviter else None  # and clock (the invitee has none of their own yet): else UTC
    invitation_id, token = context.new_id(), inv.new_token()
    # The names as they were when it was sent, for the landing page (the table only, never the log).
    shown = {**details, "place": place, "inviter": inviter.name if inviter else ""}
    row = inv.row_for(invitation_id, token, email, kind, target, shown, context.user_id, locale, now)
    values = {**shown, "path": f"/invitations/{token}", "expires_at": row["expires_at"]}
    mail = render(f"invitation_{kind}", locale, values, zone)
    to = outbox.Recipient(email, locale, time_zone=zone)
    queued = outbox.row(f"invitation:{invitation_id}", "invitation", to, mail, now)

    def keep(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        inv.insert_row(connection, row)
        outbox.enqueue(connection, [queued])

    payload = {
        "invitation_id": invitation_id,
        "kind": kind,
        "organisation_id": target[0],
        "coalition_id": target[1],
        "invited_by": context.user_id,
        "title": details.get("title"),
        "expires_at": row["expires_at"],
    }
    issued = Change("InvitationIssued", {k: v for k, v in payload.items() if v is not None})
    answer = {"invitation": {"id": invitation_id, "email": email, "expires_at": row["expires_at"]}}
    stream = inv.stream(invitation_id)
    return context.append(stream, [issued], {stream: 0}, answer, target[0], within=keep)


def _answer(view: dict[str, Any]) -> dict[str, Any]:
    return {k: view[k] for k in ("id", "email", "expires_at")}


def invite_administrator(context: Context, organisation_id: str, *, email: str, locale: str) -> dict[str, Any]:
    """Invite someone without an account to become an administrator (administrators only)."""
    email = checked_email(email)
    state, _ = _organisation(context, organisation_id)
    org.decide(state, org.AddAdministrator(_SOMEONE), context.user_id, context.today)  # the same rules first
    return _issue(context, "administrator", email, (organisation_id, None), {}, state.name, locale)


def invite_mandate_holder(
    context: Context,
    organisation_id: str,
    *,
    email: str,
    title: str,
    locale: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> dict[str, Any]:
    """Invite someone without an account to hold a signing mandate (administrators only)."""
    email, title = checked_email(email), _one_line("title", title) or ""
    state, _ = _organisation(context, organisation_id)
    check = org.GrantMandate(_SOMEONE, _SOMEONE, title, valid_from or context.today, valid_until)
    org.decide(state, check, context.user_id, context.today)
    details = {"title": title, "valid_from": valid_from, "valid_until": valid_until}
    return _issue(context, "mandate", email, (organisation_id, None), details, state.name, locale)


def invite_organisation(
    context: Context,
    coalition_id: str,
    *,
    email: str,
    locale: str,
    organisation_name: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """Invite an organisation not on the platform, by its contact's e-mail address (facilitators)."""
    email, name = checked_email(email), _one_line("organisation_name", organisation_name) or None
    state = _facilitates(context, coalition_id, N_("invite organisations"))
    policy.check_open(state)  # an ended coalition invites no one (policy.ending)
    details = {"name": name, "message": (message or "").strip() or None}
    return _issue(context, "organisation", email, (None, coalition_id), details, state.agreement.name, locale)


def pending(
    context: Context, *, organisation_id: str | None = None, coalition_id: str | None = None
) -> list[dict[str, Any]]:
    """The invitations still waiting, for an organisation's administrators or a coalition's facilitators."""
    if organisation_id is not None:
        _administers(context, organisation_id)
    elif coalition_id is not None:
        _facilitates(context, coalition_id, N_("see the pending invitations"))
    found = inv.pending(
        context.services.engine, context.moment, organisation_id=organisation_id, coalition_id=coalition_id
    )
    return [i.view() for i in found]


def revoke(
    context: Context, invitation_id: str, *, organisation_id: str | None = None, coalition_id: str | None = None
) -> dict[str, Any]:
    """Cancel a pending invitation of an organisation (administrators) or a coalition (facilitators): {id}."""
    invitation = inv.by_id(context.services.engine, invitation_id)
    ours = invitation is not None and (
        (organisation_id is not None and invitation.organisation_id == organisation_id)
        or (coalition_id is not None and invitation.coalition_id == coalition_id)
    )
    if invitation is None or not ours:
        raise NotFound("no such invitation: %(invitation)s", invitation=invitation_id)
    if organisation_id is not None:
        _administers(context, organisation_id)
    else:
        policy.check_open(_facilitates(context, str(coalition_id), N_("cancel invitations")))
    if invitation.state(context.moment) != "pending":
        raise RuleBroken("this invitation is no longer pending")
    now = context.moment

    def mark(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        inv.mark_revoked(connection, invitation_id, now)

    stream = inv.stream(invitation_id)
    revoked = Change("InvitationRevoked", {"invitation_id": invitation_id, "revoked_by": context.user_id})
    return context.append(stream, [revoked], {stream: 1}, {"id": invitation_id}, organisation_id, within=mark)


def _grant(context: Context, invitation: inv.Invitation) -> tuple[list[NewEvent], dict[str, int], dict[str, Any]]:
    """The events of an administrator's or a mandate holder's grant, decided on the inviter's authority."""
    organisation_id = str(invitation.organisation_id)
    stream = org.stream(organisation_id)
    state, version = context.load(stream, org.evolve)
    command: org.Command = org.AddAdministrator(context.user_id)
    answer = {"kind": invitation.kind, "organisation_id": organisation_id, "id": organisation_id}
    if invitation.kind == "mandate":
        d = invitation.details
        mandate_id = context.new_id()
        valid_from = date.fromisoformat(d["valid_from"]) if d.get("valid_from") else context.today
        valid_until = date.fromisoformat(d["valid_until"]) if d.get("valid_until") else None
        command = org.GrantMandate(mandate_id, context.user_id, d["title"], valid_from, valid_until)
        answer["id"] = mandate_id
    changes = org.decide(state, command, invitation.invited_by, context.today)
    return [NewEvent(stream, c.type, c.payload) for c in changes], {stream: version}, answer


def _join(
    context: Context, invitation: inv.Invitation, organisation: dict[str, Any]
) -> tuple[list[NewEvent], dict[str, int], dict[str, Any]]:
    """The new organisation and its join: invited on the inviter's authority, accepted by the invitee."""
    organisation_id = context.new_id()
    create = org.CreateOrganisation(
        organisation_id,
        organisation["name"].strip(),
        organisation["country"].upper(),
        organisation["sector"],
        organisation["mission"].strip(),
        organisation.get("website") or None,
    )
    created = org.decide(None, create, context.user_id, context.today)
    as_inviter = Context(context.services, invitation.invited_by, context.today, now=context.now)
    read = prepare(as_inviter, str(invitation.coalition_id), if_match=False)
    if read.state is None:
        raise NotFound("no such coalition")
    invited = co.decide(read.state, co.InviteOrganisation(organisation_id), read.actor, context.today)
    state = read.state
    for change in invited:
        state = co.evolve(state, change) or state
    invitee = co.Actor(context.user_id, frozenset({organisation_id}))
    accepted = co.decide(state, co.AcceptInvitation(organisation_id), invitee, context.today)
    events = [NewEvent(org.stream(organisation_id), c.type, c.payload) for c in created]
    events += [NewEvent(read.stream, c.type, c.payload) for c in (*invited, *accepted)]
    expected = {**read.expected, org.stream(organisation_id): 0}
    answer = {"kind": "organisation", "organisation_id": organisation_id, "coalition_id": invitation.coalition_id}
    return events, expected, {**answer, "id": organisation_id}


def accept(context: Context, token: str, organisation: dict[str, Any] | None = None) -> dict[str, Any]:
    """Use an invitation as the signed-in invitee (whose address it was sent to): the grant it promised.

    `organisation`: for an invitation of an organisation, the new organisation's profile (name, country,
    sector, mission, website). Answers {kind, id, organisation_id, coalition_id?}.
    """
    invitation = inv.usable(inv.by_token(context.services.engine, token), context.moment)
    user = load_user(context.services.engine, context.user_id)
    if user is None or user.email != invitation.email:
        raise NotAllowed(
            "this invitation was sent to %(email)s: sign in with that address to accept it", email=invitation.email
        )
    if invitation.kind == "organisation":
        if organisation is None:
            raise Invalid("describe the new organisation to accept this invitation")
        events, expected, answer = _join(context, invitation, organisation)
    else:
        events, expected, answer = _grant(context, invitation)
    stream = inv.stream(invitation.invitation_id)
    redeemed = {"invitation_id": invitation.invitation_id, "user_id": user.user_id, "invited_by": invitation.invited_by}
    events.append(NewEvent(stream, "InvitationRedeemed", redeemed))
    if not user.verified:  # the link went to the account's address: opening it shows the address is theirs
        events.append(addresses.verified_event(user.user_id, user.email))
    now = context.moment

    def mark(connection: Connection, _recorded: Sequence[RecordedEvent]) -> None:
        inv.mark_accepted(connection, invitation.invitation_id, user.user_id, now)
        if not user.verified:
            addresses.mark_row_verified(connection, user.user_id, now)

    context.services.append(
        events,
        expected={**expected, stream: 1},
        metadata=Metadata(user.user_id, answer["organisation_id"], context.correlation_id, stream, context.request_id),
        within=mark,
    )
    return answer
