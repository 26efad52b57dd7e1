"""Published statements as the public finds them: the index (newest first, a page at a time) and the feed.

Everything here comes from the statements and coalitions projections: a statement is published when its
current row says so, and it was published where its first published row starts (the log position of
`StatementPublished`, and that row's `changed_at`, when it was recorded). Which signatures count is the
domain's (`coalition.reads.statements.counts`), asked of each coalition's member states now, as the public
page does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from coalition.reads.statements import counts
from projections.coalition_rows import member_states
from projections.coalitions import agreements
from projections.sets import one_of
from projections.statements import signatures, statements, translations
from projections.versioned import valid_at

#: How many statements one page of the public index shows.
PER_PAGE = 20
#: How many of the newest published statements the Atom feed lists (readers poll it; older ones are in the index).
FEED_SIZE = 50


@dataclass(frozen=True, slots=True)
class Page:
    """One page of published statements, newest first, and where it stands among the others."""

    items: list[dict[str, Any]]
    number: int  # from 1
    total: int  # published statements in all

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, which may be empty)."""
        return max(1, -(-self.total // PER_PAGE))

    @property
    def has_previous(self) -> bool:
        """Whether a newer page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether an older page comes after this one."""
        return self.number < self.pages


def _first_published() -> Any:
    """Per statement, the position of its first published row (where `StatementPublished` was applied)."""
    return (
        select(statements.c.statement_id, func.min(statements.c.from_position).label("published_position"))
        .where(statements.c.state == "published")
        .group_by(statements.c.statement_id)
        .subquery("first_published")
    )


def _query(statement_id: str | None = None) -> Select[Any]:
    """The statements published now (or only `statement_id`), newest first, with their coalition's name and when
    they were published."""
    first = _first_published()
    current = statements.alias("current")
    at_publication = statements.alias("at_publication")
    query = (
        select(
            current.c.statement_id,
            current.c.coalition_id,
            current.c.language,
            current.c.title,
            current.c.body,
            current.c.version_hash,
            first.c.published_position,
            at_publication.c.changed_at.label("published_at"),
            agreements.c.name.label("coalition"),
        )
        .join(first, first.c.statement_id == current.c.statement_id)
        .join(
            at_publication,
            (at_publication.c.statement_id == current.c.statement_id)
            & (at_publication.c.from_position == first.c.published_position),
        )
        .outerjoin(agreements, (agreements.c.coalition_id == current.c.coalition_id) & valid_at(agreements, None))
        .where(current.c.until_position.is_(None), current.c.state == "published")
        .order_by(first.c.published_position.desc())
    )
    return query if statement_id is None else query.where(current.c.statement_id == statement_id)


def _total(connection: Connection) -> int:
    query = (
        select(func.count())
        .select_from(statements)
        .where(valid_at(statements, None), statements.c.state == "published")
    )
    return int(connection.execute(query).scalar_one())


def _texts(connection: Connection, ids: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """The current translations of these statements: {statement_id: {language: {title, body}}}."""
    found: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    if ids:
        rows = connection.execute(
            select(translations.c.statement_id, translations.c.language, translations.c.title, translations.c.body)
            .where(one_of(connection, translations.c.statement_id, ids), valid_at(translations, None))
            .order_by(translations.c.language)
        )
        for row in rows:
            found[row.statement_id][row.language] = {"title": row.title, "body": row.body}
    return found


def _organisations(connection: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many organisations' signatures count on each statement (the domain's `counts`, member states now)."""
    if not rows:
        return {}
    held = connection.execute(
        select(signatures).where(
            one_of(connection, signatures.c.statement_id, [r["statement_id"] for r in rows]), valid_at(signatures, None)
        )
    ).mappings()
    by_statement: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in held:
        by_statement[row["statement_id"]].append(dict(row))
    states = {c: member_states(connection, c) for c in {r["coalition_id"] for r in rows}}
    return {
        r["statement_id"]: sum(
            counts(s, r["version_hash"], states[r["coalition_id"]]) for s in by_statement[r["statement_id"]]
        )
        for r in rows
    }


def _described(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    texts = _texts(connection, [r["statement_id"] for r in rows])
    organisations = _organisations(connection, rows)
    return [
        {
            "id": r["statement_id"],
            "coalition_id": r["coalition_id"],
            "coalition": r["coalition"],
            "language": r["language"],
            "title": r["title"],
            "body": r["body"],
            "texts": {r["language"]: {"title": r["title"], "body": r["body"]}, **texts.get(r["statement_id"], {})},
            "published_at": r["published_at"],
            "position": r["published_position"],
            "organisations": organisations[r["statement_id"]],
        }
        for r in rows
    ]


def page(connection: Connection, number: int) -> Page:
    """Page `number` (from 1) of the published statements, newest first, `PER_PAGE` a page."""
    number = max(1, number)
    query = _query().limit(PER_PAGE).offset((number - 1) * PER_PAGE)
    rows = [dict(row) for row in connection.execute(query).mappings()]
    return Page(_described(connection, rows), number, _total(connection))


def newest(connection: Connection, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest published statements, newest first, for the feed (`FEED_SIZE`)."""
    query = _query().limit(limit)
    return _described(connection, [dict(row) for row in connection.execute(query).mappings()])


def publication(connection: Connection, statement_id: str) -> dict[str, Any] | None:
    """When the statement was published and in which coalition's name; None unless it is published now."""
    row = connection.execute(_query(statement_id)).mappings().first()
    if row is None:
        return None
    return {"coalition": row["coalition"], "published_at": row["published_at"], "position": row["published_position"]}


def by_country(signatures: list[dict[str, Any]]) -> list[tuple[str | None, int]]:
    """How many of a described statement's counting signatures come from each country, the most first."""
    tally = Counter(s["country"] for s in signatures if s["counts"])
    return sorted(tally.items(), key=lambda pair: (-pair[1], pair[0] or ""))
