"""A statement as its readers see it: the API, the public page and the PDF all describe it here."""

from __future__ import annotations

import difflib
import functools
import gettext
from collections import Counter
from datetime import datetime
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.engine import Connection

from projections import statements as tables
from projections.audit import coalition_log
from projections.organisations import organisations
from projections.statement_rows import StatementView, of_coalition, phase, version_texts, view

__all__ = [
    "StatementView",
    "describe",
    "diff",
    "in_language",
    "of_coalition",
    "phase",
    "signature_history",
    "view",
]


@functools.cache
def _countries(locale: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def country_name(code: str | None, locale: str = "en") -> str:
    """A country's name in `locale` from its ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code or ""
    return _countries(locale).gettext(country.name)


def _names(connection: Connection, ids: set[str]) -> dict[str, dict[str, str]]:
    if not ids:
        return {}
    rows = connection.execute(
        select(organisations.c.organisation_id, organisations.c.name, organisations.c.country).where(
            organisations.c.organisation_id.in_(sorted(ids))
        )
    )
    return {row.organisation_id: {"name": row.name, "country": row.country} for row in rows}


def signature_status(row: dict[str, Any], version_hash: str | None) -> str:
    """signed (counts), needs_reconfirmation (bound to an earlier version) or withdrawn."""
    if row["status"] == "withdrawn":
        return "withdrawn"
    return "signed" if row["version_hash"] == version_hash else "needs_reconfirmation"


def describe(connection: Connection, found: StatementView, now: datetime, position: int | None) -> dict[str, Any]:
    """The statement's text, state and signatories (with each one's status) at `position` (None: the
    latest); `now` is the instant it is read as of, which an open statement's deadline is compared with."""
    s = found.statement
    version_hash = s["version_hash"]
    names = _names(connection, {row["organisation_id"] for row in found.signatures})
    signatures = [
        {
            "organisation_id": row["organisation_id"],
            "organisation": names.get(row["organisation_id"], {}).get("name"),
            "country": names.get(row["organisation_id"], {}).get("country"),
            "signer_name": row["signer_name"],
            "signer_title": row["signer_title"],
            "status": signature_status(row, version_hash),
            "version_hash": row["version_hash"],
            "signed_at": row["signed_at"],
            "first_signed_at": row["first_signed_at"],
            "position": row["event_position"],
            "event_hash": row["event_hash"],
            "reason": row["reason"],
        }
        for row in found.signatures
    ]
    counted = [x for x in signatures if x["status"] == "signed"]
    endorsements = [
        {
            "user_id": row["user_id"],
            "name": row["name"],
            "title": row["title"],
            "organisation_id": row["organisation_id"],
            "status": "endorsed" if row["version_hash"] == version_hash else "needs_reconfirmation",
            "endorsed_at": row["endorsed_at"],
            "position": row["event_position"],
            "event_hash": row["event_hash"],
        }
        for row in found.endorsements
    ]
    return {
        "id": s["statement_id"],
        "coalition_id": s["coalition_id"],
        "position": position,
        "state": phase(s, now),
        "language": s["language"],
        "title": s["title"],
        "body": s["body"],
        "translations": [
            {"language": t["language"], "title": t["title"], "body": t["body"]} for t in found.translations
        ],
        "version_number": s["version"],
        "version_hash": version_hash,
        "deadline": s["deadline"],
        "threshold": s["threshold"],
        "threshold_met": len(counted) >= (s["threshold"] or 1),
        "drafted_by": s["drafted_by"],
        "drafted_at": s["drafted_at"],
        "summary": {"organisations": len(counted), "countries": len({x["country"] for x in counted})},
        "signatures": signatures,
        "endorsements": endorsements,
    }


def in_language(described: dict[str, Any], language: str | None) -> tuple[str, str, str]:
    """The (language, title, body) to show a reader of `language`: that translation if there is one."""
    for text in described["translations"]:
        if text["language"] == language:
            return text["language"], text["title"], text["body"]
    return described["language"], described["title"], described["body"]


def diff(connection: Connection, statement_id: str, older: str, newer: str) -> dict[str, str] | None:
    """By language, a unified diff of title and body between two frozen versions; None if either is unknown."""
    before, after = version_texts(connection, statement_id, older), version_texts(connection, statement_id, newer)
    if before is None or after is None:
        return None
    result = {}
    for language in {**before["texts"], **after["texts"]}:
        old, new = before["texts"].get(language), after["texts"].get(language)
        lines = [f"# {old['title']}", "", *old["body"].splitlines()] if old else []
        now = [f"# {new['title']}", "", *new["body"].splitlines()] if new else []
        result[language] = "\n".join(
            difflib.unified_diff(lines, now, f"version {before['version']}", f"version {after['version']}", lineterm="")
        )
    return result


def signature_history(connection: Connection, coalition_id: str, statement_id: str) -> list[tuple[str, int]]:
    """(recorded_at, how many signatures counted) after each change of the signatures or of the version,
    from the opening on; empty when no organisation ever signed. A signature counts while it is signed
    and bound to the statement's current version (as `StatementView.counted`)."""
    sig, text = tables.signatures.c, tables.statements.c
    signed = connection.execute(
        select(sig.from_position, sig.until_position, sig.version_hash).where(
            sig.statement_id == statement_id, sig.status == "signed"
        )
    ).all()
    if not signed:
        return []
    versions = {
        row.from_position: row.version_hash
        for row in connection.execute(
            select(text.from_position, text.version_hash).where(text.statement_id == statement_id)
        )
    }
    deltas: dict[int, Counter[str]] = {}
    for row in signed:
        deltas.setdefault(row.from_position, Counter())[row.version_hash] += 1
        if row.until_position is not None:
            deltas.setdefault(row.until_position, Counter())[row.version_hash] -= 1
    positions = sorted({*deltas, *versions})
    times = dict(
        connection.execute(
            select(coalition_log.c.position, coalition_log.c.recorded_at).where(
                coalition_log.c.coalition_id == coalition_id, coalition_log.c.position >= positions[0]
            )
        ).all()
    )
    held: Counter[str] = Counter()
    current, history = None, []
    for position in positions:
        held.update(deltas.get(position, {}))
        current = versions.get(position, current)
        if current is not None and position in times:
            history.append((times[position], held[current]))
    return history
