"""The statement aggregate's state: its texts, version, signatures and endorsements, and `evolve`.

Opening freezes the text under a SHA-256 content hash, the statement's version; an amendment makes
a new version. The phase and which signatures count are the policy's (`coalition.domain.policy`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from coalition.domain import policy
from coalition.domain.base import Change, fold
from coalition.domain.dates import readable_moment
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
        """The state as of `now` (see `policy.phase`)."""
        return policy.phase(self.state, self.deadline, now)

    def counted(self, member_states: Mapping[str, str] | None = None) -> list[Signature]:
        """The signatures that count (see `policy.counts`), given the signing organisations' membership states."""
        return policy.counted(self.signatures.values(), self.version_hash, member_states)


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
        deadline = readable_moment(datetime.fromisoformat(p["deadline"])) if p.get("deadline") else None
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
