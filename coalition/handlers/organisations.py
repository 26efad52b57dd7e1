"""Organisation use cases: create one, add and remove administrators, grant and revoke signing mandates."""

from __future__ import annotations

from datetime import date
from typing import Any

from coalition.accounts import find_user, is_closed
from coalition.domain import organisation as org
from coalition.domain.base import NotFound, RuleBroken
from coalition.domain.policy import people
from coalition.handlers import Context, invitations


def user_id_for(context: Context, email: str) -> str:
    """The id of the account with this e-mail address, or NotFound saying what to do."""
    user = find_user(context.services.engine, email)
    if user is None:
        raise NotFound("no account uses the e-mail address %(email)s: they must register first", email=email.strip())
    if is_closed(context.services.engine, user.user_id):
        raise RuleBroken("the account of %(email)s is closed: it can hold no place any more", email=email.strip())
    return user.user_id


def _run(context: Context, organisation_id: str, command: org.Command, answer: dict[str, Any]) -> dict[str, Any]:
    stream = org.stream(organisation_id)
    state, version = context.load(stream, org.evolve)
    context.check_version(stream, version)
    changes = org.decide(state, command, context.user_id, context.today)
    return context.append(stream, changes, {stream: version}, answer, organisation_id)


def create_organisation(
    context: Context,
    *,
    name: str,
    country: str,
    sector: str,
    mission: str,
    website: str | None = None,
    registration_number: str | None = None,
) -> dict[str, Any]:
    """Create an organisation whose first administrator is the acting user: {id}.

    Its name and registration number are claimed in its country in the append's transaction
    (`coalition.infra.claims`): one already held is refused (409) naming the organisation holding it.
    """
    organisation_id = context.new_id()
    number = registration_number.strip() if registration_number and registration_number.strip() else None
    command = org.CreateOrganisation(organisation_id, name.strip(), country.upper(), sector, mission, website, number)
    return _run(context, organisation_id, command, {"id": organisation_id})


def add_administrator(context: Context, organisation_id: str, *, email: str, locale: str = "en") -> dict[str, Any]:
    """Make another registered user an administrator: {id, user_id}; invite an address without an account:
    {invitation: {id, email, expires_at}} (`locale`: the e-mail's language, unless the inviter chose one)."""
    if find_user(context.services.engine, email) is None:
        return invitations.invite_administrator(context, organisation_id, email=email, locale=locale)
    user_id = user_id_for(context, email)
    return _run(context, organisation_id, org.AddAdministrator(user_id), {"id": organisation_id, "user_id": user_id})


def remove_administrator(context: Context, organisation_id: str, user_id: str) -> dict[str, Any]:
    """Stop a person administering the organisation (administrators only; never its last one): {id, user_id}."""
    command = org.RemoveAdministrator(user_id)
    return _run(context, organisation_id, command, {"id": organisation_id, "user_id": user_id})


def grant_mandate(
    context: Context,
    organisation_id: str,
    *,
    email: str,
    title: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
    locale: str = "en",
) -> dict[str, Any]:
    """Let a user act and sign for the organisation, from today unless said otherwise: {id}; invite an address
    without an account instead: {invitation: {id, email, expires_at}}. The holder's address must be verified
    (`policy.holder_refusal`); an invitation's link verifies it when it is accepted."""
    if find_user(context.services.engine, email) is None:
        return invitations.invite_mandate_holder(
            context,
            organisation_id,
            email=email,
            title=title,
            locale=locale,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    holder = find_user(context.services.engine, email)
    refusal = people.holder_refusal(holder is not None and holder.verified, email.strip())
    if refusal is not None:
        raise refusal
    user_id = user_id_for(context, email)
    mandate_id = context.new_id()
    command = org.GrantMandate(mandate_id, user_id, title.strip(), valid_from or context.today, valid_until)
    return _run(context, organisation_id, command, {"id": mandate_id, "user_id": user_id})


def revoke_mandate(context: Context, organisation_id: str, mandate_id: str) -> dict[str, Any]:
    """End a signing mandate from today: {id}."""
    return _run(context, organisation_id, org.RevokeMandate(mandate_id), {"id": mandate_id})
