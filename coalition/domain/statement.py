"""The statement aggregate: a joint advocacy statement, its versions, signatures and endorsements.

A statement is drafted (and translated) freely, then opened: opening freezes the text under a
SHA-256 content hash, the statement's version. Organisations sign a version; an amendment makes a
new version, and earlier signatures count again only once their organisation confirms the new
text. Withdrawals are events. The deadline closes a statement by itself: every decision reads the
clock it is given (`now`), so no background job is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken, drop_none, fold
from coalition.domain.coalition import Actor, Coalition, holds, is_facilitator, member_state
from coalition.domain.statement_events import LANGUAGES, MAX_BODY, MAX_THRESHOLD, MAX_TITLE
from events.hashing import canonical_json

STATES = ("draft", "open", "closed", "published")


def stream(statement_id: str) -> str:
    """The stream holding one statement's events."""
    return f"statement-{statement_id}"


# -- state ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A title and body in one language."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Signature:
    """An organisation's signature: the version it is bound to, or withdrawn."""

    organisation_id: str
    user_id: str
    version_hash: str
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """What the rules need to know about a statement."""

    statement_id: str
    coalition_id: str
    language: str
    texts: Mapping[str, Text]  # the statement's language first, then its translations
    drafted_by: str
    drafted_for: str | None = None  # the member a non-facilitator drafted it for
    state: str = "draft"
    version: int = 0
    version_hash: str | None = None
    deadline: datetime | None = None
    threshold: int | None = None
    signatures: Mapping[str, Signature] = field(default_factory=dict)
    endorsements: Mapping[str, str] = field(default_factory=dict)  # user id -> version hash endorsed

    def phase(self, now: datetime) -> str:
        """The state as of `now`: an open statement whose deadline has passed is closed."""
        if self.state == "open" and self.deadline is not None and now >= self.deadline:
            return "closed"
        return self.state

    def counted(self) -> list[Signature]:
        """The signatures that count: not withdrawn, on the current version."""
        return [s for s in self.signatures.values() if not s.withdrawn and s.version_hash == self.version_hash]


