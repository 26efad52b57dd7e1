"""Statements as versioned rows: their text and state, every frozen version, signatures, endorsements.

Signature rows keep the position and chain hash of the event that made them count (the signing
or the re-confirming), which the PDF's certificate page prints and verification checks. As with
the coalition rows, "as of" reads the same tables at an earlier position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, Text, select
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata
from projections.versioned import POSITION, Versioned, valid_at, version_columns

statements = Table(
    "statements",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("coalition_id", String(64), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(20), nullable=False),  # draft, open, closed, published (open past deadline reads closed)
    Column("version", Integer, nullable=False),  # 0 while a draft
    Column("version_hash", String(64)),
    Column("deadline", String(32)),
    Column("threshold", Integer),
    Column("drafted_by", String(64), nullable=False),
    Column("drafted_for", String(64)),  # the member a non-facilitator drafted it for (None: a facilitator's draft)
    Column("drafted_at", String(32), nullable=False),
    Column("opened_position", POSITION),
    Column("changed_at", String(32), nullable=False),
    Column("close_reason", String(20)),
    *version_columns(),
)

translations = Table(
    "statement_translations",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    *version_columns(),
)

versions = Table(  # each frozen text, kept whole for diffs and for PDFs of any version
    "statement_versions",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("version_hash", String(64), nullable=False),
    Column("texts", Text, nullable=False),  # JSON {language: {title, body}}, the statement's language first
    Column("position", POSITION, nullable=False),
    Column("recorded_at", String(32), nullable=False),
)

signatures = Table(
    "statement_signatures",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("organisation_id", String(64), primary_key=True, index=True),
    Column("coalition_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("signer_name", String(200), nullable=False),
    Column("signer_title", String(200), nullable=False),
    Column("version_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # signed or withdrawn
    Column("signed_at", String(32), nullable=False),  # when the counting event (sign or confirm) was recorded
    Column("first_signed_at", String(32), nullable=False),
    Column("event_position", POSITION, nullable=False),
    Column("event_hash", String(64), nullable=False),
    Column("reason", Text),  # why it was withdrawn
    *version_columns(),
    Index("ix_statement_signatures_listing", "statement_id", "first_signed_at", "organisation_id"),  # keyset pages
    Index("ix_statement_signatures_changes", "statement_id", "from_position"),  # the last change of a statement's
)

endorsements = Table(
    "statement_endorsements",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("title", String(200)),
    Column("organisation_id", String(64), nullable=False),
    Column("version_hash", String(64), nullable=False),
    Column("endorsed_at", String(32), nullable=False),
    Column("event_position", POSITION, nullable=False),
    Column("event_hash", String(64), nullable=False),
    *version_columns(),
)

STATEMENTS = Versioned(statements, "statement_id")
TRANSLATIONS = Versioned(translations, "statement_id", "language")
SIGNATURES = Versioned(signatures, "statement_id", "organisation_id")
ENDORSEMENTS = Versioned(endorsements, "statement_id", "user_id")

Apply = Callable[[Connection, RecordedEvent, dict[str, Any]], None]


def _texts(connection: Connection, statement_id: str) -> dict[str, dict[str, str]]:
    """The statement's current texts, its own language first."""
    row = STATEMENTS.current(connection, {"statement_id": statement_id}) or {}
    rest = connection.execute(
        select(translations)
        .where(translations.c.statement_id == statement_id, valid_at(translations, None))
        .order_by(translations.c.language)
    ).mappings()
    return {
        row["language"]: {"title": row["title"], "body": row["body"]},
        **{t["language"]: {"title": t["title"], "body": t["body"]} for t in rest},
    }


