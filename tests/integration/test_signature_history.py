"""`signature_history` on projection rows written by hand: as the full rescan at each position answered, and
at a cost in calls of the rule (`policy.counts`) that grows with the changes, not with changes times signatures.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads import signature_history as over_time
from coalition.reads import statements as reads
from projections import statements as tables
from projections.audit import coalition_log
from projections.base import metadata
from projections.coalitions import memberships
from tests.e2e.test_one_rule import suspended_do_not_count

COALITION, STATEMENT = "c1", "s1"


class Log:
    """Versioned rows as the projections write them: each change ends the row true before it and starts one."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.position = 0
        self.open: dict[tuple[str, str], dict[str, Any]] = {}  # the row true now, by (table, key)
        self.rows: dict[str, list[dict[str, Any]]] = {"signatures": [], "statements": [], "memberships": []}

    def change(self, table: str, key: str, **values: Any) -> None:
        """A new event that changes `key`'s row of `table` to `values` (None: ends it)."""
        self.position += 1
        self.connection.execute(
            sa.insert(coalition_log),
            {
                "position": self.position,
                "coalition_id": COALITION,
                "type": table,
                "recorded_at": f"t{self.position:06}",
            },
        )
        before = self.open.pop((table, key), None)
        if before is not None:
            before["until_position"] = self.position
        if values:
            row = {**values, "from_position": self.position, "until_position": None}
            self.open[(table, key)] = row
            self.rows[table].append(row)

    def write(self) -> None:
        statement = {
            "statement_id": STATEMENT, "coalition_id": COALITION, "language": "en", "title": "T", "body": "B",
            "drafted_by": "u", "drafted_at": "t", "changed_at": "t",
        }  # fmt: skip
        signature = {
            "statement_id": STATEMENT, "coalition_id": COALITION, "user_id": "u", "signer_name": "N",
            "signer_title": "T", "signed_at": "t", "first_signed_at": "t", "event_hash": "h",
        }  # fmt: skip
        member = {"coalition_id": COALITION, "since": "t"}
        for table, fixed in (
            (tables.statements, statement),
            (tables.signatures, signature),
            (memberships, member),
        ):
            name = {"statement_signatures": "signatures", "statements": "statements"}.get(table.name, "memberships")
            if self.rows[name]:
                self.connection.execute(sa.insert(table), [{**fixed, **row} for row in self.rows[name]])


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine, tables=[tables.statements, tables.signatures, memberships, coalition_log])
    with engine.begin() as connection:
        yield connection


def rescanned(connection: Connection) -> list[tuple[str, int]]:
    """The history as the full rescan at each position found it (the quadratic reading it replaced)."""
    sig, text, member = tables.signatures.c, tables.statements.c, memberships.c
    signed = connection.execute(sa.select(tables.signatures).where(sig.statement_id == STATEMENT)).all()
    if not signed:
        return []
    versions = connection.execute(sa.select(tables.statements).where(text.statement_id == STATEMENT)).all()
    states = connection.execute(sa.select(memberships).where(member.coalition_id == COALITION)).all()

    def valid(row: Any, position: int) -> bool:
        return bool(row.from_position <= position and (row.until_position is None or row.until_position > position))

    first = min(row.from_position for row in signed)
    changes = {row.from_position for row in [*signed, *versions]}
    changes |= {row.until_position for row in signed if row.until_position is not None}
    changes |= {p for m in states for p in (m.from_position, m.until_position) if p is not None and p >= first}
    times = dict(connection.execute(sa.select(coalition_log.c.position, coalition_log.c.recorded_at)).all())
    history = []
    for position in sorted(changes):
        current = next((v.version_hash for v in versions if valid(v, position)), None)
        if current is None or position not in times:
            continue
        now = {m.organisation_id: m.state for m in states if valid(m, position)}
        held = [dict(row._mapping) for row in signed if valid(row, position)]
        history.append((times[position], sum(reads.counts(row, current, now) for row in held)))
    return history


