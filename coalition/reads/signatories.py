"""A statement's signatures without reading them all: a page at a time, how many count, who has not signed.

Which signatures count is the domain's `policy.counts`, asked here of groups of facts rather than of each
row: a statement's signatures are counted by what the rule is given (the version signed, withdrawn or not, the
organisation's membership state) and by the organisation's country, a handful of groups however many signed;
the rule is asked once per group and the groups it counts are summed. Now, the groups are the tallies the
`signature_tallies` projection keeps; at an earlier position they are grouped in SQL from the versioned rows.
Every signature of a group gives the rule the same arguments, so this is the count `policy.counts` gives over
the whole list (tests/e2e/test_signature_tallies.py proves it across amendments, withdrawals,
re-confirmations, suspensions, departures and erased signers, and after a rebuild).

Pages are keyed by (`first_signed_at`, `organisation_id`), the order the signatories are listed in: the key
names a place in that order, not a row, so a signature withdrawn and signed again (which starts a new
`first_signed_at` and moves to the end) is never skipped by a reader paging past it; at worst it is shown
twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads.paging import Page, fetched
from projections import statements as tables
from projections import tallies
from projections.coalition_rows import members_in_order
from projections.coalitions import memberships
from projections.member_counts import member_counts
from projections.organisations import organisations
from projections.sets import one_of
from projections.versioned import valid_at

#: Between the two parts of a page key: no ISO instant holds it.
SEPARATOR = "~"


@dataclass(frozen=True, slots=True)
class Group:
    """Signatures that give `policy.counts` the same arguments, and the signers' country: how many there are."""

    version_hash: str
    withdrawn: bool
    member_state: str | None
    country: str | None
    signatures: int

    def counts(self, current_version_hash: str | None) -> bool:
        """Whether the group's signatures count (`policy.counts`, asked once for all of them)."""
        return policy.counts(self.version_hash, self.withdrawn, current_version_hash, self.member_state)


def _membership(coalition_id: Any, position: int | None) -> Any:
    """The join condition to a signing organisation's membership row true at `position`."""
    m, s = memberships.c, tables.signatures.c
    return and_(m.coalition_id == coalition_id, m.organisation_id == s.organisation_id, valid_at(memberships, position))


def groups(connection: Connection, statement: Mapping[str, Any], position: int | None) -> list[Group]:
    """The statement's signatures at `position` (None: now), grouped by what `policy.counts` is asked and country:
    now from the tallies the projection keeps; at an earlier position, grouped in SQL from the versioned rows."""
    if position is None:
        t = tallies.tallies.c
        query = select(t.version_hash, t.withdrawn, t.member_state, t.country, t.signatures).where(
            t.statement_id == statement["statement_id"]
        )
        return [
            Group(row[0], bool(row[1]), row[2] or None, row[3] or None, int(row[4]))
            for row in connection.execute(query)
        ]
    s, m, o = tables.signatures.c, memberships.c, organisations.c
    query = (
        select(s.version_hash, s.status, m.state, o.country, func.count())
        .select_from(
            tables.signatures.outerjoin(memberships, _membership(statement["coalition_id"], position)).outerjoin(
                organisations, o.organisation_id == s.organisation_id
            )
        )
        .where(s.statement_id == statement["statement_id"], valid_at(tables.signatures, position))
        .group_by(s.version_hash, s.status, m.state, o.country)
    )
    return [Group(row[0], row[1] == "withdrawn", row[2], row[3], int(row[4])) for row in connection.execute(query)]


def summary(
    connection: Connection, statement: Mapping[str, Any], position: int | None, read: list[Group] | None = None
) -> dict[str, int]:
    """How many organisations' signatures count, and from how many countries (unknown organisations: one); `read`:
    the statement's `groups` at `position`, when the caller has them already."""
    found = groups(connection, statement, position) if read is None else read
    counting = [g for g in found if g.counts(statement["version_hash"])]
    return {"organisations": sum(g.signatures for g in counting), "countries": len({g.country for g in counting})}


