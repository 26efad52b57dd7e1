"""The rebuild (one read of the log, writes deferred) gives exactly the read models the incremental path gives."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bench.world_log import registry, world_events
from events import EventStore, Metadata, NewEvent, RecordedEvent
from projections import Projection, ProjectionRunner, checkpoints, default_projections, metadata
from projections.coalitions import memberships
from projections.deferred import Deferred
from projections.statements import SIGNATURES, signatures
from projections.tallies import keys

Rows = dict[str, list[tuple[object, ...]]]


@pytest.fixture
def store(engine: Engine) -> EventStore:
    """A store with the application's event types (personal fields sealed)."""
    return EventStore(engine, registry)


def read_models(store: EventStore) -> Rows:
    """Every row of every read-model table, in primary-key order."""
    with store.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key))]
            for table in metadata.sorted_tables
            if table.name != "projection_checkpoints"
        }


def positions(store: EventStore, names: Sequence[str]) -> list[int]:
    with store.engine.connect() as connection:
        query = sa.select(checkpoints.c.position).where(checkpoints.c.name.in_(names))
        return sorted(connection.execute(query).scalars())


def build_incrementally(store: EventStore, events: int, per_append: int = 41) -> ProjectionRunner:
    """Append a campaign log with the projections updated inside each append, as the app does."""
    runner = ProjectionRunner(store, default_projections())
    generated = world_events(events, seed=5)
    while batch := list(islice(generated, per_append)):
        store.append(batch, metadata=Metadata(actor_id="facilitator"), within=runner.within_append)
    return runner


def test_a_rebuild_gives_the_incremental_read_models_row_for_row(store: EventStore) -> None:
    build_incrementally(store, 2500)
    incremental = read_models(store)
    # small batches, chunks and memory: every path of the deferred writer runs (rows evicted, read back)
    runner = ProjectionRunner(store, default_projections(), chunk=700, batch=97, held=50)

    read = runner.rebuild()

    assert read == store.head()[0] == 2500
    assert read_models(store) == incremental
    assert all(found.agrees for found in runner.check())
    assert positions(store, [p.name for p in runner.projections]) == [2500] * len(runner.projections)


def test_a_rebuild_moves_signatures_to_the_tally_of_a_membership_changed_chunks_after_they_were_signed(
    store: EventStore,
) -> None:
    """The tallies are counted set-wise at each chunk's end (`projections.tallies.SetWise`): a suspension in a
    later chunk than the statements its organisation signed still moves those signatures to its tally."""
    runner = build_incrementally(store, 2500)
    with store.engine.connect() as connection:
        held = connection.execute(sa.select(keys).where(keys.c.member_state == "active")).first()
    assert held is not None
    suspended = {"coalition_id": held.coalition_id, "organisation_id": held.organisation_id, "reason": "Dues."}
    store.append(
        [NewEvent(f"coalition-{held.coalition_id}", "MemberSuspended", suspended)],
        metadata=Metadata(actor_id="facilitator"),
        within=runner.within_append,
    )
    incremental = read_models(store)

    ProjectionRunner(store, default_projections(), chunk=700, batch=97, held=50).rebuild()

    assert read_models(store) == incremental
    with store.engine.connect() as connection:
        states = connection.execute(
            sa.select(keys.c.member_state).where(keys.c.organisation_id == held.organisation_id)
        ).scalars()
        assert set(states) == {"suspended"}


def test_the_log_holds_every_kind_of_row_the_rebuild_writes(store: EventStore) -> None:
    build_incrementally(store, 2500)

    empty = [name for name, rows in read_models(store).items() if not rows]

    assert empty == []  # the comparison above is not vacuous for any table


class Exploding(Projection):
    """Fails when it meets one position."""

    name = "exploding"

    def __init__(self, at: int) -> None:
        self.at = at

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        if any(event.position == self.at for event in events):
            raise RuntimeError("the rebuild was interrupted")


def test_an_interrupted_rebuild_leaves_tables_as_of_their_checkpoint_and_a_catch_up_finishes_it(
    store: EventStore,
) -> None:
    build_incrementally(store, 2000)
    incremental = read_models(store)
    runner = ProjectionRunner(store, [*default_projections(), Exploding(1500)], chunk=600, batch=100)

    with pytest.raises(RuntimeError, match="interrupted"):
        runner.rebuild()

    names = [p.name for p in default_projections()]
    assert positions(store, names) == [1200] * len(names)  # two chunks kept, the third rolled back
    resumed = ProjectionRunner(store, default_projections())
    assert all(found.agrees for found in resumed.check())  # each table is what the log gives up to 1200
    resumed.catch_up()
    assert read_models(store) == incremental


