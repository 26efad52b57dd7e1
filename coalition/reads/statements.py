"""A statement as its readers see it: the API, the public page and the PDF all describe it here."""

from __future__ import annotations

import difflib
import functools
import gettext
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.accounts import shown_name
from coalition.domain import policy
from coalition.domain.dates import readable_moment
from coalition.reads import signatories
from events.personal import ERASED
from projections.coalition_rows import member_states
from projections.organisations import organisations
from projections.sets import one_of
from projections.statement_rows import StatementView, of_coalition, version_texts, view
from projections.statements import statements
from projections.versioned import valid_at

__all__ = [
    "StatementView",
    "counted",
    "counts",
    "describe",
    "heading",
    "signature_entries",
    "diff",
    "in_language",
    "of_coalition",
    "phase",
    "view",
]


def deadline_of(row: Mapping[str, Any]) -> datetime | None:
    """A statements row's deadline as a moment (None: signing has no deadline)."""
    return readable_moment(datetime.fromisoformat(row["deadline"])) if row["deadline"] else None


def phase(row: Mapping[str, Any], now: datetime) -> str:
    """A statements row's phase at `now` (the domain's `policy.phase`: open past its deadline reads closed)."""
    return policy.phase(str(row["state"]), deadline_of(row), now)


def counts(row: Mapping[str, Any], current_version_hash: str | None, states: Mapping[str, str]) -> bool:
    """Whether a signatures row counts (the domain's `policy.counts`), its organisation's state from `states`."""
    return policy.counts(
        row["version_hash"],
        row["status"] == "withdrawn",
        current_version_hash,
        states.get(row["organisation_id"]),
    )


def counted(connection: Connection, found: StatementView, position: int | None = None) -> list[dict[str, Any]]:
    """The statement's signatures rows that count, as the log stood at `position` (None: now)."""
    states = member_states(connection, found.statement["coalition_id"], position)
    return [row for row in found.signatures if counts(row, found.statement["version_hash"], states)]


@functools.cache
def _countries(locale: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def country_name(code: str | None, locale: str = "en") -> str:
    """A country's name in `locale` from its ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code or ""
    return _countries(locale).gettext(country.name)


def organisation_facts(connection: Connection, ids: set[str]) -> dict[str, dict[str, str]]:
    """The name and country of each organisation in `ids`, by id (unknown ids left out)."""
    if not ids:
        return {}
    rows = connection.execute(
        select(organisations.c.organisation_id, organisations.c.name, organisations.c.country).where(
            one_of(connection, organisations.c.organisation_id, sorted(ids))
        )
    )
    return {row.organisation_id: {"name": row.name, "country": row.country} for row in rows}


def signature_status(row: Mapping[str, Any], version_hash: str | None) -> str:
    """What happened to the signature: signed (the current version), needs_reconfirmation (an earlier one) or
    withdrawn. Whether it counts is the domain's (`counts`), shown beside it."""
    if row["status"] == "withdrawn":
        return "withdrawn"
    return "signed" if row["version_hash"] == version_hash else "needs_reconfirmation"


def signature_entries(
    connection: Connection, statement: Mapping[str, Any], rows: list[dict[str, Any]], position: int | None
) -> list[dict[str, Any]]:
    """Signatures rows as readers see them: organisation, country, verified mark, signer, status and whether each
    counts (`policy.counts`), reading only these rows' organisations."""
    version_hash = statement["version_hash"]
    ids = {row["organisation_id"] for row in rows}
    names = organisation_facts(connection, ids)
    states, verified = signatories.memberships_of(connection, statement["coalition_id"], ids, position)
    return [
        {
            "organisation_id": row["organisation_id"],
            "organisation": names.get(row["organisation_id"], {}).get("name"),
            "country": names.get(row["organisation_id"], {}).get("country"),
            "verified": row["organisation_id"] in verified,
            "signer_name": shown_name(row["signer_name"]),
            "signer_erased": row["signer_name"] == ERASED,
            "signer_title": row["signer_title"],
            "status": signature_status(row, version_hash),
            "counts": counts(row, version_hash, states),
            "version_hash": row["version_hash"],
            "signed_at": row["signed_at"],
            "first_signed_at": row["first_signed_at"],
            "position": row["event_position"],
            "event_hash": row["event_hash"],
            "reason": row["reason"],
        }
        for row in rows
    ]


def heading(
    connection: Connection,
    found: StatementView,
    now: datetime,
    position: int | None,
    groups: list[signatories.Group] | None = None,
) -> dict[str, Any]:
    """The statement's text, state, summary of the signatures that count and endorsements at `position` (None:
    the latest), without its list of signatures (`signatories.rows` pages them); `now` is the instant it is
    read as of, which an open statement's deadline is compared with; `groups`: its `signatories.groups` at
    `position`, when the caller has them already."""
    s = found.statement
    version_hash = s["version_hash"]
    summary = signatories.summary(connection, s, position, groups)
    endorsements = [
        {
            "user_id": row["user_id"],
            "name": shown_name(row["name"]),
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
        "threshold_met": policy.threshold_met(summary["organisations"], s["threshold"]),
        "needed": policy.needed(s["threshold"]),
        "drafted_by": s["drafted_by"],
        "drafted_at": s["drafted_at"],
        "summary": summary,
        "endorsements": endorsements,
    }


def describe(connection: Connection, found: StatementView, now: datetime, position: int | None) -> dict[str, Any]:
    """`heading` with every signatory (each one's status) in `found`: for the public page, which lists them all."""
    return {
        **heading(connection, found, now, position),
        "signatures": signature_entries(connection, found.statement, found.signatures, position),
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


def open_campaigns(connection: Connection) -> list[tuple[str, str]]:
    """(coalition id, statement id) of every statement open for signature now, the newest opened first."""
    s = statements.c
    query = (
        select(s.coalition_id, s.statement_id)
        .where(valid_at(statements, None), s.state == "open")
        .order_by(s.opened_position.desc())
    )
    return [(coalition_id, statement_id) for coalition_id, statement_id in connection.execute(query)]
