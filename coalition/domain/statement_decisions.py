"""The statement aggregate's decisions, one function per command; each asks `coalition.domain.policy`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from coalition.domain import policy
from coalition.domain.base import N_, Change, DomainError, Invalid, NotAllowed, RuleBroken, drop_none
from coalition.domain.coalition_state import Actor, Coalition
from coalition.domain.dates import moment_in_range
from coalition.domain.statement_commands import (
    AmendStatement,
    CloseStatement,
    DraftStatement,
    EndorseStatement,
    OpenStatement,
    PublishStatement,
    ReviseDraft,
    SetTranslation,
)
from coalition.domain.statement_events import LANGUAGES, MAX_BODY, MAX_THRESHOLD, MAX_TITLE
from coalition.domain.statement_state import Statement, Text, content_hash


def _raise(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _check_text(title: str, body: str, language: str) -> None:
    if language not in LANGUAGES:
        raise RuleBroken("%(language)r is not an ISO 639-1 language code (such as en, ro, pl)", language=language)
    if not title.strip() or not body.strip():
        raise RuleBroken("a statement needs a title and a body")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise RuleBroken(
            "a title holds at most %(title)s characters and a body at most %(body)s", title=MAX_TITLE, body=MAX_BODY
        )


def _ids(state: Statement) -> dict[str, str]:
    return {"coalition_id": state.coalition_id, "statement_id": state.statement_id}


def draft(coalition: Coalition, command: DraftStatement, actor: Actor) -> list[Change]:
    """A new statement's draft, if the actor may draft (for the organisation the command names)."""
    if not policy.may_draft(coalition, actor, command.organisation_id):
        if coalition.agreement.members_may_draft:
            raise NotAllowed(
                "only facilitators may draft statements, "
                "or users of an active member naming the organisation_id they act for"
            )
        raise NotAllowed("only facilitators may draft statements")
    _check_text(command.title, command.body, command.language)
    facilitator = policy.is_facilitator(coalition, actor)
    payload = {
        "coalition_id": coalition.coalition_id,
        "statement_id": command.statement_id,
        "title": command.title,
        "body": command.body,
        "language": command.language,
        "drafted_by": actor.user_id,
        "organisation_id": None if facilitator else command.organisation_id,
    }
    return [Change("StatementDrafted", drop_none(payload))]


def _editing(coalition: Coalition, state: Statement, actor: Actor, now: datetime, doing: str) -> None:
    _raise(policy.edit_refusal(coalition, actor, state.drafted_by, state.drafted_for))
    _raise(policy.phase_refusal(state, now, doing, "draft"))


def _revise(coalition: Coalition, state: Statement, command: ReviseDraft, actor: Actor, now: datetime) -> list[Change]:
    _editing(coalition, state, actor, now, N_("edit the draft"))
    current = state.texts[state.language]
    title, body = command.title or current.title, command.body or current.body
    language = command.language or state.language
    _check_text(title, body, language)
    if language != state.language and language in state.texts:
        raise RuleBroken(
            "the statement already has a %(language)s translation: change that one instead", language=language
        )
    if (title, body, language) == (current.title, current.body, state.language):
        raise RuleBroken("nothing to change: the draft already says this")
    return [Change("DraftRevised", {**_ids(state), "title": title, "body": body, "language": language})]


def _translate(
    coalition: Coalition, state: Statement, command: SetTranslation, actor: Actor, now: datetime
) -> list[Change]:
    _editing(coalition, state, actor, now, N_("add or edit translations (amend an open statement instead)"))
    _check_text(command.title, command.body, command.language)
    if command.language == state.language:
        raise RuleBroken(
            "%(language)s is the statement's own language: edit the draft instead", language=command.language
        )
    if state.texts.get(command.language) == Text(command.title, command.body):
        raise RuleBroken("nothing to change: the translation already says this")
    text = {"language": command.language, "title": command.title, "body": command.body}
    return [Change("TranslationSet", {**_ids(state), **text})]