def waiting(
    connection: Connection,
    statement: Mapping[str, Any],
    after: str | None,
    limit: int,
    read: list[Group] | None = None,
) -> Page[dict[str, Any]]:
    """The coalition's active members now whose signature does not count (or who did not sign): `limit` of them by
    name after the organisation `after` (None: the first), each an id and a name, with how many there are.

    How many is known without reading them: the active members (a row, `projections.member_counts`) less the counted
    signatures of active members (the tallies). So a statement every member signed reads nothing more, and one
    opened to thousands names a page of them, not all (the page's names are sorted in SQL). `read`: the statement's
    `groups` now, when the caller has them already."""
    known = groups(connection, statement, None) if read is None else read
    counting = [g for g in known if g.counts(statement["version_hash"])]
    members = member_counts(connection, statement["coalition_id"]).get("active", 0)
    total = members - sum(g.signatures for g in counting if g.member_state == "active")
    if total <= 0:
        return Page([], 0, None)
    k = tallies.keys.c
    chosen = {(g.version_hash, g.withdrawn, g.member_state or tallies.NONE) for g in counting}
    terms = [
        and_(k.version_hash == version_hash, k.withdrawn == withdrawn, k.member_state == state)
        for version_hash, withdrawn, state in sorted(chosen)
    ]
    signed = select(k.organisation_id).where(k.statement_id == statement["statement_id"], or_(false(), *terms))
    found = members_in_order(
        connection,
        statement["coalition_id"],
        {"active": 0},
        None if after is None else (0, after),
        limit + 1,
        states=("active",),
        excluding=signed,
    )
    listed = [
        {"organisation_id": row["organisation_id"], "name": row["name"] or row["organisation_id"]} for row in found
    ]
    return fetched(listed, lambda w: str(w["organisation_id"]), limit, total)


def key(row: Mapping[str, Any]) -> str:
    """A signature's place in the listing order, as the `after` that continues past it."""
    return f"{row['first_signed_at']}{SEPARATOR}{row['organisation_id']}"


def parse(after: str) -> tuple[str, str] | None:
    """The (first_signed_at, organisation_id) an `after` names; None when it is not one `key` gives."""
    signed_at, separator, organisation_id = after.partition(SEPARATOR)
    if not separator or not signed_at or not organisation_id:
        return None
    return signed_at, organisation_id


def rows(
    connection: Connection,
    statement_id: str,
    position: int | None,
    after: tuple[str, str] | None,
    limit: int,
    read: list[Group] | None = None,
) -> Page[dict[str, Any]]:
    """Up to `limit` signature rows after `after`, first signed first (ties by organisation id), with the total;
    `read`: the statement's `groups` at `position`, when the caller has them already (the total is their sum)."""
    s = tables.signatures.c
    where = [s.statement_id == statement_id, valid_at(tables.signatures, position)]
    total: int | None
    if read is not None:  # every signature is in one group
        total = sum(g.signatures for g in read)
    elif position is None:  # every signature true now is in one tally
        t = tallies.tallies.c
        total = connection.execute(select(func.sum(t.signatures)).where(t.statement_id == statement_id)).scalar()
    else:
        total = connection.execute(select(func.count()).select_from(tables.signatures).where(*where)).scalar()
    if after is not None:
        where.append(
            or_(s.first_signed_at > after[0], and_(s.first_signed_at == after[0], s.organisation_id > after[1]))
        )
    query = select(tables.signatures).where(*where).order_by(s.first_signed_at, s.organisation_id).limit(limit + 1)
    found = [dict(row) for row in connection.execute(query).mappings()]
    return fetched(found, key, limit, int(total or 0))


def held(
    connection: Connection, statement_id: str, organisation_ids: Iterable[str], position: int | None = None
) -> list[dict[str, Any]]:
    """The signature rows of just these organisations (the reader's), at `position` (None: now)."""
    s = tables.signatures.c
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    query = select(tables.signatures).where(
        s.statement_id == statement_id,
        valid_at(tables.signatures, position),
        one_of(connection, s.organisation_id, ids),
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def memberships_of(
    connection: Connection, coalition_id: str, organisation_ids: Iterable[str], position: int | None
) -> tuple[dict[str, str], set[str]]:
    """Of just these organisations, at `position` (None: now): each member's state, and those marked verified."""
    m = memberships.c
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}, set()
    query = select(m.organisation_id, m.state, m.verified_by).where(
        m.coalition_id == coalition_id, valid_at(memberships, position), one_of(connection, m.organisation_id, ids)
    )
    found = connection.execute(query).all()
    return {row.organisation_id: row.state for row in found}, {r.organisation_id for r in found if r.verified_by}
