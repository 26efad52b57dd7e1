"""What pages and the API read about organisations: profiles, their people and mandates, their coalitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection, Engine, RowMapping

from coalition.accounts import names_of
from coalition.domain import organisation as org
from coalition.reads.access import acts_for
from projections.coalitions import agreements, memberships
from projections.organisations import organisation_people, organisations
from projections.sets import one_of
from projections.versioned import valid_at


def profile(connection: Connection, organisation_id: str) -> dict[str, Any] | None:
    """An organisation's profile row, or None if there is no such organisation."""
    row = (
        connection.execute(select(organisations).where(organisations.c.organisation_id == organisation_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def people(connection: Connection, organisation_id: str) -> list[dict[str, Any]]:
    """An organisation's administrators and mandates, in the order they were recorded."""
    return [
        dict(row)
        for row in connection.execute(
            select(organisation_people)
            .where(organisation_people.c.organisation_id == organisation_id)
            .order_by(organisation_people.c.position)
        ).mappings()
    ]


def _mandate(p: Mapping[str, Any] | RowMapping) -> org.Mandate:
    return org.Mandate(p["entry_id"], p["user_id"], p["title"], p["valid_from"], p["valid_until"], p["revoked_on"])


def people_view(engine: Engine, rows: Iterable[Mapping[str, Any]], day: date) -> dict[str, list[dict[str, Any]]]:
    """An organisation's administrators and signing mandates (whether valid on `day`), with names."""
    rows = list(rows)
    names = names_of(engine, {p["user_id"] for p in rows})
    administrators = [
        {"user_id": p["user_id"], "name": names.get(p["user_id"])} for p in rows if p["kind"] == "administrator"
    ]
    mandates = [
        {
            "id": p["entry_id"],
            "user_id": p["user_id"],
            "name": names.get(p["user_id"]),
            "title": p["title"],
            "valid_from": p["valid_from"],
            "valid_until": p["valid_until"],
            "revoked_on": p["revoked_on"],
            "valid_today": _mandate(p).valid_on(day),
        }
        for p in rows
        if p["kind"] == "mandate"
    ]
    return {"administrators": administrators, "mandates": mandates}


def acting(connection: Connection, user_id: str, today: date) -> list[dict[str, Any]]:
    """The organisations a person acts for today, each with whether they administer it and their valid titles."""
    mine = acts_for(connection, user_id, today)
    rows = connection.execute(
        select(
            organisations.c.organisation_id,
            organisations.c.name,
            organisations.c.country,
            organisation_people.c.kind,
            organisation_people.c.entry_id,
            organisation_people.c.user_id,
            organisation_people.c.title,
            organisation_people.c.valid_from,
            organisation_people.c.valid_until,
            organisation_people.c.revoked_on,
        )
        .join(organisation_people, organisation_people.c.organisation_id == organisations.c.organisation_id)
        .where(organisation_people.c.user_id == user_id, organisations.c.organisation_id.in_(sorted(mine)))
        .order_by(organisations.c.name, organisation_people.c.kind)
    ).mappings()
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = found.setdefault(
            row["organisation_id"],
            {"id": row["organisation_id"], "name": row["name"], "country": row["country"], "administrator": False},
        )
        entry.setdefault("titles", [])
        if row["kind"] == "administrator":
            entry["administrator"] = True
        elif _mandate(row).valid_on(today):
            entry["titles"].append(row["title"])
    return list(found.values())


def coalitions_of(connection: Connection, organisation_id: str) -> list[dict[str, Any]]:
    """The coalitions an organisation is (or was) a member of, by name, with its state and since when, and the day
    each coalition ended (None while it runs)."""
    rows = connection.execute(
        select(
            agreements.c.coalition_id,
            agreements.c.name,
            agreements.c.ended_on,
            memberships.c.state,
            memberships.c.since,
            memberships.c.verified_by,
            memberships.c.verified_at,
        )
        .join(memberships, memberships.c.coalition_id == agreements.c.coalition_id)
        .where(
            valid_at(agreements, None), valid_at(memberships, None), memberships.c.organisation_id == organisation_id
        )
        .order_by(agreements.c.name)
    ).mappings()
    return [{**row, "since": datetime.fromisoformat(row["since"]).date()} for row in rows]


def verified_in(engine: Engine, coalitions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Of an organisation's coalitions (`coalitions_of`), those whose facilitators marked it verified: the
    coalition, the facilitator's name and when."""
    marked = [c for c in coalitions if c["verified_by"] is not None]
    names = names_of(engine, {c["verified_by"] for c in marked})
    return [
        {
            "coalition_id": c["coalition_id"],
            "coalition": c["name"],
            "verified_by": names.get(c["verified_by"], c["verified_by"]),
            "verified_at": c["verified_at"],
        }
        for c in marked
    ]


def names(connection: Connection, ids: Iterable[str]) -> dict[str, str]:
    """The names of the given organisations, by id in the order of their names (unknown ids left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = connection.execute(
        select(organisations.c.organisation_id, organisations.c.name)
        .where(one_of(connection, organisations.c.organisation_id, wanted))
        .order_by(organisations.c.name)
    )
    return {row.organisation_id: row.name for row in rows}


def _taken(coalition_id: str, member_states: Iterable[str]) -> Select[Any]:
    m = memberships.c
    return select(m.organisation_id).where(
        m.coalition_id == coalition_id, m.until_position.is_(None), m.state.in_(list(member_states))
    )


def outside(
    connection: Connection, coalition_id: str, member_states: Iterable[str], ids: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Every organisation's id, name and country (or those of `ids`), by name, but those whose membership of the
    coalition is now in one of `member_states` (the coalition's members are left out in SQL, not read)."""
    query = select(organisations.c.organisation_id, organisations.c.name, organisations.c.country).where(
        organisations.c.organisation_id.not_in(_taken(coalition_id, member_states))
    )
    if ids is not None:
        query = query.where(one_of(connection, organisations.c.organisation_id, sorted(set(ids))))
    return [dict(row) for row in connection.execute(query.order_by(organisations.c.name)).mappings()]


def outside_count(connection: Connection, coalition_id: str, member_states: Iterable[str]) -> int:
    """How many organisations `outside` would give: every organisation less the members in `member_states`, two
    counts (every membership is of an organisation the platform holds), no organisation read."""
    every = select(func.count()).select_from(organisations).scalar_subquery()
    taken = select(func.count()).select_from(_taken(coalition_id, member_states).subquery()).scalar_subquery()
    return max(0, int(connection.execute(select(every - taken)).scalar_one()))


def directory(connection: Connection) -> list[dict[str, Any]]:
    """Every organisation's id, name and country, by name."""
    rows = connection.execute(
        select(organisations.c.organisation_id, organisations.c.name, organisations.c.country).order_by(
            organisations.c.name
        )
    ).mappings()
    return [dict(row) for row in rows]
