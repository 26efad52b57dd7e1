"""Group commit (`GroupCommitStore`): appends that arrive together share one transaction, each still its own.

Run on every backend: the store's whole contract again, then what batching adds: many threads
acknowledged exactly once with a valid chain, a failing append failing alone inside its batch,
first come first served, the bound, and a process killed inside a batch leaving none of it.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from events import (
    ConcurrencyConflict,
    EventStoreError,
    GroupCommitStore,
    InvalidPayload,
    Metadata,
    NewEvent,
    RecordedEvent,
    Registry,
    WriterBusy,
    writer,
)
from events.batching import Request
from events.hashing import FORMATS
from events.personal import PersonErased
from events.store import EventStore, format_time
from tests.integration.group import Appending, Held, created, queued, wait_until
from tests.integration.test_store import (  # noqa: F401 - the store's contract, run again on GroupCommitStore
    test_a_failure_inside_the_append_transaction_undoes_the_append,
    test_a_stream_only_read_by_the_command_is_checked_too,
    test_each_hash_chains_from_the_previous_one,
    test_empty_append_is_refused,
    test_expected_none_accepts_any_version,
    test_first_append_starts_positions_and_versions_at_one,
    test_idempotent_replay_wins_over_a_now_stale_expected_version,
    test_invalid_payload_names_every_bad_field_and_writes_nothing,
    test_new_events_are_written_in_the_latest_schema_version,
    test_one_append_writes_several_streams_atomically,
    test_payload_must_be_an_object,
    test_payload_that_is_not_plain_json_is_refused,
    test_read_all_filters_by_position_and_type,
    test_repeated_idempotency_key_returns_the_first_result_and_appends_nothing,
    test_stale_expected_version_is_a_conflict_that_writes_nothing,
    test_stream_that_must_not_exist_but_does_is_a_conflict,
    test_the_database_refuses_updates_and_deletes,
    test_unknown_event_type_is_refused,
)
from tests.integration.workers import crash_mid_batch

WRITERS, APPENDS_EACH = 16, 20
STREAMS = [f"thing-{n}" for n in range(4)]


@pytest.fixture
def store(engine: sa.Engine, registry: Registry) -> Iterator[GroupCommitStore]:
    """A group-committing store on each backend; its writer stopped afterwards."""
    made = GroupCommitStore(engine, registry)
    yield made
    made.close()


def names_in_log(store: GroupCommitStore) -> list[str]:
    """The `name` of every event, in log order."""
    return [event.payload["name"] for event in store.read_all()]


def test_many_threads_are_each_acknowledged_exactly_once_in_a_valid_chain(store: GroupCommitStore) -> None:
    acknowledged: list[tuple[str, str, int, int]] = []
    conflicts: list[int] = []

    def writer(number: int) -> None:
        rng = random.Random(number)
        for n in range(APPENDS_EACH):
            stream, name = rng.choice(STREAMS), f"{number}:{n}"
            while True:
                version = store.stream_version(stream)
                try:
                    result = store.append([created(stream, name)], expected={stream: version})
                except ConcurrencyConflict:
                    conflicts.append(1)
                    continue
                acknowledged.append((name, stream, version + 1, result.first_position))
                break

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    logged = {event.payload["name"]: event for event in store.read_all()}
    assert len(acknowledged) == len(logged) == WRITERS * APPENDS_EACH, "an append was lost or recorded twice"
    for name, stream, version, position in acknowledged:
        event = logged[name]
        assert (event.stream_id, event.version, event.position) == (stream, version, position)
    assert store.verify().ok
    assert store.largest_batch > 1, "no two appends ever shared a commit; the test proves nothing"
    assert store.commits < len(acknowledged) + len(conflicts)
    assert conflicts, "the writers never raced; the conflict check inside a batch was not exercised"


def test_a_conflicting_append_fails_alone_inside_its_batch(store: GroupCommitStore) -> None:
    with Held(store):
        first = queued(store, [created("thing-1", "first")], expected={"thing-1": 0})
        stale = queued(store, [created("thing-1", "stale")], expected={"thing-1": 0})
        other = queued(store, [created("thing-2", "other")], expected={"thing-2": 0})

    assert first.outcome().first_position == 2
    with pytest.raises(ConcurrencyConflict) as conflict:
        stale.outcome()
    assert (conflict.value.stream_id, conflict.value.expected, conflict.value.actual) == ("thing-1", 0, 1)
    assert other.outcome().first_position == 3
    assert store.largest_batch == 3, "the three appends did not share one batch"
    assert names_in_log(store) == ["a thing", "first", "other"]
    assert store.verify().ok


def test_an_append_whose_within_fails_leaves_nothing_and_the_others_stand(store: GroupCommitStore) -> None:
    def broken(_connection: object, _recorded: object) -> None:
        raise RuntimeError("projection failed")

    with Held(store):
        before = queued(store, [created("thing-1", "before")])
        failing = queued(
            store, [created("thing-2", "failing"), created("thing-3", "too")], idempotency_key="k", within=broken
        )
        after = queued(store, [created("thing-4", "after")])

    assert (before.outcome().first_position, after.outcome().first_position) == (2, 3)
    with pytest.raises(RuntimeError, match="projection failed"):
        failing.outcome()
    assert names_in_log(store) == ["a thing", "before", "after"]
    assert store.verify().ok
    again = store.append([created("thing-2", "failing")], idempotency_key="k")
    assert not again.replayed and again.first_position == 4, "the failed append's idempotency key was kept"


def test_plain_appends_are_linked_together_and_the_others_alone_in_order(
    store: GroupCommitStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone: list[str] = []
    whole = GroupCommitStore._alone

    def spied(self: GroupCommitStore, cursor: object, connection: sa.Connection, request: Request) -> object:
        alone.append(request.new_events[0].payload["name"])
        return whole(self, cursor, connection, request)

    projected: list[int] = []

    def project(_connection: object, recorded: list[RecordedEvent]) -> None:
        projected.extend(event.position for event in recorded)

    store.append([created("thing-0", "settles")])  # the log's chain format is read by a whole append first
    with Held(store):
        monkeypatch.setattr(GroupCommitStore, "_alone", spied)
        one = queued(store, [created("thing-1", "one")], expected={"thing-1": 0})
        two = queued(store, [created("thing-1", "two")], expected={"thing-1": 1})  # sees `one` as recorded
        keyed = queued(store, [created("thing-2", "keyed")], idempotency_key="k")
        three = queued(store, [created("thing-3", "three"), created("thing-1", "four")], expected={"thing-1": 2})
        seen = queued(store, [created("thing-4", "seen")], within=project)
        last = queued(store, [created("thing-1", "last")], expected={"thing-1": 3})

    assert (one.outcome().first_position, two.outcome().first_position) == (3, 4)
    assert (keyed.outcome().first_position, three.outcome().last_position) == (5, 7)
    assert three.outcome().versions == {"thing-3": 1, "thing-1": 3}
    assert seen.outcome().first_position == 8 and projected == [8]
    assert last.outcome().versions == {"thing-1": 4}
    assert alone == ["keyed", "seen"], "plain appends went through the whole append one by one"
    assert names_in_log(store) == ["settles", "a thing", "one", "two", "keyed", "three", "four", "seen", "last"]
    assert [e.version for e in store.read_stream("thing-1")] == [1, 2, 3, 4]
    assert store.verify().ok


def test_a_plain_run_whose_insert_fails_fails_the_whole_batch_and_records_nothing(
    store: GroupCommitStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import events.batching

    linking = events.batching.link

    def clashing(prepared: list[tuple[NewEvent, int, str]], *args: Any) -> Any:
        rows, position, previous = linking(prepared, *args)
        if prepared[0][0].payload["name"] == "clashes":  # as if written without the lock: a taken position
            rows = [(1, *row[1:]) for row in rows]
        return rows, position, previous

    store.append([created("thing-0", "settles")])
    with Held(store):
        before_head = store.head()
        monkeypatch.setattr(events.batching, "link", clashing)
        fine = queued(store, [created("thing-1", "fine")])
        clashes = queued(store, [created("thing-2", "clashes")])
        after = queued(store, [created("thing-3", "after")])

    for appending in (fine, clashes, after):
        with pytest.raises(ConcurrencyConflict):
            appending.outcome()
    assert store.head()[0] == before_head[0] + 1, "only the holding append was recorded"
    assert names_in_log(store) == ["settles", "a thing"]
    monkeypatch.setattr(events.batching, "link", linking)
    assert store.append([created("thing-1", "fine")], expected={"thing-1": 0}).first_position == 3
    assert store.verify().ok


def test_an_append_about_an_erased_person_fails_alone_and_the_batch_stands(
    engine: sa.Engine, registry: Registry
) -> None:
    registry.personal.declare("ThingCreated", "tags", names=("name",))
    store = GroupCommitStore(engine, registry)
    try:
        store.append([NewEvent("thing-0", "ThingCreated", {"name": "Ana", "tags": "user-1"})])
        with store.transaction() as connection:
            assert store.keyring.erase(connection, "user-1", format_time(store.clock()))
        with Held(store):
            fine = queued(store, [NewEvent("thing-1", "ThingCreated", {"name": "Bo", "tags": "user-2"})])
            erased = queued(store, [NewEvent("thing-2", "ThingCreated", {"name": "Ana", "tags": "user-1"})])
            after = queued(store, [created("thing-3", "after")])
        assert fine.outcome().first_position == 3
        with pytest.raises(PersonErased):
            erased.outcome()
        assert after.outcome().first_position == 4
        assert store.largest_batch == 3, "the three appends did not share one batch"
        assert [e.stream_id for e in store.read_all()] == ["thing-0", "held", "thing-1", "thing-3"]
        assert store.verify().ok
    finally:
        store.close()


def test_a_request_prepared_for_another_chain_format_is_prepared_again(
    store: GroupCommitStore, registry: Registry
) -> None:
    store.append([created("thing-0", "settles")])  # the log's format (the latest) is settled
    older = FORMATS[1]
    assert older is not store._chain

    def request(event: NewEvent) -> Request:
        prepared = (older, EventStore._prepare(store, [event], older))  # as a caller that guessed format 1
        return Request([event], None, Metadata(), None, None, prepared)

    big = NewEvent("thing-2", "ThingCreated", {"name": "big", "size": 2**60})  # format 1 holds it, JCS cannot
    good, bad = request(created("thing-1", "again")), request(big)
    store._record([good, bad])

    assert good.answer.result().first_position == 2
    with pytest.raises(InvalidPayload):
        bad.answer.result()
    assert names_in_log(store) == ["settles", "again"]
    assert store.verify().ok


def test_one_idempotency_key_twice_in_a_batch_is_recorded_once(store: GroupCommitStore) -> None:
    with Held(store):
        once = queued(store, [created("thing-1", "once")], idempotency_key="sign-once")
        twice = queued(store, [created("thing-1", "twice")], idempotency_key="sign-once")

    assert not once.outcome().replayed
    assert twice.outcome().replayed and twice.outcome().first_position == once.outcome().first_position
    assert names_in_log(store) == ["a thing", "once"]


def test_plain_appends_of_one_batch_keep_their_own_metadata_and_share_the_commits_time(store: GroupCommitStore) -> None:
    store.append([created("thing-0", "settles")])  # the log's format is settled: plain requests then go together
    shared = Metadata(actor_id="importer")
    with Held(store):
        waiting = [
            queued(store, [created("thing-1", "first")], metadata=shared),
            queued(store, [created("thing-2", "second")], metadata=Metadata(actor_id="someone else")),
            queued(store, [created("thing-3", "third")], metadata=shared),
        ]
    [appending.outcome() for appending in waiting]

    recorded = [e for e in store.read_all() if e.stream_id.startswith("thing-")]
    assert [e.metadata.actor_id for e in recorded[1:]] == ["importer", "someone else", "importer"]
    assert len({e.recorded_at for e in recorded[1:]}) == 1  # one run, committed together: one time
    assert store.largest_batch == 3 and store.verify().ok


def test_appends_are_recorded_in_the_order_they_came(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry, max_batch=3)  # several batches, so order holds across them too
    try:
        with Held(store):
            waiting = [queued(store, [created(f"thing-{n}", f"came {n}")]) for n in range(10)]
        assert [appending.outcome().first_position for appending in waiting] == list(range(2, 12))
        assert names_in_log(store) == ["a thing", *(f"came {n}" for n in range(10))]
        assert store.largest_batch == 3
    finally:
        store.close()


def crowded(store: GroupCommitStore) -> None:
    """Three appends that reach the writer together (one batch after the first), answered."""
    with Held(store):
        crowd = [queued(store, [created(f"thing-{n}", f"crowd {n}")]) for n in range(3)]
    for appending in crowd:
        appending.outcome()


def test_after_a_crowded_batch_the_writer_gathers_the_next_one_a_moment(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry, gather=5.0)
    try:
        crowded(store)
        commits = store.commits
        started = time.monotonic()
        stragglers = [Appending(store, [created(f"thing-{n}", f"straggler {n}")]) for n in range(3)]
        for appending in stragglers:  # each a tenth of a second after the one before
            appending.start()
            time.sleep(0.1)
        assert [appending.outcome().first_position for appending in stragglers] == [5, 6, 7]
        assert store.commits == commits + 1, "the stragglers did not share the commit the writer waited for"
        assert time.monotonic() - started < 3.0, "the writer waited out its gather though as many as last time came"
    finally:
        store.close()


def test_a_lone_writer_is_never_kept_waiting_for_company(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry, gather=5.0)
    try:
        started = time.monotonic()
        for n in range(3):
            store.append([created(f"thing-{n}", f"alone {n}")])
        assert time.monotonic() - started < 2.0, "a lone append waited to gather others"
        assert store.commits == 3
    finally:
        store.close()


def test_after_the_crowd_has_gone_a_lone_writer_is_not_kept_waiting_for_it(
    engine: sa.Engine, registry: Registry
) -> None:
    store = GroupCommitStore(engine, registry, gather=1.0)
    try:
        crowded(store)
        time.sleep(1.2)  # the writer sits idle longer than its gather: nobody is coming back

        started = time.monotonic()
        store.append([created("thing-9", "after a pause")])
        assert time.monotonic() - started < 0.8, "a lone append after a pause waited for the crowd that had gone"
        assert store.largest_batch == 3  # there was a crowd, whose size the writer would otherwise wait for
    finally:
        store.close()


def test_callers_that_think_between_appends_still_share_commits(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry, gather=0.2)  # each caller thinks longer than that between appends
    rounds, callers = 5, 4

    def caller(number: int) -> None:
        for turn in range(rounds):
            store.append([created(f"thing-{number}", f"turn {turn}")])
            time.sleep(0.3 + random.uniform(0, 0.02))  # a request's own work, the callers a little apart

    try:
        threads = [threading.Thread(target=caller, args=(number,)) for number in range(callers)]
        with Held(store):  # their first appends queue behind it: one batch of four, a crowd the writer knows
            for thread in threads:
                thread.start()
            wait_until(lambda: store.waiting() == callers, "the callers' first appends to queue")
        for thread in threads:
            thread.join()
        # The holding append, then the four callers coming back together each round share one commit: not twenty.
        assert store.batched == 1 + rounds * callers and store.commits <= 1 + rounds + 3, f"{store.commits} commits"
    finally:
        store.close()


def test_a_forked_child_records_through_a_writer_of_its_own(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry)
    try:
        store.append([created("thing-0", "the parent's")])  # the parent's writer thread is running
        child = multiprocessing.get_context("fork").Process(target=_append_in_child, args=(store,))
        child.start()
        child.join(30)
        assert child.exitcode == 0, "the child's append failed or hung"
        store.append([created("thing-2", "the parent's again")])
        assert names_in_log(store) == ["the parent's", "the child's", "the parent's again"]
        assert store.verify().ok
    finally:
        store.close()


def _append_in_child(store: GroupCommitStore) -> None:
    """In a forked child: none of the parent's writer (its thread is not here); an append starts the child's."""
    store.engine.dispose(close=False)  # the parent's pooled connections are the parent's (SQLAlchemy's fork recipe)
    assert store._thread is None
    store.append([created("thing-1", "the child's")])
    store.close()


def test_a_negative_gather_is_refused(engine: sa.Engine, registry: Registry) -> None:
    with pytest.raises(ValueError, match="gather at least 0"):
        GroupCommitStore(engine, registry, gather=-0.1)


def test_a_full_queue_refuses_at_once_and_records_nothing(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry, queue_size=2, retry_after=3)
    try:
        with Held(store):
            waiting = [queued(store, [created(f"thing-{n}", f"waited {n}")]) for n in range(2)]
            with pytest.raises(WriterBusy, match=r"queue is full \(2 appends waiting\).*try again in 3 s") as busy:
                store.append([created("thing-9", "refused")])
            assert (busy.value.waiting, busy.value.retry_after) == (2, 3)
            assert isinstance(busy.value, EventStoreError)
        assert [appending.outcome().first_position for appending in waiting] == [2, 3]
        assert names_in_log(store) == ["a thing", "waited 0", "waited 1"]
    finally:
        store.close()


def test_a_bad_payload_is_refused_by_its_caller_without_queueing(engine: sa.Engine, registry: Registry) -> None:
    store = GroupCommitStore(engine, registry, queue_size=1)
    try:
        with Held(store):
            waiting = queued(store, [created("thing-1", "waited")])
            with pytest.raises(InvalidPayload, match="name"):  # not WriterBusy: it never needed the queue
                store.append([NewEvent("thing-2", "ThingCreated", {"name": ""})])
        waiting.outcome()
        assert names_in_log(store) == ["a thing", "waited"]
    finally:
        store.close()


def test_an_append_inside_a_batch_must_use_the_batch_connection(store: GroupCommitStore) -> None:
    def nested(_connection: object, _recorded: object) -> None:
        store.append([created("thing-2", "nested")])

    with pytest.raises(EventStoreError, match="must use the connection its `within` was given"):
        store.append([created("thing-1")], within=nested)
    assert names_in_log(store) == []


def test_a_closed_writer_starts_again_on_the_next_append(store: GroupCommitStore) -> None:
    store.append([created("thing-1", "one")])
    store.close()
    store.append([created("thing-1", "two")])

    assert names_in_log(store) == ["one", "two"]


def test_an_append_racing_close_is_recorded_by_the_next_writer(
    store: GroupCommitStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`close` stops the writer between an append finding it and queueing for it: queued behind the stop, the append
    would never be taken; it goes to a new writer instead."""
    store.append([created("thing-1", "before")])
    running = store._running

    def then_closed() -> Any:
        found = running()
        monkeypatch.setattr(store, "_running", running)  # once
        store.close()
        return found

    monkeypatch.setattr(store, "_running", then_closed)
    result = store.append([created("thing-2", "racing")])

    assert result.first_position == 2 and names_in_log(store) == ["before", "racing"]
    assert store._thread is not None and store._thread.is_alive()