def _freeze(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    connection.execute(
        versions.insert(),
        {
            **key,
            "version": event.payload["version"],
            "version_hash": event.payload["version_hash"],
            "texts": json.dumps(_texts(connection, key["statement_id"])),
            "position": event.position,
            "recorded_at": format_time(event.recorded_at),
        },
    )


def _drafted(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    p, when = event.payload, format_time(event.recorded_at)
    STATEMENTS.start(
        connection,
        event.position,
        {
            **key,
            "coalition_id": p["coalition_id"],
            "language": p["language"],
            "title": p["title"],
            "body": p["body"],
            "state": "draft",
            "version": 0,
            "version_hash": None,
            "deadline": None,
            "threshold": None,
            "drafted_by": p["drafted_by"],
            "drafted_for": p.get("organisation_id"),
            "drafted_at": when,
            "opened_position": None,
            "changed_at": when,
            "close_reason": None,
        },
    )


def _text(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    p, when = event.payload, format_time(event.recorded_at)
    if event.type == "TranslationSet":
        TRANSLATIONS.start(
            connection, event.position, {**key, "language": p["language"], "title": p["title"], "body": p["body"]}
        )
        STATEMENTS.change(connection, event.position, key, changed_at=when)
        return
    if event.type == "DraftRevised":
        STATEMENTS.change(
            connection, event.position, key, language=p["language"], title=p["title"], body=p["body"], changed_at=when
        )
        return
    for language, text in p["translations"].items():  # an amendment: the whole new text
        held = TRANSLATIONS.current(connection, {**key, "language": language})
        if held is None or (held["title"], held["body"]) != (text["title"], text["body"]):
            TRANSLATIONS.start(connection, event.position, {**key, "language": language, **text})
    STATEMENTS.change(
        connection,
        event.position,
        key,
        title=p["title"],
        body=p["body"],
        version=p["version"],
        version_hash=p["version_hash"],
        changed_at=when,
    )
    _freeze(connection, event, key)


def _opened(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    p = event.payload
    STATEMENTS.change(
        connection,
        event.position,
        key,
        state="open",
        version=p["version"],
        version_hash=p["version_hash"],
        deadline=p.get("deadline"),
        threshold=p.get("threshold"),
        opened_position=event.position,
        changed_at=format_time(event.recorded_at),
    )
    _freeze(connection, event, key)


def _signed(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    p, when = event.payload, format_time(event.recorded_at)
    ids = {**key, "organisation_id": p["organisation_id"]}

    def row(held: dict[str, Any] | None) -> dict[str, Any]:
        # Re-confirming (or signing a newer version) keeps when the organisation first signed; signing
        # again after a withdrawal starts anew.
        first = held["first_signed_at"] if held and held["status"] == "signed" else when
        return {
            **ids,
            "coalition_id": p["coalition_id"],
            "user_id": p["user_id"],
            "signer_name": p["signer_name"],
            "signer_title": p["signer_title"],
            "version_hash": p["version_hash"],
            "status": "signed",
            "signed_at": when,
            "first_signed_at": first,
            "event_position": event.position,
            "event_hash": event.hash,
            "reason": None,
        }

    SIGNATURES.replace(connection, event.position, ids, ("status", "first_signed_at"), row)


def _withdrawn(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    p = event.payload
    SIGNATURES.change(
        connection,
        event.position,
        {**key, "organisation_id": p["organisation_id"]},
        status="withdrawn",
        reason=p["reason"],
    )


def _endorsed(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    p = event.payload
    ENDORSEMENTS.start(
        connection,
        event.position,
        {
            **key,
            "user_id": p["user_id"],
            "name": p["name"],
            "title": p.get("title"),
            "organisation_id": p["organisation_id"],
            "version_hash": p["version_hash"],
            "endorsed_at": format_time(event.recorded_at),
            "event_position": event.position,
            "event_hash": event.hash,
        },
    )


def _ended(connection: Connection, event: RecordedEvent, key: dict[str, Any]) -> None:
    when = format_time(event.recorded_at)
    if event.type == "StatementClosed":
        STATEMENTS.change(
            connection, event.position, key, state="closed", close_reason=event.payload["reason"], changed_at=when
        )
    else:
        STATEMENTS.change(connection, event.position, key, state="published", changed_at=when)


APPLY: dict[str, Apply] = {
    "StatementDrafted": _drafted,
    "DraftRevised": _text,
    "TranslationSet": _text,
    "StatementAmended": _text,
    "StatementOpened": _opened,
    "StatementSigned": _signed,
    "SignatureConfirmed": _signed,
    "SignatureWithdrawn": _withdrawn,
    "StatementEndorsed": _endorsed,
    "StatementClosed": _ended,
    "StatementPublished": _ended,
}


class Statements(Projection):
    """Each statement's text, state, frozen versions, signatures and endorsements, version by version."""

    name = "statements"
    tables = (statements, translations, versions, signatures, endorsements)
    types = frozenset(APPLY)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Write each event's new row versions."""
        for event in events:
            APPLY[event.type](connection, event, {"statement_id": event.payload["statement_id"]})
