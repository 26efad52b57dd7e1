"""Statement use cases: draft, translate, open, amend, sign, confirm, withdraw, endorse, close, publish.

Each command reads the statement, its coalition (who facilitates, who is an active member, who
holds which role) and the organisations it relies on (the one signing, and those of the user's
roles), decides at the request's instant, and appends to the statement's stream with the version
of every stream it read: a mandate revoked or a member suspended meanwhile is a conflict, never a
signature made on stale facts. A signature, confirmation or withdrawal relies on the statement's
stream more weakly: only on nothing but other organisations' signatures and any endorsements having
landed since its read (`events.AppendCondition`, `statement_signing.independent_of`), so signers do not
conflict; an endorsement likewise on nothing but signatures and other people's endorsements, so endorsers
do not conflict with each other or with signers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from coalition.accounts import load_user, names_of
from coalition.domain import statement as st
from coalition.domain.base import Change, NotFound
from coalition.domain.policy import people
from coalition.handlers import Context
from coalition.handlers.reading import acting_for, prepare
from events import AppendCondition

#: Commands decided on the state of the organisation they name (its mandates), read and relied on.
_FOR_AN_ORGANISATION = (st.SignStatement, st.ConfirmSignature, st.WithdrawSignature)


def _run(context: Context, coalition_id: str, statement_id: str, command: st.Command, **extra: Any) -> dict[str, Any]:
    """Decide a statement command on fresh state and append it relying on every stream read.

    The answer (with `extra` in it) is complete before the append, because the append keeps it
    for a retry of the same request to be given again, whole.
    """
    stream = st.stream(statement_id)
    state, version = context.load(stream, st.evolve, relied=True)  # the append relies on it (version or condition)
    context.check_version(stream, version)
    # The member a draft was written for decides whether its drafter may still edit it.
    drafted_for = {state.drafted_for} if state is not None and state.drafted_for else set()
    read = prepare(context, coalition_id, command, if_match=False, also=drafted_for, relied=True)
    named = getattr(command, "organisation_id", None) if isinstance(command, _FOR_AN_ORGANISATION) else None
    if named is not None and read.organisations.get(named) is None:
        raise NotFound("no such organisation: %(organisation)s", organisation=named)
    organisation = read.organisations.get(named) if named is not None else None
    changes = st.decide(read.state, state, command, read.actor, context.moment, organisation)
    answer = {"id": statement_id, "version": version + len(changes), **extra}
    if not changes:  # already done (a repeated signature or endorsement): nothing to record
        return answer
    acting = acting_for(read.state, command, read.actor)
    independent = st.independent_of(command, read.actor)
    if independent is None or context.if_match is not None:  # a client's If-Match asks for the exact version
        return context.append(stream, changes, {**read.expected, stream: version}, answer, acting)
    # What this decision never read may land meanwhile (`independent_of`): for a signature, other organisations'
    # signatures and any endorsement; for an endorsement, any signature and other people's endorsements.
    commutes = AppendCondition(stream, version, st.OTHER_ORGANISATIONS, *independent)
    return context.append(stream, changes, read.expected, answer, acting, conditions=(commutes,))


def draft(
    context: Context, coalition_id: str, *, title: str, body: str, language: str, organisation_id: str | None = None
) -> dict[str, Any]:
    """Draft a statement (facilitators; members' users too when the agreement allows): {id}."""
    statement_id = context.new_id()
    command = st.DraftStatement(statement_id, title.strip(), body.strip(), language, organisation_id)
    return _run(context, coalition_id, statement_id, command)


def revise(
    context: Context,
    coalition_id: str,
    statement_id: str,
    *,
    title: str | None = None,
    body: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Edit the draft; every revision stays in the log."""
    command = st.ReviseDraft(title.strip() if title else None, body.strip() if body else None, language)
    return _run(context, coalition_id, statement_id, command)


def translate(
    context: Context, coalition_id: str, statement_id: str, language: str, *, title: str, body: str
) -> dict[str, Any]:
    """Add or edit the draft's translation into `language`."""
    return _run(context, coalition_id, statement_id, st.SetTranslation(language, title.strip(), body.strip()))


def open_for_signature(
    context: Context,
    coalition_id: str,
    statement_id: str,
    *,
    deadline: datetime | None = None,
    threshold: int | None = None,
) -> dict[str, Any]:
    """Freeze the text under its version hash and open it for signature."""
    return _run(context, coalition_id, statement_id, st.OpenStatement(deadline, threshold))


def amend(
    context: Context,
    coalition_id: str,
    statement_id: str,
    *,
    title: str | None = None,
    body: str | None = None,
    translations: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """A new version of an open statement; earlier signatures then need re-confirmation."""
    texts = (
        None
        if translations is None
        else {language: st.Text(text["title"].strip(), text["body"].strip()) for language, text in translations.items()}
    )
    command = st.AmendStatement(title.strip() if title else None, body.strip() if body else None, texts)
    return _run(context, coalition_id, statement_id, command)


def _verified(context: Context, doing: str) -> None:
    """Refuse a signer whose e-mail address is not verified (`policy.verified_refusal`)."""
    verified = context.verified
    if verified is None:  # authentication did not say (a command not from a request): look it up
        user = load_user(context.services.engine, context.user_id)
        verified = user is not None and user.verified
    refusal = people.verified_refusal(verified, doing)
    if refusal is not None:
        raise refusal


def account_name(context: Context) -> str:
    """The acting person's account name: what is printed for a signer or an endorser (never a name typed when
    signing, so nobody signs as someone else).

    The accounts row's name is the one the log's UserRegistered event records: both are written in one
    transaction (`coalition.accounts.register`) and neither changes after, save by erasure (which ends every
    session and token first). Authentication has just read that row (`Context.name`); a command not from a
    request reads it, and for a person without one (events imported without their account) folds their stream.
    (Folding it for every signature cost a cold read and the opening of a sealed field: each signer signs once,
    so it was never cached; docs/benchmarks.md.)"""
    if context.name is not None:
        return context.name
    found = names_of(context.services.engine, {context.user_id}).get(context.user_id)
    if found is not None:
        return found
    registered, _ = context.load(f"user-{context.user_id}", _registered_name)
    return registered or ""


def _registered_name(name: str | None, change: Change) -> str | None:
    """The name a person's stream's UserRegistered event records (a fold: the first such event's)."""
    if name is None and change.type == "UserRegistered":
        return str(change.payload["name"])
    return name


def sign(
    context: Context,
    coalition_id: str,
    statement_id: str,
    *,
    organisation_id: str,
    title: str | None = None,
    version_hash: str | None = None,
) -> dict[str, Any]:
    """Sign the current version (the one read, if `version_hash` names it) for an organisation you hold a
    signing mandate of, under your account's name (`account_name`)."""
    _verified(context, people.SIGN)
    command = st.SignStatement(
        organisation_id, account_name(context).strip(), (title or "").strip(), version_hash=version_hash
    )
    return _run(context, coalition_id, statement_id, command, organisation_id=organisation_id)


def confirm(
    context: Context,
    coalition_id: str,
    statement_id: str,
    organisation_id: str,
    *,
    title: str | None = None,
    version_hash: str | None = None,
) -> dict[str, Any]:
    """Confirm an organisation's signature on the amended (current) version (the one read, if named), under your
    account's name."""
    _verified(context, people.CONFIRM)
    command = st.ConfirmSignature(
        organisation_id, account_name(context).strip(), (title or "").strip(), version_hash=version_hash
    )
    return _run(context, coalition_id, statement_id, command, organisation_id=organisation_id)


def withdraw(
    context: Context, coalition_id: str, statement_id: str, organisation_id: str, *, reason: str
) -> dict[str, Any]:
    """Withdraw an organisation's signature, with a reason; the log keeps that it had signed."""
    command = st.WithdrawSignature(organisation_id, reason.strip())
    return _run(context, coalition_id, statement_id, command, organisation_id=organisation_id)


def endorse(context: Context, coalition_id: str, statement_id: str, *, title: str | None = None) -> dict[str, Any]:
    """An endorser adds their personal endorsement (listed apart from the organisations), under their account's
    name."""
    return _run(context, coalition_id, statement_id, st.EndorseStatement(account_name(context).strip(), title))


def close(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Close signing before the deadline (facilitators)."""
    return _run(context, coalition_id, statement_id, st.CloseStatement())


def publish(context: Context, coalition_id: str, statement_id: str, place: str = "") -> dict[str, Any]:
    """Publish a closed statement whose threshold is met (facilitators), issued at `place` if one is named."""
    return _run(context, coalition_id, statement_id, st.PublishStatement(place))
