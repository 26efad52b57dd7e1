"""What the membership pages read alike: the coalition now, organisations' names, members' states."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import abort
from sqlalchemy.engine import Connection

from coalition.domain.coalition import STILL_MEMBER, Actor
from coalition.reads import organisations
from coalition.reads.access import readers_snapshot
from coalition.reads.standing import Moment, Snapshot
from coalition.web.pages import actor
from coalition.web.reading import today
from coalition.web.typed import SelectChoice

# -- --------------------------------------------------------------------------------------

#: The members listed as whom something may be done for or given to: the active ones (`members_in_order`'s order
#: and filter: by name).
ACTIVE = {"active": 0}


def yours(connection: Connection, coalition_id: str, also: Iterable[str | None] = ()) -> tuple[Snapshot, Actor]:
    """The coalition now narrowed to the signed-in reader's organisations and `also` (`access.readers_snapshot`),
    or the 404 page, and the reader: for a page whose rules are all about the reader's organisations (and those
    it names in `also`), which reads their rows, not the whole coalition's."""
    reader = actor(connection)
    snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today()), also)
    if snap.agreement is None:
        abort(404)
    return snap, reader


def named(connection: Connection, organisation_ids: set[str] | frozenset[str]) -> list[SelectChoice]:
    """These organisations' ids and names, by name."""
    return [SelectChoice(i, name) for i, name in organisations.names(connection, organisation_ids).items()]


def member_states(snap: Snapshot) -> dict[str, str]:
    return {m["organisation_id"]: m["state"] for m in snap.members}


def outside(snap: Snapshot, choices: list[SelectChoice]) -> list[SelectChoice]:
    """The organisations among `choices` that are not members now (never were, left, or were declined): they may
    ask to join."""
    states = member_states(snap)
    return [c for c in choices if states.get(c.value) not in STILL_MEMBER]


def day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def name_of(snap: Snapshot, organisation_id: str) -> str:
    return str(snap.names.get(organisation_id, {}).get("name", organisation_id))
