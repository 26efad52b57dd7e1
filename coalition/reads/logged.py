"""A statement as the log holds it at one position, folded from its events, never read from the read models.

What a sealed PDF shows and what verification compares it with must not depend on the read-model
tables: anyone who can write to the database can change those without breaking the hash chain. So
the statement's events up to the position are folded with the domain's own `evolve` (texts, version,
signatures, endorsements, state), the coalition's (its name; its members' states, which the rule on
counting is given) and the signing organisations' (name, country). Which signatures count is
`policy.counted`, the rule the pages apply. Alongside the fold, each signature and endorsement keeps
the event that made it: its position, chain hash, signer and time; and each signature the domain of the
signer's e-mail address as verified when they signed (the last `EmailVerified` on their `user-<id>`
stream before the signing event; empty if there was none, as for signatures made before verification).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.domain import coalition_state, organisation, policy, statement_state
from coalition.domain.base import Change
from coalition.domain.coalition_state import Coalition
from coalition.domain.event_types import registry
from coalition.domain.organisation import Organisation
from coalition.domain.statement_state import Statement, Text, content_hash
from events.hashing import recompute_hash
from events.personal import readable
from events.schema import events as events_table
from events.sql import stored_format
from projections.sets import one_of

SIGNING = ("StatementSigned", "SignatureConfirmed")
#: The person's event that says which e-mail domain a signer had shown to be theirs.
VERIFYING = ("EmailVerified",)
#: The organisation events that set what a PDF prints of an organisation (its name and country).
NAMING = ("OrganisationCreated",)
#: How many streams one query names (well under every backend's limit on parameters).
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Event:
    """One stored event, its payload read as the latest schema version."""

    position: int
    stream_id: str
    type: str
    payload: Mapping[str, Any]
    recorded_at: str  # as stored: UTC, ISO 8601, a trailing Z
    hash: str
    intact: bool  # its stored hash is the hash of its contents after the previous event's stored hash


@dataclass(frozen=True, slots=True)
class Signed:
    """The event that made an organisation's signature what it is (its last sign or confirm)."""

    organisation_id: str
    signer_name: str
    signer_title: str
    version_hash: str
    signed_at: str
    position: int
    hash: str
    email_domain: str = ""  # the domain of the signer's verified e-mail address when they signed ("" if none)


@dataclass(frozen=True, slots=True)
class Endorsed:
    """A person's last endorsement event."""

    user_id: str
    name: str
    title: str | None
    organisation_id: str
    version_hash: str
    endorsed_at: str
    position: int
    hash: str


@dataclass(frozen=True, slots=True)
class Logged:
    """A statement, its coalition and the events behind its signatures, as the log stood at `position`."""

    position: int
    statement: Statement
    coalition: Coalition | None
    signed: Mapping[str, Signed]
    endorsed: Mapping[str, Endorsed]

    @property
    def member_states(self) -> dict[str, str]:
        """Each member organisation's state in the coalition."""
        return {o: m.state for o, m in (self.coalition.members if self.coalition else {}).items()}

    def verified(self, organisation_id: str) -> bool:
        """Whether a facilitator's verified mark stood on the member at this position (`policy.is_verified`)."""
        return policy.is_verified(self.coalition.members.get(organisation_id) if self.coalition else None)

    @property
    def coalition_name(self) -> str:
        """The coalition's agreement name."""
        return self.coalition.agreement.name if self.coalition else ""

    @property
    def time_zone(self) -> str:
        """The coalition's time zone (UTC where its agreement states none)."""
        return (self.coalition.agreement.time_zone if self.coalition else None) or "UTC"

    def texts(self) -> dict[str, Text]:
        """Title and body by language: the statement's own language first, then the others by code."""
        s = self.statement
        return {s.language: s.texts[s.language], **{k: s.texts[k] for k in sorted(s.texts) if k != s.language}}

    def texts_hash(self) -> str:
        """The version hash the texts give (the domain's `content_hash`)."""
        return content_hash(self.statement.language, self.statement.texts)

    def counted(self) -> list[Signed]:
        """The signatures that count (`policy.counted`), each as its event, in the order they were made."""
        s = self.statement
        counting = policy.counted(s.signatures.values(), s.version_hash, self.member_states)
        return sorted((self.signed[x.organisation_id] for x in counting), key=lambda x: x.position)

    def endorsements(self) -> list[Endorsed]:
        """The endorsements of the current version, in the order they were made."""
        current = self.statement.version_hash
        return sorted((e for e in self.endorsed.values() if e.version_hash == current), key=lambda e: e.position)