@pytest.mark.parametrize("after", [1, 2], ids=["after the reset", "after the first chunk"])
def test_a_worker_catching_up_during_a_rebuild_is_not_replayed_over(
    store: EventStore, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    """A projection worker sees the checkpoints the rebuild commits and goes on from them; the rebuild
    then finishes from where the worker left the tables, never inserting a row a second time."""
    build_incrementally(store, 2000)
    incremental = read_models(store)
    runner = ProjectionRunner(store, default_projections(), chunk=600, batch=100)
    worker = ProjectionRunner(store, default_projections(), chunk=700)
    opened = store.transaction
    transactions = 0
    caught: list[int] = []

    def worker_between(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal transactions
        transactions += 1
        if transactions == after + 1:  # the rebuild's transaction `after` has committed
            caught.append(worker.catch_up())
        return opened(*args, **kwargs)

    monkeypatch.setattr(store, "transaction", worker_between)
    runner.rebuild()

    assert caught and caught[0] > 0  # the worker did move the tables on in between
    assert read_models(store) == incremental
    assert positions(store, [p.name for p in runner.projections]) == [2000] * len(runner.projections)


class Sizes(Projection):
    """Remembers how many events each call was given."""

    name = "sizes"

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        self.sizes.append(len(events))


def test_the_rebuild_applies_at_most_a_batch_at_a_time(store: EventStore) -> None:
    build_incrementally(store, 1000)
    sizes = Sizes()

    ProjectionRunner(store, [sizes], chunk=450, batch=100).rebuild()

    assert max(sizes.sizes) == 100
    assert sum(sizes.sizes) == 1000  # chunks of 450: batches of 100, 100, 100, 100, 50, ...


def test_deferred_inserts_wait_until_a_read_and_the_read_sees_them(store: EventStore) -> None:
    row = {"coalition_id": "c", "organisation_id": "o", "state": "active", "since": "2026-01-01T00:00:00.000000Z"}
    with store.transaction(lock=False) as connection:
        writer = Deferred(connection, empty=True)
        writer.execute(sa.insert(memberships), {**row, "from_position": 1, "until_position": 3})
        assert connection.execute(sa.select(sa.func.count()).select_from(memberships)).scalar() == 0

        counted = writer.execute(sa.select(sa.func.count()).select_from(memberships)).scalar()

        assert counted == 1


def signature(organisation: str) -> dict[str, object]:
    return {
        "statement_id": "s",
        "organisation_id": organisation,
        "coalition_id": "c",
        "user_id": "u",
        "signer_name": "Ana",
        "signer_title": "Chair",
        "version_hash": "0" * 64,
        "status": "signed",
        "signed_at": "2026-01-01T00:00:00.000000Z",
        "first_signed_at": "2026-01-01T00:00:00.000000Z",
        "event_position": 1,
        "event_hash": "1" * 64,
        "reason": None,
    }


def test_a_versioned_row_never_written_is_known_absent_without_a_query_and_one_let_go_is_read_back(
    store: EventStore,
) -> None:
    with store.transaction(lock=False) as connection:
        writer = Deferred(connection, empty=True, keep=1)
        SIGNATURES.start(writer, 1, signature("o1"))
        SIGNATURES.start(writer, 2, signature("o2"))
        writer.flush()  # two rows held, more than `keep`: both let go (they are written)

        assert SIGNATURES.current(writer, {"statement_id": "s", "organisation_id": "o3"}) is None
        assert writer.lookups == 0
        again = SIGNATURES.current(writer, {"statement_id": "s", "organisation_id": "o1"})
        assert writer.lookups == 1
        assert again is not None and again["from_position"] == 1
        SIGNATURES.change(writer, 5, {"statement_id": "s", "organisation_id": "o1"}, status="withdrawn")
        writer.flush()

        found = connection.execute(
            sa.select(
                signatures.c.organisation_id,
                signatures.c.status,
                signatures.c.from_position,
                signatures.c.until_position,
            ).order_by(signatures.c.from_position)
        ).all()
        assert [tuple(r) for r in found] == [
            ("o1", "signed", 1, 5),
            ("o2", "signed", 2, None),
            ("o1", "withdrawn", 5, None),
        ]
