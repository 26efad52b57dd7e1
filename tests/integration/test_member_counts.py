"""The members counted by state (`projections.member_counts`): kept as memberships change, the same as counting the
memberships' rows, whether built event by event, in batches, by a rebuild or by a projection catching up."""

from __future__ import annotations

from itertools import islice

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.world_log import registry, world_events
from events import EventStore, Metadata, NewEvent
from projections import ProjectionRunner, checkpoints, default_projections
from projections.coalitions import Coalitions, memberships
from projections.member_counts import MemberCounts, member_count, member_counts
from projections.member_counts import counts as counts_table
from tests.integration.test_rebuild import build_incrementally


@pytest.fixture
def store(engine: Engine) -> EventStore:
    """A store with the application's event types (personal fields sealed)."""
    return EventStore(engine, registry)


def counted_from_rows(store: EventStore) -> dict[str, dict[str, int]]:
    """Each coalition's current memberships counted by state: what the table must hold."""
    m = memberships.c
    query = sa.select(m.coalition_id, m.state, sa.func.count()).where(m.until_position.is_(None))
    found: dict[str, dict[str, int]] = {}
    with store.engine.connect() as connection:
        for coalition_id, state, n in connection.execute(query.group_by(m.coalition_id, m.state)):
            found.setdefault(coalition_id, {})[state] = n
    return found


def kept(store: EventStore) -> dict[str, dict[str, int]]:
    """The table as it is, every row (a state nobody is in must have none)."""
    found: dict[str, dict[str, int]] = {}
    with store.engine.connect() as connection:
        for coalition_id, state, n in connection.execute(sa.select(counts_table)):
            found.setdefault(coalition_id, {})[state] = n
    return found


def membership(kind: str, organisation_id: str, coalition_id: str = "c1") -> NewEvent:
    payload = {"coalition_id": coalition_id, "organisation_id": organisation_id}
    if kind in ("MemberSuspended", "MemberReinstated", "MemberLeft", "MembershipDeclined"):
        payload["reason"] = "Dues unpaid."
    return NewEvent(f"coalition-{coalition_id}", kind, payload)


def test_the_counts_follow_every_change_of_state_event_by_event(store: EventStore) -> None:
    runner = ProjectionRunner(store, default_projections())
    generated = world_events(2500, seed=5)
    seen: set[str] = set()
    while batch := list(islice(generated, 3)):  # small appends: a member's moves seldom share one
        store.append(batch, metadata=Metadata(actor_id="facilitator"), within=runner.within_append)
        assert kept(store) == counted_from_rows(store)
        seen |= {state for coalition in kept(store).values() for state in coalition}

    assert {"active", "requested"} <= seen  # members moved between states (asked, then approved), not only in
    assert all(n > 0 for coalition in kept(store).values() for n in coalition.values())


def test_a_member_moved_twice_in_one_batch_counts_once_in_its_last_state(store: EventStore) -> None:
    """One append (a batch) that asks, approves, suspends and reinstates: counted once, as active, and no state
    the member passed through keeps a row of 0."""
    runner = ProjectionRunner(store, [Coalitions(), MemberCounts()])
    founded = {
        "coalition_id": "c1",
        "organisation_id": "founder",
        "name": "C",
        "purpose": "P",
        "objectives": [],
        "starts_on": "2026-01-01",
        "cooperation_mechanism": "Meetings.",
        "benefit_sharing": "Shared.",
        "founded_by": "u1",
    }
    store.append([NewEvent("coalition-c1", "CoalitionFounded", founded)], within=runner.within_append)
    assert kept(store) == {"c1": {"active": 1}}
    store.append(
        [
            membership("MembershipRequested", "o1"),
            membership("MembershipApproved", "o1"),
            membership("MemberSuspended", "o1"),
            membership("MembershipRequested", "o2"),
        ],
        within=runner.within_append,
    )
    assert kept(store) == {"c1": {"active": 1, "suspended": 1, "requested": 1}}
    store.append(
        [membership("MemberReinstated", "o1"), membership("MembershipDeclined", "o2")], within=runner.within_append
    )
    assert kept(store) == {"c1": {"active": 2, "declined": 1}}  # nobody suspended or asking: no row for either
    store.append([membership("MemberLeft", "o1"), membership("MembershipRequested", "o2")], within=runner.within_append)
    assert kept(store) == {"c1": {"active": 1, "left": 1, "requested": 1}}