def play(log: Log, organisations: int, steps: int, seed: int) -> dict[str, int]:
    """A draft opened, members joining, and `steps` random signatures, confirmations, withdrawals,
    suspensions, reinstatements, departures and amendments; how many of each kind were written."""
    rng = random.Random(seed)
    orgs = [f"o{i}" for i in range(organisations)]
    written = {"signatures": 0, "memberships": 0, "amendments": 0}
    version = 0
    log.change("statements", STATEMENT, state="draft", version=0, version_hash=None)
    for org in orgs[: organisations // 2]:
        log.change("memberships", org, organisation_id=org, state="active")
        written["memberships"] += 1
    log.change("statements", STATEMENT, state="open", version=1, version_hash="v1")
    version = 1
    for _ in range(steps):
        org, kind = rng.choice(orgs), rng.random()
        if kind < 0.45:
            status = "withdrawn" if rng.random() < 0.2 else "signed"
            hash_ = f"v{version}" if rng.random() < 0.9 else f"v{max(1, version - 1)}"
            log.change("signatures", org, organisation_id=org, version_hash=hash_, status=status, event_position=0)
            written["signatures"] += 1
        elif kind < 0.9:
            state = rng.choice(["active", "active", "suspended", "left"])
            log.change("memberships", org, **({} if state == "left" else {"organisation_id": org, "state": state}))
            written["memberships"] += 1
        else:
            version += 1
            log.change("statements", STATEMENT, state="open", version=version, version_hash=f"v{version}")
            written["amendments"] += 1
    return written


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rule", ["today", "suspended_do_not_count"])
def test_the_history_is_what_the_rescan_at_each_position_found(
    connection: Connection, monkeypatch: pytest.MonkeyPatch, seed: int, rule: str
) -> None:
    if rule != "today":
        monkeypatch.setattr(policy, "counts", suspended_do_not_count)
    log = Log(connection)
    play(log, organisations=8, steps=60, seed=seed)
    log.write()

    assert over_time.signature_history(connection, COALITION, STATEMENT) == rescanned(connection)


def test_no_signature_no_history(connection: Connection) -> None:
    log = Log(connection)
    log.change("statements", STATEMENT, state="open", version=1, version_hash="v1")
    log.change("memberships", "o1", organisation_id="o1", state="active")
    log.write()

    assert over_time.signature_history(connection, COALITION, STATEMENT) == []


@pytest.mark.parametrize("organisations", [40, 160])
def test_the_rule_is_asked_again_only_where_its_answer_may_change(
    connection: Connection, monkeypatch: pytest.MonkeyPatch, organisations: int
) -> None:
    """Every member signs, each is suspended and reinstated, the text is amended and every one confirms: a
    rescan at every position would ask the rule about members x positions times."""
    asked = 0

    def counting(*args: Any) -> bool:
        nonlocal asked
        asked += 1
        return suspended_do_not_count(*args)

    monkeypatch.setattr(policy, "counts", counting)
    log = Log(connection)
    orgs = [f"o{i}" for i in range(organisations)]
    log.change("statements", STATEMENT, state="open", version=1, version_hash="v1")
    for org in orgs:
        log.change("memberships", org, organisation_id=org, state="active")
    for org in orgs:
        log.change("signatures", org, organisation_id=org, version_hash="v1", status="signed", event_position=0)
    for state in ("suspended", "active"):
        for org in orgs:
            log.change("memberships", org, organisation_id=org, state=state)
    log.change("statements", STATEMENT, state="open", version=2, version_hash="v2")
    for org in orgs:
        log.change("signatures", org, organisation_id=org, version_hash="v2", status="signed", event_position=0)
    log.write()

    points = over_time.signature_history(connection, COALITION, STATEMENT)

    counts = [count for _, count in points]
    n = organisations
    assert counts == [0, *range(1, n + 1), *range(n - 1, -1, -1), *range(1, n + 1), 0, *range(1, n + 1)]
    signatures, membership_changes, amendments = 2 * n, 3 * n, 1
    assert asked <= 2 * (signatures + membership_changes + amendments * n)
