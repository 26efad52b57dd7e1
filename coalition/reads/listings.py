"""What an integrator lists: a person's coalitions, the organisations anyone signed in may find, and what the
person holds (administrator of, signing mandates, coalition roles). One query per list (two for a person's
coalitions: memberships and roles), whatever its length.

Lists are ordered by (name key, name, id); a page's cursor is the id of the last item seen (`after`), and
the next page starts after that item's place in the order. The list is read whole and cut here: a person's
coalitions are few, and organisation names are matched by `name_key`, which SQL cannot compute (a stored
key column would let the database filter and page; it needs a migration). An `after` that names nothing the
list could hold is a `CursorUnknown` (the API answers 422 naming `after`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.domain import organisation as org
from coalition.domain.names import name_key
from projections.coalitions import agreements, memberships, roles
from projections.organisations import organisation_people, organisations
from projections.sets import one_of
from projections.versioned import valid_at


class CursorUnknown(LookupError):
    """The `after` cursor names no item of the list."""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_after: str | None  # the id to pass as `after` for the next page; None on the last page


def _page(ordered: Sequence[dict[str, Any]], after: str | None, limit: int) -> Page:
    """The `limit` items of `ordered` that come after the one whose id is `after`."""
    start = 0
    if after is not None:
        index = next((i for i, item in enumerate(ordered) if item["id"] == after), None)
        if index is None:
            raise CursorUnknown(after)
        start = index + 1
    items = list(ordered[start : start + limit])
    more = start + limit < len(ordered)
    return Page(items, items[-1]["id"] if more and items else None)


# -- a person's coalitions --------------------------------------------------------------------------


def coalitions_of_person(
    connection: Connection, user_id: str, organisation_ids: Iterable[str], after: str | None, limit: int
) -> Page:
    """The coalitions the person's organisations (those they act for) are or were members of, and those where
    they hold a role: by name, each with its state (running or ended), their organisations' membership states
    and their roles. Two queries, whatever the number of coalitions."""
    mine = sorted(set(organisation_ids))
    member_rows: Iterable[Any] = (
        connection.execute(
            select(
                agreements.c.coalition_id,
                agreements.c.name,
                agreements.c.ended_on,
                memberships.c.organisation_id,
                memberships.c.state,
                memberships.c.since,
                organisations.c.name.label("organisation"),
            )
            .join(memberships, memberships.c.coalition_id == agreements.c.coalition_id)
            .join(organisations, organisations.c.organisation_id == memberships.c.organisation_id, isouter=True)
            .where(
                valid_at(agreements, None),
                valid_at(memberships, None),
                one_of(connection, memberships.c.organisation_id, mine),
            )
        ).mappings()
        if mine
        else []
    )
    role_rows = connection.execute(
        select(
            agreements.c.coalition_id,
            agreements.c.name,
            agreements.c.ended_on,
            roles.c.role_id,
            roles.c.role,
            roles.c.organisation_id,
            roles.c.since,
        )
        .join(roles, roles.c.coalition_id == agreements.c.coalition_id)
        .where(valid_at(agreements, None), valid_at(roles, None), roles.c.user_id == user_id)
    ).mappings()
    found: dict[str, dict[str, Any]] = {}

    def entry(row: Any) -> dict[str, Any]:
        return found.setdefault(
            row["coalition_id"],
            {
                "id": row["coalition_id"],
                "name": row["name"],
                "state": "ended" if row["ended_on"] is not None else "running",
                "ended_on": row["ended_on"],
                "memberships": [],
                "roles": [],
            },
        )

    for row in member_rows:
        entry(row)["memberships"].append({k: row[k] for k in ("organisation_id", "organisation", "state", "since")})
    for row in role_rows:
        entry(row)["roles"].append({k: row[k] for k in ("role_id", "role", "organisation_id", "since")})
    for item in found.values():
        item["memberships"].sort(key=lambda m: (m["organisation"] or "", m["organisation_id"]))
        item["roles"].sort(key=lambda r: (r["role"], r["role_id"]))

    def order(item: Mapping[str, Any]) -> tuple[str, str, str]:
        return (name_key(item["name"]), item["name"], item["id"])

    return _page(sorted(found.values(), key=order), after, limit)


# -- organisations anyone signed in may find --------------------------------------------------------


def search_organisations(
    connection: Connection, q: str | None, country: str | None, after: str | None, limit: int
) -> Page:
    """Organisations whose name contains `q` (compared by `coalition.domain.names.name_key`: case, accents,
    spacing and look-alike characters folded) in `country`, by name: only what anyone signed in may see of
    them (id, name, country, sector, website). One query; the name is matched here, as the key is computed."""
    query = select(
        organisations.c.organisation_id,
        organisations.c.name,
        organisations.c.country,
        organisations.c.sector,
        organisations.c.website,
    )
    if country is not None:
        query = query.where(organisations.c.country == country)
    wanted = name_key(q) if q else ""
    rows: list[dict[str, Any]] = []
    for row in connection.execute(query).mappings():
        key = name_key(row["name"])
        if wanted in key:
            rows.append({"id": row["organisation_id"], **{k: row[k] for k in ("name", "country", "sector", "website")}})
            rows[-1]["_key"] = key

    def order(item: Mapping[str, Any]) -> tuple[str, str, str]:
        return (item["_key"], item["name"], item["id"])

    ordered = sorted(rows, key=order)
    for item in ordered:
        del item["_key"]
    return _page(ordered, after, limit)


# -- what a person holds ------------------------------------------------------------------------------


def holdings(connection: Connection, user_id: str, day: date) -> dict[str, list[dict[str, Any]]]:
    """The organisations the person administers, their signing mandates (valid or not, with `valid_today`) and
    their present roles in coalitions, each with the organisation's or coalition's name. Two queries."""
    people_rows = connection.execute(
        select(organisation_people, organisations.c.name.label("organisation"), organisations.c.country)
        .join(organisations, organisations.c.organisation_id == organisation_people.c.organisation_id)
        .where(organisation_people.c.user_id == user_id)
        .order_by(organisations.c.name, organisation_people.c.position)
    ).mappings()
    administers: list[dict[str, Any]] = []
    mandates: list[dict[str, Any]] = []
    for row in people_rows:
        if row["kind"] == "administrator":
            administers.append({"id": row["organisation_id"], "name": row["organisation"], "country": row["country"]})
        else:
            mandate = org.Mandate(
                row["entry_id"], row["user_id"], row["title"], row["valid_from"], row["valid_until"], row["revoked_on"]
            )
            mandates.append(
                {
                    "id": row["entry_id"],
                    "organisation_id": row["organisation_id"],
                    "organisation": row["organisation"],
                    "title": row["title"],
                    "valid_from": row["valid_from"],
                    "valid_until": row["valid_until"],
                    "revoked_on": row["revoked_on"],
                    "valid_today": mandate.valid_on(day),
                }
            )
    role_rows = connection.execute(
        select(roles.c.role_id, roles.c.role, roles.c.coalition_id, roles.c.organisation_id, roles.c.since)
        .add_columns(agreements.c.name.label("coalition"))
        .join(agreements, agreements.c.coalition_id == roles.c.coalition_id)
        .where(valid_at(roles, None), valid_at(agreements, None), roles.c.user_id == user_id)
        .order_by(agreements.c.name, roles.c.role, roles.c.role_id)
    ).mappings()
    return {"organisations": administers, "mandates": mandates, "roles": [dict(r) for r in role_rows]}


__all__ = ["CursorUnknown", "Page", "coalitions_of_person", "holdings", "search_organisations"]
