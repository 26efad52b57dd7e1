"""Organisation names and registration numbers claimed per country: one organisation per name, one per number.

Every `OrganisationCreated` event claims its name's key (`coalition.domain.names.name_key`) and, if it
gives one, its registration number's key in its country, in the transaction that appends the event
(`Services.append` calls `claim` for every append, whichever command made the event: the
organisation form, the API, an invitation's new organisation, the demo). Appends hold the store's
write lock, so looking for a holder and then inserting cannot race; the table's primary key on
(kind, country, key) is the backstop all the same. A name already held refuses the whole append
with a `Taken` refusal (409) that names the organisation holding it.

The claims are not a read model: they are rows beside the log, like accounts, and only grow. `backfill`
fills them from the `organisations` read model (the migration that adds them; after `flask events
import`): organisations recorded before the rule whose names already collide keep their names (the
first one recorded holds the claim, the others are logged as a warning and listed by `collisions`),
and every new organisation is refused the name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from coalition.domain.base import RuleBroken
from coalition.domain.names import digest, name_key, registration_key
from events import RecordedEvent
from events.store import format_time
from projections.organisations import organisations

log = logging.getLogger(__name__)

metadata = MetaData()

organisation_claims = Table(
    "organisation_claims",
    metadata,
    Column("kind", String(20), primary_key=True),  # "name" or "registration"
    Column("country", String(2), primary_key=True),
    Column("key_hash", String(64), primary_key=True),  # SHA-256 of the key: a fixed length whatever the text's
    Column("organisation_id", String(64), nullable=False, index=True),
    Column("claimed_at", String(32), nullable=False),
)

KINDS = ("name", "registration")


class Taken(RuleBroken):
    """The name or registration number is already held, in that country, by another organisation."""


def keys(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The (kind, country, key hash) an organisation's profile claims: its name, and its number if it has one."""
    found = [("name", payload["country"], digest(name_key(payload["name"])))]
    number = payload.get("registration_number")
    if number and registration_key(number):
        found.append(("registration", payload["country"], digest(registration_key(number))))
    return found


def holder(connection: Connection, kind: str, country: str, key_hash: str) -> str | None:
    """The organisation holding a claim, if any."""
    c = organisation_claims.c
    return connection.execute(
        select(c.organisation_id).where(c.kind == kind, c.country == country, c.key_hash == key_hash)
    ).scalar()


def _refusal(connection: Connection, kind: str, payload: dict[str, Any], holder_id: str) -> Taken:
    held = connection.execute(select(organisations.c.name).where(organisations.c.organisation_id == holder_id)).scalar()
    params = {"country": payload["country"], "existing": held or holder_id, "organisation": holder_id}
    if kind == "registration":
        return Taken(
            "the registration number %(number)s is already held in %(country)s by %(existing)s "
            "(/organisations/%(organisation)s): check the number, or ask that organisation's administrators "
            "to add you",
            number=payload["registration_number"],
            **params,
        )
    return Taken(
        "an organisation named %(existing)s (/organisations/%(organisation)s) already exists in %(country)s, "
        "and %(name)s reads as the same name: ask its administrators to add you, or choose a name that "
        "tells the two apart",
        name=payload["name"],
        **params,
    )


def claim(connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
    """Claim the names and numbers of the organisations these events create, or refuse the append (`Taken`)."""
    for event in recorded:
        if event.type != "OrganisationCreated":
            continue
        p = dict(event.payload)
        rows = []
        for kind, country, key_hash in keys(p):
            held = holder(connection, kind, country, key_hash)
            if held == p["organisation_id"]:
                continue
            if held is not None:
                raise _refusal(connection, kind, p, held)
            rows.append(
                {
                    "kind": kind,
                    "country": country,
                    "key_hash": key_hash,
                    "organisation_id": p["organisation_id"],
                    "claimed_at": format_time(event.recorded_at),
                }
            )
        if rows:
            try:
                connection.execute(insert(organisation_claims), rows)
            except IntegrityError:  # only without the write lock; still never two holders
                raise Taken("this name or registration number was just claimed by another organisation") from None


def backfill(connection: Connection, profiles: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """Claim what the given organisation profiles (in the order they were recorded) do not hold yet.

    Returns the (organisation, holder) pairs that already collide: those keep their names, logged as a warning.
    """
    collisions = []
    for profile in profiles:
        for kind, country, key_hash in keys(profile):
            held = holder(connection, kind, country, key_hash)
            if held is None:
                connection.execute(
                    insert(organisation_claims),
                    {
                        "kind": kind,
                        "country": country,
                        "key_hash": key_hash,
                        "organisation_id": profile["organisation_id"],
                        "claimed_at": profile["created_at"],
                    },
                )
            elif held != profile["organisation_id"]:
                collisions.append((profile["organisation_id"], held))
                log.warning(
                    "organisation %s has the %s of organisation %s in %s (recorded before names were unique): "
                    "both keep it, new organisations are refused it",
                    profile["organisation_id"],
                    kind,
                    held,
                    country,
                )
    return collisions


def refill(connection: Connection) -> list[tuple[str, str]]:
    """`backfill` from every organisation the read model holds, in the order they were recorded (after an import)."""
    o = organisations.c
    rows = connection.execute(
        select(o.organisation_id, o.name, o.country, o.registration_number, o.created_at).order_by(o.position)
    ).mappings()
    return backfill(connection, [dict(row) for row in rows])