def test_an_append_admitted_while_close_stops_the_writer_is_recorded_before_the_stop(
    engine: sa.Engine, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`close` comes while an append is being admitted (between finding the writer and queueing for it): it waits for
    the admission, so the append is queued before the writer's stop and recorded by it."""
    closing: list[threading.Thread] = []

    class Closing(queue.SimpleQueue):  # type: ignore[type-arg]
        """The writer's queue; once armed, asked its size (by an append being admitted), it has `close` start."""

        armed = False

        def qsize(self) -> int:
            if Closing.armed:
                Closing.armed = False
                closing.append(threading.Thread(target=store.close))
                closing[0].start()
                time.sleep(0.2)  # long enough for `close` to stop the writer, unless the admission holds it back
            return super().qsize()

    monkeypatch.setattr(writer, "queue", SimpleNamespace(SimpleQueue=Closing, Empty=queue.Empty))
    store = GroupCommitStore(engine, registry)
    try:
        store.append([created("thing-1", "before")])
        Closing.armed = True
        result = store.append([created("thing-2", "admitted")])
        closing[0].join(10)

        assert result.first_position == 2 and names_in_log(store) == ["before", "admitted"]
    finally:
        store.close()


def test_an_append_queued_as_the_writer_stops_is_told_so_not_left_waiting(store: GroupCommitStore) -> None:
    store.append([created("thing-1", "before")])
    waiting, writer = store._running()
    store.close()  # the writer is gone; a request put in its queue after (as `append` never does) is never taken
    late = Request([created("thing-2", "late")], None, Metadata(), None, None, (store._chain, []))
    waiting.put(late)

    with pytest.raises(EventStoreError, match="writer stopped before recording this append: nothing was recorded"):
        late.answer.awaited(writer, 0.05)
    assert names_in_log(store) == ["before"]


def test_a_process_killed_inside_a_batch_leaves_none_of_it(
    migrated_url: str, store: GroupCommitStore, tmp_path: Path
) -> None:
    marker, doomed = tmp_path / "last-doomed-position", 5
    child = multiprocessing.get_context("spawn").Process(
        target=crash_mid_batch, args=(migrated_url, str(marker), doomed)
    )
    child.start()
    child.join(60)

    assert child.exitcode == -signal.SIGKILL, f"the child did not die inside the batch (exit {child.exitcode})"
    assert int(marker.read_text()) == 2 + doomed, "the doomed appends were not all written in one open batch"
    assert names_in_log(store) == ["a thing", "a thing"]  # "committed", then the holding append
    assert [event.stream_id for event in store.read_all()] == ["committed", "held"]
    assert store.verify().ok
    assert store.append([created("after")]).first_position == 3