def test_the_reads_count_now_from_the_table_and_at_a_past_position_from_the_rows(store: EventStore) -> None:
    build_incrementally(store, 1500)
    head = store.head()[0]
    with store.engine.connect() as connection:
        for coalition_id, states in counted_from_rows(store).items():
            assert member_counts(connection, coalition_id) == states
            assert member_counts(connection, coalition_id, head) == states  # the other path, counting the rows
            assert member_count(connection, coalition_id) == sum(states.values())
            assert member_count(connection, coalition_id, head) == sum(states.values())
        assert member_counts(connection, "no-such-coalition") == {}
        assert member_count(connection, "no-such-coalition") == 0


def test_a_projection_behind_the_others_catches_up_to_the_same_counts(store: EventStore) -> None:
    """As after migration 0026 with the app before it still appending: the counts' checkpoint behind the
    coalitions', and events it never saw are counted once it catches up (the memberships' closed rows say what
    each organisation left, however long ago)."""
    build_incrementally(store, 2000)
    expected = kept(store)
    with store.engine.begin() as connection:
        connection.execute(sa.delete(counts_table))
        connection.execute(sa.update(checkpoints).where(checkpoints.c.name == "member_counts").values(position=0))

    ProjectionRunner(store, [MemberCounts()], batch=53).catch_up()

    assert kept(store) == expected == counted_from_rows(store)


def test_projections_named_in_any_order_are_replayed_in_the_runners(store: EventStore) -> None:
    """`flask projections rebuild member_counts coalitions`: the counts read the memberships the coalitions write,
    so the coalitions go first whatever order they are named in (named the other way, each batch's changes of
    state were counted as new members)."""
    build_incrementally(store, 1500)
    expected = kept(store)
    rebuilding = ProjectionRunner(store, default_projections(), chunk=300, batch=3)

    assert [p.name for p in rebuilding.select(["member_counts", "coalitions"])] == ["coalitions", "member_counts"]
    rebuilding.rebuild(["member_counts", "coalitions"])

    assert kept(store) == expected == counted_from_rows(store)


def test_a_catch_up_never_takes_the_counts_past_the_memberships_they_read(store: EventStore) -> None:
    """The coalitions projection far behind (an interrupted rebuild of it) while members change: a catch-up moves
    each projection no further than those before it, so the counts never read a membership not written yet."""
    build_incrementally(store, 1500)
    with store.engine.begin() as connection:
        m = memberships.c
        active = connection.execute(
            sa.select(m.coalition_id, m.organisation_id).where(m.until_position.is_(None), m.state == "active")
        ).all()
        Coalitions().reset(connection)
        connection.execute(sa.update(checkpoints).where(checkpoints.c.name == "coalitions").values(position=0))
    assert len(active) >= 5
    before = kept(store)
    store.append([membership("MemberSuspended", o, c) for c, o in active[:5]])  # no projection inside the append

    ProjectionRunner(store, default_projections(), chunk=200).catch_up()

    assert kept(store) == counted_from_rows(store)
    coalition = active[0][0]
    suspended = sum(1 for c, _o in active[:5] if c == coalition)
    assert kept(store)[coalition]["suspended"] == suspended
    assert kept(store)[coalition]["active"] == before[coalition]["active"] - suspended


def test_a_rebuild_of_the_counts_alone_stops_where_the_memberships_it_reads_stop(store: EventStore) -> None:
    """`flask projections rebuild member_counts` while the coalitions projection is behind the log (a worker still
    catching it up): the counts are replayed no further than the memberships are written, and the whole runner's
    catch-up takes both on to the same counts as counting the rows."""
    build_incrementally(store, 1500)
    expected = kept(store)
    with store.engine.begin() as connection:
        Coalitions().reset(connection)
        connection.execute(sa.update(checkpoints).where(checkpoints.c.name == "coalitions").values(position=0))

    ProjectionRunner(store, default_projections(), chunk=200).rebuild(["member_counts"])

    with store.engine.connect() as connection:
        saved = dict(connection.execute(sa.select(checkpoints.c.name, checkpoints.c.position)).all())
    assert saved["member_counts"] <= saved["coalitions"] == 0
    assert kept(store) == {}
    ProjectionRunner(store, default_projections(), chunk=200).catch_up()
    assert kept(store) == expected == counted_from_rows(store)