def content_hash(language: str, texts: Mapping[str, Text]) -> str:
    """The version hash: SHA-256 over the canonical JSON of the language, titles and bodies."""
    canonical = canonical_json(
        {"language": language, "texts": {lang: {"title": t.title, "body": t.body} for lang, t in texts.items()}}
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def evolve(state: Statement | None, change: Change) -> Statement | None:
    """The statement after one of its events."""
    p = change.payload
    if change.type == "StatementDrafted":
        return Statement(
            p["statement_id"],
            p["coalition_id"],
            p["language"],
            {p["language"]: Text(p["title"], p["body"])},
            p["drafted_by"],
            p.get("organisation_id"),
        )
    if state is None:
        return None
    if change.type == "DraftRevised":  # the statement's text, perhaps now in another language
        texts = {lang: t for lang, t in state.texts.items() if lang not in (state.language, p["language"])}
        return replace(state, language=p["language"], texts={p["language"]: Text(p["title"], p["body"]), **texts})
    if change.type == "TranslationSet":
        return replace(state, texts={**state.texts, p["language"]: Text(p["title"], p["body"])})
    if change.type == "StatementOpened":
        deadline = datetime.fromisoformat(p["deadline"]) if p.get("deadline") else None
        return replace(
            state,
            state="open",
            version=p["version"],
            version_hash=p["version_hash"],
            deadline=deadline,
            threshold=p.get("threshold"),
        )
    if change.type == "StatementAmended":
        return replace(
            state,
            texts={
                state.language: Text(p["title"], p["body"]),
                **{lang: Text(t["title"], t["body"]) for lang, t in p["translations"].items()},
            },
            version=p["version"],
            version_hash=p["version_hash"],
        )
    if change.type in ("StatementSigned", "SignatureConfirmed"):
        signature = Signature(p["organisation_id"], p["user_id"], p["version_hash"])
        return replace(state, signatures={**state.signatures, signature.organisation_id: signature})
    if change.type == "SignatureWithdrawn":
        withdrawn = replace(state.signatures[p["organisation_id"]], withdrawn=True)
        return replace(state, signatures={**state.signatures, withdrawn.organisation_id: withdrawn})
    if change.type == "StatementEndorsed":
        return replace(state, endorsements={**state.endorsements, p["user_id"]: p["version_hash"]})
    if change.type == "StatementClosed":
        return replace(state, state="closed")
    if change.type == "StatementPublished":
        return replace(state, state="published")
    return state


def replay(changes: list[Change]) -> Statement | None:
    """The state after a stream of events."""
    return fold(evolve, changes)


# -- commands -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftStatement:
    statement_id: str
    title: str
    body: str
    language: str
    organisation_id: str | None = None  # for a member's draft: the organisation the drafter acts for


@dataclass(frozen=True, slots=True)
class ReviseDraft:
    title: str | None = None
    body: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class SetTranslation:
    language: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class OpenStatement:
    deadline: datetime | None = None
    threshold: int | None = None


@dataclass(frozen=True, slots=True)
class AmendStatement:
    title: str | None = None
    body: str | None = None
    translations: Mapping[str, Text] | None = None  # languages given replace theirs; others stay


@dataclass(frozen=True, slots=True)
class SignStatement:
    organisation_id: str
    signer_name: str
    signer_title: str  # the mandate's title unless the signer gave another
    mandated: bool = False  # the user holds a valid mandate of the organisation today (the handler reads it)
    version_hash: str | None = None  # the version the signer read; refused if the text has changed since


@dataclass(frozen=True, slots=True)
class ConfirmSignature:
    organisation_id: str
    signer_name: str
    signer_title: str
    mandated: bool = False
    version_hash: str | None = None  # the version whose changes the signer read


@dataclass(frozen=True, slots=True)
class WithdrawSignature:
    organisation_id: str
    reason: str
    mandated: bool = False


@dataclass(frozen=True, slots=True)
class EndorseStatement:
    name: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class CloseStatement:
    pass


@dataclass(frozen=True, slots=True)
class PublishStatement:
    pass


# -- decisions ------------------------------------------------------------------------------------


def may_draft(coalition: Coalition, actor: Actor, organisation_id: str | None) -> bool:
    """Facilitators draft; a member's user drafts too when the agreement allows members to."""
    if is_facilitator(coalition, actor):
        return True
    return (
        coalition.agreement.members_may_draft
        and organisation_id is not None
        and organisation_id in actor.acts_for
        and member_state(coalition, organisation_id) == "active"
    )


def _check_text(title: str, body: str, language: str) -> None:
    if language not in LANGUAGES:
        raise RuleBroken(f"{language!r} is not an ISO 639-1 language code (such as en, ro, pl)")
    if not title.strip() or not body.strip():
        raise RuleBroken("a statement needs a title and a body")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise RuleBroken(f"a title holds at most {MAX_TITLE} characters and a body at most {MAX_BODY}")


def _ids(state: Statement) -> dict[str, str]:
    return {"coalition_id": state.coalition_id, "statement_id": state.statement_id}


def _require_phase(state: Statement, now: datetime, doing: str, *phases: str) -> None:
    phase = state.phase(now)
    if phase not in phases:
        closed_at = f" at its deadline, {state.deadline.isoformat()}" if phase != state.state else ""
        raise RuleBroken(f"the statement is {phase}{closed_at}: you can only {doing} while it is {' or '.join(phases)}")


def _draft(coalition: Coalition, command: DraftStatement, actor: Actor) -> list[Change]:
    if not may_draft(coalition, actor, command.organisation_id):
        raise NotAllowed(
            "only facilitators may draft statements"
            + (
                ""
                if not coalition.agreement.members_may_draft
                else ", or users of an active member naming the organisation_id they act for"
            )
        )
    _check_text(command.title, command.body, command.language)
    return [
        Change(
            "StatementDrafted",
            drop_none(
                {
                    "coalition_id": coalition.coalition_id,
                    "statement_id": command.statement_id,
                    "title": command.title,
                    "body": command.body,
                    "language": command.language,
                    "drafted_by": actor.user_id,
                    "organisation_id": None if is_facilitator(coalition, actor) else command.organisation_id,
                }
            ),
        )
    ]


def _require_editor(coalition: Coalition, state: Statement, actor: Actor) -> None:
    """Facilitators edit drafts; so does the member's user who drafted it, while they still may draft for it."""
    drafter = (
        actor.user_id == state.drafted_by
        and state.drafted_for is not None
        and may_draft(coalition, actor, state.drafted_for)
    )
    if not (is_facilitator(coalition, actor) or drafter):
        raise NotAllowed("only facilitators and the statement's drafter may edit it")


def _revise(coalition: Coalition, state: Statement, command: ReviseDraft, actor: Actor, now: datetime) -> list[Change]:
    _require_editor(coalition, state, actor)
    _require_phase(state, now, "edit the draft", "draft")
    current = state.texts[state.language]
    title, body = command.title or current.title, command.body or current.body
    language = command.language or state.language
    _check_text(title, body, language)
    if language != state.language and language in state.texts:
        raise RuleBroken(f"the statement already has a {language} translation: change that one instead")
    if (title, body, language) == (current.title, current.body, state.language):
        raise RuleBroken("nothing to change: the draft already says this")
    return [Change("DraftRevised", {**_ids(state), "title": title, "body": body, "language": language})]


def _translate(
    coalition: Coalition, state: Statement, command: SetTranslation, actor: Actor, now: datetime
) -> list[Change]:
    _require_editor(coalition, state, actor)
    _require_phase(state, now, "add or edit translations (amend an open statement instead)", "draft")
    _check_text(command.title, command.body, command.language)
    if command.language == state.language:
        raise RuleBroken(f"{command.language} is the statement's own language: edit the draft instead")
    if state.texts.get(command.language) == Text(command.title, command.body):
        raise RuleBroken("nothing to change: the translation already says this")
    return [
        Change(
            "TranslationSet",
            {**_ids(state), "language": command.language, "title": command.title, "body": command.body},
        )
    ]


def _open(coalition: Coalition, state: Statement, command: OpenStatement, actor: Actor, now: datetime) -> list[Change]:
    if not is_facilitator(coalition, actor):
        raise NotAllowed("only facilitators may open a statement for signature")
    _require_phase(state, now, "open a statement", "draft")
    if command.deadline is not None and command.deadline <= now:
        raise RuleBroken(f"the deadline must be in the future (it is now {now.isoformat(timespec='seconds')})")
    if command.threshold is not None and not 1 <= command.threshold <= MAX_THRESHOLD:
        raise RuleBroken(f"the threshold is a number of organisations from 1 to {MAX_THRESHOLD}")
    return [
        Change(
            "StatementOpened",
            drop_none(
                {
                    **_ids(state),
                    "version": 1,
                    "version_hash": content_hash(state.language, state.texts),
                    "deadline": command.deadline.isoformat() if command.deadline else None,
                    "threshold": command.threshold,
                }
            ),
        )
    ]


def _amend(
    coalition: Coalition, state: Statement, command: AmendStatement, actor: Actor, now: datetime
) -> list[Change]:
    if not is_facilitator(coalition, actor):
        raise NotAllowed("only facilitators may amend a statement")
    _require_phase(state, now, "amend a statement", "open")
    current = state.texts[state.language]
    title, body = command.title or current.title, command.body or current.body
    _check_text(title, body, state.language)
    translations = {lang: t for lang, t in state.texts.items() if lang != state.language}
    for lang, text in (command.translations or {}).items():
        if lang == state.language:
            raise RuleBroken(f"{lang} is the statement's own language: amend its title and body instead")
        _check_text(text.title, text.body, lang)
        translations[lang] = text
    texts = {state.language: Text(title, body), **dict(sorted(translations.items()))}
    version_hash = content_hash(state.language, texts)
    if version_hash == state.version_hash:
        raise RuleBroken("nothing to amend: the statement already says this")
    return [
        Change(
            "StatementAmended",
            {
                **_ids(state),
                "version": state.version + 1,
                "version_hash": version_hash,
                "previous_hash": state.version_hash,
                "title": title,
                "body": body,
                "translations": {lang: {"title": t.title, "body": t.body} for lang, t in translations.items()},
            },
        )
    ]


def _require_signer(coalition: Coalition, organisation_id: str, mandated: bool, doing: str) -> None:
    if not mandated:
        raise NotAllowed(f"only a user with a valid signing mandate of organisation {organisation_id} may {doing}")
    now = member_state(coalition, organisation_id)
    if now != "active":
        raise RuleBroken(f"only active members may {doing}: organisation {organisation_id} is {now or 'not a member'}")


def _read_current(state: Statement, command: SignStatement | ConfirmSignature) -> None:
    """A signer who names the version they read signs that one or nothing: never a text they have not seen."""
    if command.version_hash is not None and command.version_hash != state.version_hash:
        raise RuleBroken(
            f"the text was amended after you read it (you read version {command.version_hash[:12]}, "
            f"it is now {str(state.version_hash)[:12]}): read the new version, then sign it"
        )


def _signer(state: Statement, command: SignStatement | ConfirmSignature, actor: Actor) -> dict[str, Any]:
    name, title = command.signer_name.strip(), command.signer_title.strip()
    if not name or not title:
        raise RuleBroken("a signature needs the signer's name and title")
    return {
        **_ids(state),
        "organisation_id": command.organisation_id,
        "user_id": actor.user_id,
        "signer_name": name,
        "signer_title": title,
        "version_hash": state.version_hash,
    }


def _sign(coalition: Coalition, state: Statement, command: SignStatement, actor: Actor, now: datetime) -> list[Change]:
    _require_phase(state, now, "sign", "open")
    _require_signer(coalition, command.organisation_id, command.mandated, "sign for it")
    _read_current(state, command)
    held = state.signatures.get(command.organisation_id)
    if held is not None and not held.withdrawn and held.version_hash == state.version_hash:
        return []  # one signature per organisation per version: signing again changes nothing
    return [Change("StatementSigned", _signer(state, command, actor))]


def _confirm(
    coalition: Coalition, state: Statement, command: ConfirmSignature, actor: Actor, now: datetime
) -> list[Change]:
    _require_phase(state, now, "confirm a signature", "open")
    _require_signer(coalition, command.organisation_id, command.mandated, "confirm its signature")
    _read_current(state, command)
    held = state.signatures.get(command.organisation_id)
    if held is None or held.withdrawn:
        raise NotFound(f"organisation {command.organisation_id} has no signature to confirm: sign instead")
    if held.version_hash == state.version_hash:
        raise RuleBroken(f"organisation {command.organisation_id} has already signed the current version")
    return [Change("SignatureConfirmed", _signer(state, command, actor))]


def _withdraw(
    coalition: Coalition, state: Statement, command: WithdrawSignature, actor: Actor, now: datetime
) -> list[Change]:
    _require_phase(state, now, "withdraw a signature", "open")
    if not command.mandated:
        raise NotAllowed(
            f"only a user with a valid signing mandate of organisation {command.organisation_id} "
            "may withdraw its signature"
        )
    held = state.signatures.get(command.organisation_id)
    if held is None or held.withdrawn:
        raise NotFound(f"organisation {command.organisation_id} has no signature on this statement to withdraw")
    if not command.reason.strip():
        raise RuleBroken("a reason is required to withdraw a signature")
    return [
        Change(
            "SignatureWithdrawn",
            {
                **_ids(state),
                "organisation_id": command.organisation_id,
                "user_id": actor.user_id,
                "reason": command.reason.strip(),
            },
        )
    ]


def _endorse(
    coalition: Coalition, state: Statement, command: EndorseStatement, actor: Actor, now: datetime
) -> list[Change]:
    _require_phase(state, now, "endorse", "open")
    members = {k: m.state for k, m in coalition.members.items()}
    held = [
        r
        for r in coalition.roles.values()
        if r.role == "endorser" and holds([r], members, actor, "endorser", r.organisation_id)
    ]
    if not held:
        raise NotAllowed("only the coalition's endorsers may add a personal endorsement")
    if state.endorsements.get(actor.user_id) == state.version_hash:
        return []  # already endorsed this version
    if not command.name.strip():
        raise RuleBroken("an endorsement needs the endorser's name")
    return [
        Change(
            "StatementEndorsed",
            drop_none(
                {
                    **_ids(state),
                    "user_id": actor.user_id,
                    "name": command.name.strip(),
                    "title": command.title.strip() if command.title and command.title.strip() else None,
                    "organisation_id": held[0].organisation_id,
                    "version_hash": state.version_hash,
                }
            ),
        )
    ]


def _closing(state: Statement, now: datetime) -> list[Change]:
    """The close an open statement is owed when its deadline has passed, else nothing."""
    if state.state == "open" and state.phase(now) == "closed":
        return [Change("StatementClosed", {**_ids(state), "reason": "deadline"})]
    return []


def _close(
    coalition: Coalition, state: Statement, command: CloseStatement, actor: Actor, now: datetime
) -> list[Change]:
    if not is_facilitator(coalition, actor):
        raise NotAllowed("only facilitators may close a statement")
    if owed := _closing(state, now):
        return owed
    _require_phase(state, now, "close a statement", "open")
    return [Change("StatementClosed", {**_ids(state), "reason": "facilitator"})]


def _publish(
    coalition: Coalition, state: Statement, command: PublishStatement, actor: Actor, now: datetime
) -> list[Change]:
    if not is_facilitator(coalition, actor):
        raise NotAllowed("only facilitators may publish a statement")
    _require_phase(state, now, "publish a statement (close it first)", "closed")
    counted = len(state.counted())
    needed = state.threshold or 1
    if counted < needed:
        raise RuleBroken(
            f"the statement needs {needed} signing organisation{'s' if needed != 1 else ''} "
            f"to be published and has {counted}"
        )
    return [
        *_closing(state, now),
        Change("StatementPublished", {**_ids(state), "version_hash": state.version_hash, "signatures": counted}),
    ]


DECISIONS: dict[type, Callable[..., list[Change]]] = {
    ReviseDraft: _revise,
    SetTranslation: _translate,
    OpenStatement: _open,
    AmendStatement: _amend,
    SignStatement: _sign,
    ConfirmSignature: _confirm,
    WithdrawSignature: _withdraw,
    EndorseStatement: _endorse,
    CloseStatement: _close,
    PublishStatement: _publish,
}


def decide(
    coalition: Coalition | None, state: Statement | None, command: Any, actor: Actor, now: datetime
) -> list[Change]:
    """The events a statement command produces, or a DomainError saying why it is refused."""
    if coalition is None:
        raise NotFound("no such coalition")
    if isinstance(command, DraftStatement):
        if state is not None:
            raise RuleBroken(f"statement {command.statement_id} already exists")
        return _draft(coalition, command, actor)
    if state is None or state.coalition_id != coalition.coalition_id:
        raise NotFound("no such statement in this coalition")
    return DECISIONS[type(command)](coalition, state, command, actor, now)
