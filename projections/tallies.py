"""How many signatures each statement holds, counted by the facts the domain's rule on counting is asked.

Facts, not verdicts: a tally is the number of a statement's signatures that share the version signed, whether
they are withdrawn, their organisation's membership state and its country; which of them count is the domain's
`policy.counts`, asked at read time of each tally (`coalition.reads.signatories`). A statement has a handful
of tallies however many organisations signed, so its count and countries are read without its signatures.

Each signature's tally is kept beside it (`statement_tally_keys`), so that a change moves it from one tally to
another: signing, re-confirming or withdrawing; and its organisation's membership changing (suspended, left,
reinstated). The facts are read from the statements' and coalitions' versioned rows as they stood at the
event's position, so the tallies are the same whether built event by event or rebuilt from the log; both of
those projections come before this one in the runner's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, and_, bindparam, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter

from events import RecordedEvent, driver
from projections.base import IN_LIST, Projection, Replay, add_up, metadata
from projections.coalitions import MEMBER_STATE_AFTER, memberships
from projections.organisations import organisations
from projections.statements import signatures
from projections.versioned import valid_at

#: In a tally's key: the organisation was not a member of the coalition then / is not known (no country).
NONE = ""

tallies = Table(
    "statement_tallies",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("version_hash", String(64), primary_key=True),
    Column("withdrawn", Boolean, primary_key=True),
    Column("member_state", String(20), primary_key=True),  # NONE: not a member
    Column("country", String(2), primary_key=True),  # NONE: unknown organisation
    Column("signatures", Integer, nullable=False),
)

keys = Table(  # under which tally each signature is counted now
    "statement_tally_keys",
    metadata,
    Column("statement_id", String(64), primary_key=True),
    Column("organisation_id", String(64), primary_key=True),
    Column("coalition_id", String(64), nullable=False),
    Column("version_hash", String(64), nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("member_state", String(20), nullable=False),
    Column("country", String(2), nullable=False),
    Index("ix_statement_tally_keys_member", "coalition_id", "organisation_id"),
)

FACTS = ("version_hash", "withdrawn", "member_state", "country")
SIGNATURE_EVENTS = frozenset({"StatementSigned", "SignatureConfirmed", "SignatureWithdrawn"})
MEMBERSHIP_EVENTS = frozenset({"CoalitionFounded", *MEMBER_STATE_AFTER})


def _facts_of(*which: Any) -> Any:
    """The tally keys (statement, organisation, coalition and `FACTS`) of the signatures `which` picks, as the log
    stood at the bound `position`: the signature, its organisation's membership then (NONE: not a member) and its
    country (NONE: unknown). The one definition of a key, for a signature's recount and a rebuild's set-wise count."""
    s, m, o = signatures.c, memberships.c, organisations.c
    position: BindParameter[int] = bindparam("position")
    member_then = and_(
        m.coalition_id == s.coalition_id, m.organisation_id == s.organisation_id, valid_at(memberships, position)
    )
    return (
        select(
            s.statement_id,
            s.organisation_id,
            s.coalition_id,
            s.version_hash,
            (s.status == "withdrawn").label("withdrawn"),
            func.coalesce(m.state, NONE).label("member_state"),
            func.coalesce(o.country, NONE).label("country"),
        )
        .select_from(
            signatures.outerjoin(memberships, member_then).outerjoin(
                organisations, o.organisation_id == s.organisation_id
            )
        )
        .where(*which, valid_at(signatures, position))
    )


# Built once, sent with parameters: these run for every signature (building costs more than executing).
KEY_WHERE = (keys.c.statement_id == bindparam("statement_id"), keys.c.organisation_id == bindparam("organisation_id"))
FACTS_QUERY = _facts_of(
    signatures.c.statement_id == bindparam("statement_id"), signatures.c.organisation_id == bindparam("organisation_id")
)
KEY_READ = select(keys).where(*KEY_WHERE)
KEY_DELETE = delete(keys).where(*KEY_WHERE)
KEY_INSERT = keys.insert()
TALLY_KEY = ("statement_id", *FACTS)
EMPTY_TALLY = delete(tallies).where(
    *[tallies.c[name] == bindparam(name) for name in TALLY_KEY], tallies.c.signatures == 0
)
HELD = select(keys.c.statement_id).where(  # by `ix_statement_tally_keys_member`: a probe per organisation
    keys.c.coalition_id == bindparam("coalition_id"),
    keys.c.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
)


def _facts(connection: Connection, statement_id: str, organisation_id: str, position: int) -> dict[str, Any] | None:
    """The tally key of the organisation's signature as the log stood at `position` (None: no signature): the
    signature, its organisation's membership then and its country, in one query (one per signature, under load)."""
    signed = driver.first(
        connection,
        FACTS_QUERY,
        {"statement_id": statement_id, "organisation_id": organisation_id, "position": position},
    )
    return None if signed is None else {name: signed[name] for name in ("coalition_id", *FACTS)}


