"""Who reads what: the organisations a person acts for and signs for today, whether they read a coalition,
whether they facilitate it. The domain's rules (`coalition.domain.policy`) asked of projection rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.base import NotAllowed, NotFound
from coalition.domain.coalition_state import Actor, Agreement, Coalition, Member, Role
from coalition.domain.organisation import Mandate
from projections.coalition_rows import exists, member_states
from projections.organisations import entries_of, entries_of_organisations
from projections.standing import Moment, Snapshot, snapshot


@dataclass(frozen=True, slots=True)
class _Organisation:
    """An organisation as `policy.acts_for` / `policy.signs_for` see it, from its rows about one person."""

    administrators: frozenset[str] = frozenset()
    mandates: dict[str, Mandate] = field(default_factory=dict)


def _mandate(row: Mapping[str, Any]) -> Mandate:
    return Mandate(
        row["entry_id"], row["user_id"], row["title"], row["valid_from"], row["valid_until"], row["revoked_on"]
    )


def _organisations(rows: Iterable[Mapping[str, Any]]) -> dict[str, _Organisation]:
    """The person's rows grouped by organisation."""
    found: dict[str, _Organisation] = {}
    for row in rows:
        held = found.setdefault(row["organisation_id"], _Organisation())
        if row["kind"] == "administrator":
            found[row["organisation_id"]] = _Organisation(held.administrators | {row["user_id"]}, held.mandates)
        else:
            held.mandates[row["entry_id"]] = _mandate(row)
    return found


def people_of(connection: Connection, organisation_ids: Iterable[str]) -> dict[str, _Organisation]:
    """These organisations' administrators and mandates (facts: valid or not), by organisation."""
    return _organisations(entries_of_organisations(connection, organisation_ids))


def acts_for(connection: Connection, user_id: str, day: date) -> set[str]:
    """The organisations the user may act for on `day` (`policy.acts_for`: administrator or valid mandate)."""
    return {
        o for o, held in _organisations(entries_of(connection, user_id)).items() if policy.acts_for(held, user_id, day)
    }


def mandates_of(connection: Connection, user_id: str, day: date) -> dict[str, str]:
    """The organisations the user may sign for on `day` (`policy.signs_for`), with their valid mandate's title."""
    return dict(held_by(connection, user_id, day).mandates)


@dataclass(frozen=True, slots=True)
class Held:
    """What a person holds on one day, from one read of their rows: the organisations they act for
    (`policy.acts_for`), sign for (`policy.signs_for`) and administer."""

    acts_for: frozenset[str]
    signs_for: frozenset[str]
    administers: frozenset[str]
    mandates: Mapping[str, str] = field(default_factory=dict)  # of `signs_for`: the valid mandate's title in each


def held_by(connection: Connection, user_id: str, day: date) -> Held:
    """The organisations the user acts for, signs for (with the title of their valid mandate there) and administers
    on `day`, in one query."""
    found = _organisations(entries_of(connection, user_id))
    titles = {
        o: next(m.title for m in held.mandates.values() if policy.mandate_valid(m, day))
        for o, held in found.items()
        if policy.signs_for(held, user_id, day)
    }
    return Held(
        frozenset(o for o, held in found.items() if policy.acts_for(held, user_id, day)),
        frozenset(titles),
        frozenset(o for o, held in found.items() if user_id in held.administrators),
        titles,
    )


def actor(connection: Connection, user_id: str, day: date) -> Actor:
    """The person and the organisations they act for on `day`."""
    return Actor(user_id, frozenset(acts_for(connection, user_id, day)))


@dataclass(frozen=True, slots=True)
class _Members:
    """A coalition's members, as `policy.may_read_coalition` sees them."""

    members: dict[str, Member]
    roles: dict[str, Role] = field(default_factory=dict)


def reads_as_member(states: Mapping[str, str], reader: Actor) -> bool:
    """True when `reader` may read a coalition whose members are in these `states` (`policy.may_read_coalition`)."""
    return policy.may_read_coalition(_Members({o: Member(o, s) for o, s in states.items()}), reader)


def reads_coalition(connection: Connection, coalition_id: str, reader: Actor) -> bool:
    """True when `reader` may read the coalition's member views now (from the membership rows of the reader's
    organisations only: the rule looks at no other)."""
    return reads_as_member(member_states(connection, coalition_id, organisations=reader.acts_for), reader)


def require_member_reader(connection: Connection, coalition_id: str, reader: Actor) -> None:
    """Refuse unless the coalition exists and `reader` may read its member views now."""
    if not exists(connection, coalition_id):
        raise NotFound("no such coalition: %(coalition)s", coalition=coalition_id)
    if not reads_coalition(connection, coalition_id, reader):
        raise NotAllowed("only the people of member organisations may read this")


def as_domain(snap: Snapshot) -> Coalition:
    """The domain's view of the coalition from a snapshot's rows: its agreement, members and roles, enough for
    the domain's rules on who may act (`policy.is_facilitator`, `policy.may_draft`, ...) to be asked of a read."""
    a = snap.agreement or {}
    agreement = Agreement(
        a["name"],
        a["purpose"],
        (),
        a["starts_on"],
        a["cooperation_mechanism"],
        a["benefit_sharing"],
        a.get("ends_on"),
        bool(a.get("members_may_draft")),
        a.get("time_zone"),
    )
    return Coalition(
        a["coalition_id"],
        agreement,
        {m["organisation_id"]: Member(m["organisation_id"], m["state"], m.get("verified_by")) for m in snap.members},
        {r["role_id"]: Role(r["role_id"], r["role"], r["user_id"], r["organisation_id"]) for r in snap.roles},
        closed_on=a.get("ended_on"),  # ending (lane ending): an ended coalition refuses every change
    )


def facilitates(snap: Snapshot, reader: Actor) -> bool:
    """Whether `reader` facilitates the coalition at the snapshot (`policy.is_facilitator`); a snapshot narrowed
    to some organisations (`Snapshot.scope`) answers it when they include the reader's."""
    return snap.agreement is not None and policy.is_facilitator(as_domain(snap), reader)


def readers_snapshot(
    connection: Connection, coalition_id: str, reader: Actor, moment: Moment, also: Iterable[str | None] = ()
) -> Snapshot:
    """The coalition at `moment` narrowed to the reader's organisations (`snapshot(..., organisations=)`): enough
    for every rule about the reader (whether they read it, facilitate it, may draft, sign or answer for their
    organisations), reading their rows only; not their statements' participation (no standing is asked).
    `also`: other organisations a rule asks about (the one a statement was drafted for: `policy.may_edit`)."""
    scope = reader.acts_for | {o for o in also if o is not None}
    return snapshot(connection, coalition_id, moment, scope)