def _open(coalition: Coalition, state: Statement, command: OpenStatement, actor: Actor, now: datetime) -> list[Change]:
    _raise(policy.facilitator_refusal(coalition, actor, "open"))
    _raise(policy.phase_refusal(state, now, N_("open a statement"), "draft"))
    if command.deadline is not None and not moment_in_range(command.deadline):
        raise Invalid("the deadline must be between 1900-01-01 and 2200-12-31 (UTC)")
    if command.deadline is not None and command.deadline <= now:
        raise RuleBroken(
            "the deadline must be in the future (it is now %(now)s)", now=now.isoformat(timespec="seconds")
        )
    if command.threshold is not None and not 1 <= command.threshold <= MAX_THRESHOLD:
        raise RuleBroken("the threshold is a number of organisations from 1 to %(most)s", most=MAX_THRESHOLD)
    payload = {
        **_ids(state),
        "version": 1,
        "version_hash": content_hash(state.language, state.texts),
        "deadline": command.deadline.isoformat() if command.deadline else None,
        "threshold": command.threshold,
    }
    return [Change("StatementOpened", drop_none(payload))]


def _amend(
    coalition: Coalition, state: Statement, command: AmendStatement, actor: Actor, now: datetime
) -> list[Change]:
    _raise(policy.facilitator_refusal(coalition, actor, "amend"))
    _raise(policy.phase_refusal(state, now, N_("amend a statement"), "open"))
    current = state.texts[state.language]
    title, body = command.title or current.title, command.body or current.body
    _check_text(title, body, state.language)
    translations = {lang: t for lang, t in state.texts.items() if lang != state.language}
    for lang, text in (command.translations or {}).items():
        if lang == state.language:
            raise RuleBroken(
                "%(language)s is the statement's own language: amend its title and body instead", language=lang
            )
        _check_text(text.title, text.body, lang)
        translations[lang] = text
    texts = {state.language: Text(title, body), **dict(sorted(translations.items()))}
    version_hash = content_hash(state.language, texts)
    if version_hash == state.version_hash:
        raise RuleBroken("nothing to amend: the statement already says this")
    payload = {
        **_ids(state),
        "version": state.version + 1,
        "version_hash": version_hash,
        "previous_hash": state.version_hash,
        "title": title,
        "body": body,
        "translations": {lang: {"title": t.title, "body": t.body} for lang, t in translations.items()},
    }
    return [Change("StatementAmended", payload)]


def _endorse(
    coalition: Coalition, state: Statement, command: EndorseStatement, actor: Actor, now: datetime
) -> list[Change]:
    _raise(policy.endorse_refusal(coalition, state, now, actor))
    if state.endorsements.get(actor.user_id) == state.version_hash:
        return []  # already endorsed this version
    if not command.name.strip():
        raise RuleBroken("an endorsement needs the endorser's name")
    payload = {
        **_ids(state),
        "user_id": actor.user_id,
        "name": command.name.strip(),
        "title": command.title.strip() if command.title and command.title.strip() else None,
        "organisation_id": policy.is_endorser(coalition, actor),
        "version_hash": state.version_hash,
    }
    return [Change("StatementEndorsed", drop_none(payload))]


def _closing(state: Statement, now: datetime) -> list[Change]:
    """The close an open statement is owed when its deadline has passed, else nothing."""
    if state.state == "open" and state.phase(now) == "closed":
        return [Change("StatementClosed", {**_ids(state), "reason": "deadline"})]
    return []


def _close(
    coalition: Coalition, state: Statement, command: CloseStatement, actor: Actor, now: datetime
) -> list[Change]:
    _raise(policy.facilitator_refusal(coalition, actor, "close"))
    if owed := _closing(state, now):
        return owed
    _raise(policy.phase_refusal(state, now, N_("close a statement"), "open"))
    return [Change("StatementClosed", {**_ids(state), "reason": "facilitator"})]


def _publish(
    coalition: Coalition, state: Statement, command: PublishStatement, actor: Actor, now: datetime
) -> list[Change]:
    _raise(policy.facilitator_refusal(coalition, actor, "publish"))
    _raise(policy.phase_refusal(state, now, N_("publish a statement (close it first)"), "closed"))
    counted = len(state.counted({key: member.state for key, member in coalition.members.items()}))
    _raise(policy.publish_threshold_refusal(counted, state.threshold))
    place = {"place": command.place.strip()} if command.place.strip() else {}
    published = {**_ids(state), "version_hash": state.version_hash, "signatures": counted, **place}
    return [*_closing(state, now), Change("StatementPublished", published)]


DECISIONS: dict[type, Callable[..., list[Change]]] = {
    ReviseDraft: _revise,
    SetTranslation: _translate,
    OpenStatement: _open,
    AmendStatement: _amend,
    EndorseStatement: _endorse,
    CloseStatement: _close,
    PublishStatement: _publish,
}