def _count(connection: Connection, statement_id: str, facts: dict[str, Any], change: int) -> None:
    """Add `change` to the tally of these facts in one statement (an atomic increment, whatever runs beside it);
    a tally that reaches 0 is removed."""
    key = {"statement_id": statement_id, **{name: facts[name] for name in FACTS}}
    add_up(connection, tallies, [{**key, "signatures": change}], TALLY_KEY, "signatures")
    if change < 0:
        driver.send(connection, EMPTY_TALLY, key)


def recount(connection: Connection, statement_id: str, organisation_id: str, position: int) -> None:
    """Move the organisation's signature to the tally of its facts at `position`, if they changed."""
    ids = {"statement_id": statement_id, "organisation_id": organisation_id}
    before = driver.first(connection, KEY_READ, ids)
    after = _facts(connection, statement_id, organisation_id, position)
    old = None if before is None else {name: before[name] for name in ("coalition_id", *FACTS)}
    if old == after:
        return
    if old is not None:
        _count(connection, statement_id, old, -1)
        driver.send(connection, KEY_DELETE, ids)
    if after is not None:
        _count(connection, statement_id, after, +1)
        driver.send(connection, KEY_INSERT, {**ids, **after})


# A rebuild's set-wise form (`SetWise`): every signature of some statements with its facts at a position, as keys,
# and those statements' tallies counted from their keys.
_STATEMENTS: BindParameter[str] = bindparam("statement_ids", expanding=True)


KEYS_OF_STATEMENTS = keys.insert().from_select(
    [c.name for c in keys.columns], _facts_of(signatures.c.statement_id.in_(_STATEMENTS))
)
TALLIES_OF_STATEMENTS = tallies.insert().from_select(
    [*TALLY_KEY, "signatures"],
    select(*[keys.c[name] for name in TALLY_KEY], func.count())
    .where(keys.c.statement_id.in_(_STATEMENTS))
    .group_by(*[keys.c[name] for name in TALLY_KEY]),
)


class SetWise(Replay):
    """The tallies of a rebuild, counted set-wise once each chunk is written instead of event by event.

    Event by event, a signature's key is its facts at the last event that recounted it; and every event that
    changes one of those facts recounts it (its own signature events; its organisation's membership events in
    that coalition, for every statement where it holds a key); the organisation's country never changes. So at
    any position each key is the signature's facts at that position, and each tally the count of its keys: what
    this writes at a chunk's end, for the statements the chunk touched, in four statements per 500 of them
    (four or five per signature otherwise: most of a rebuild's time, docs/benchmarks.md). `projections check`
    and tests/integration/test_rebuild.py compare it, table by table, with the event-by-event path.
    """

    def __init__(self, projection: Projection) -> None:
        super().__init__(projection)
        self.statements: set[str] = set()
        self.members: set[tuple[str, str]] = set()  # (coalition, organisation) whose membership changed

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Note the statements and memberships the batch touches; nothing is written yet."""
        for event in events:
            p = event.payload
            if event.type in SIGNATURE_EVENTS:
                self.statements.add(p["statement_id"])
            else:
                self.members.add((p["coalition_id"], p["organisation_id"]))

    def done(self, connection: Connection, position: int) -> None:
        """Write the keys and tallies of every statement the chunk touched, as they stand at `position`."""
        touched = set(self.statements)
        by_coalition: dict[str, list[str]] = {}
        for coalition_id, organisation_id in sorted(self.members):
            by_coalition.setdefault(coalition_id, []).append(organisation_id)
        for coalition_id, members in by_coalition.items():
            for start in range(0, len(members), IN_LIST):
                some = {"coalition_id": coalition_id, "organisation_ids": members[start : start + IN_LIST]}
                touched.update(connection.execute(HELD, some).scalars())
        ids = sorted(touched)
        for start in range(0, len(ids), IN_LIST):
            part = ids[start : start + IN_LIST]
            connection.execute(delete(keys).where(keys.c.statement_id.in_(part)))
            connection.execute(KEYS_OF_STATEMENTS, {"statement_ids": part, "position": position})
            connection.execute(delete(tallies).where(tallies.c.statement_id.in_(part)))
            connection.execute(TALLIES_OF_STATEMENTS, {"statement_ids": part})
        self.statements.clear()
        self.members.clear()


class SignatureTallies(Projection):
    """Per statement, its signatures counted by version signed, withdrawn, membership state and country."""

    name = "signature_tallies"
    tables = (tallies, keys)
    types = SIGNATURE_EVENTS | MEMBERSHIP_EVENTS

    def replay(self) -> Replay:
        """A rebuild counts the tallies set-wise at each chunk's end (`SetWise`)."""
        return SetWise(self)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Recount the signatures each event touches: its own, or every one of the member whose state changed."""
        for event in events:
            p = event.payload
            if event.type in SIGNATURE_EVENTS:
                recount(connection, p["statement_id"], p["organisation_id"], event.position)
                continue
            held = connection.execute(
                HELD, {"coalition_id": p["coalition_id"], "organisation_ids": [p["organisation_id"]]}
            ).scalars()
            for statement_id in list(held):
                recount(connection, statement_id, p["organisation_id"], event.position)