def read(
    connection: Connection, streams: Collection[str], until: int, types: Collection[str] | None = None
) -> list[Event]:
    """The events of these streams up to position `until` (only of `types`, if given), in log order, each
    checked against its hash (an event edited in the database, its stored hash kept, is not `intact`)."""
    found: list[Event] = []
    chain = stored_format(connection)  # the log's own chain format: its genesis and how it hashes
    names = sorted(streams)
    previous = events_table.alias("previous")
    e = events_table.c
    for start in range(0, len(names), CHUNK):
        query = (
            select(*events_table.c, previous.c.hash.label("previous_hash"))
            .join_from(events_table, previous, previous.c.position == e.position - 1, isouter=True)
            .where(one_of(connection, e.stream_id, names[start : start + CHUNK]), e.position <= until)
            .order_by(e.position)
        )
        if types is not None:
            query = query.where(e.type.in_(sorted(types)))
        for row in connection.execute(query).all():  # read whole: opening personal fields queries the keys
            before = chain.genesis if row.position == 1 else row.previous_hash
            intact = before is not None and recompute_hash(before, row, chain) == row.hash
            payload = readable(registry, connection, row.stream_id, row.type, row.schema_version, row.payload)[1]
            found.append(Event(row.position, row.stream_id, row.type, payload, row.recorded_at, row.hash, intact))
    if len(names) > CHUNK:
        found.sort(key=lambda event: event.position)
    return found


class History:
    """A statement's and its coalition's events up to one position, read once and folded at any earlier one."""

    def __init__(self, connection: Connection, statement_id: str, until: int) -> None:
        self.until = until
        self._folded: dict[int, Logged | None] = {}
        self.statement_events = read(connection, [statement_state.stream(statement_id)], until)
        drafted = self.statement_events[0].payload if self.statement_events else None
        self.coalition_id: str | None = str(drafted["coalition_id"]) if drafted else None
        self.coalition_events = (
            read(connection, [coalition_state.stream(self.coalition_id)], until) if self.coalition_id else []
        )
        signers = {str(e.payload["user_id"]) for e in self.statement_events if e.type in SIGNING}
        self.verified = read(connection, [f"user-{u}" for u in signers], until, VERIFYING) if signers else []

    def domain_of(self, user_id: str, position: int) -> str:
        """The domain a person's last `EmailVerified` before `position` names ("" if none)."""
        found = [e for e in self.verified if e.payload["user_id"] == user_id and e.position < position]
        return str(found[-1].payload["domain"]) if found else ""

    def damaged(self) -> list[int]:
        """The positions of the statement's and coalition's events that do not match their hashes."""
        return sorted(e.position for e in [*self.statement_events, *self.coalition_events] if not e.intact)

    def at(self, position: int) -> Logged | None:
        """The statement as the log stood at `position` (None: it did not exist yet); folded once per position."""
        if position not in self._folded:
            self._folded[position] = self._fold(position)
        return self._folded[position]

    def _fold(self, position: int) -> Logged | None:
        state: Statement | None = None
        signed: dict[str, Signed] = {}
        endorsed: dict[str, Endorsed] = {}
        for event in _upto(self.statement_events, position):
            state = statement_state.evolve(state, Change(event.type, dict(event.payload)))
            p = event.payload
            if event.type in SIGNING:
                signed[p["organisation_id"]] = Signed(
                    p["organisation_id"],
                    p["signer_name"],
                    p["signer_title"],
                    p["version_hash"],
                    event.recorded_at,
                    event.position,
                    event.hash,
                    self.domain_of(str(p["user_id"]), event.position),
                )
            elif event.type == "StatementEndorsed":
                endorsed[p["user_id"]] = Endorsed(
                    p["user_id"],
                    p["name"],
                    p.get("title"),
                    p["organisation_id"],
                    p["version_hash"],
                    event.recorded_at,
                    event.position,
                    event.hash,
                )
        if state is None:
            return None
        coalition: Coalition | None = None
        for event in _upto(self.coalition_events, position):
            coalition = coalition_state.evolve(coalition, Change(event.type, dict(event.payload)))
        return Logged(position, state, coalition, signed, endorsed)


def organisations(connection: Connection, ids: Iterable[str], until: int) -> dict[str, Organisation]:
    """The organisations' names and countries as the log stood at `until`, folded with the domain's `evolve`
    from the one event that sets them (administrators and mandates are not what a PDF prints)."""
    wanted = set(ids)
    folded: dict[str, Organisation | None] = dict.fromkeys(wanted)
    by_stream = {organisation.stream(o): o for o in wanted}
    for event in read(connection, by_stream, until, NAMING):
        key = by_stream[event.stream_id]
        folded[key] = organisation.evolve(folded[key], Change(event.type, dict(event.payload)))
    return {o: state for o, state in folded.items() if state is not None}


def _upto(events: list[Event], position: int) -> Iterable[Event]:
    for event in events:
        if event.position > position:
            return
        yield event
