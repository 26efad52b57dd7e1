"""Many writers in many processes: nothing lost, duplicated or reordered; conflicts raised, not lost."""

from __future__ import annotations

import multiprocessing
from collections import defaultdict

import pytest

from events import EventStore
from tests.integration.workers import append_with_key, hammer

WRITERS = 8
APPENDS_EACH = 200


@pytest.mark.slow
def test_concurrent_writers_on_overlapping_streams(migrated_url: str, store: EventStore) -> None:
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        outcomes = pool.starmap(hammer, [(migrated_url, writer, APPENDS_EACH) for writer in range(WRITERS)])

    acknowledged = [event for events, _ in outcomes for event in events]
    conflicts = sum(count for _, count in outcomes)
    logged = list(store.read_all())

    assert len({name for name, _, _ in acknowledged}) == len(acknowledged) == len(logged)
    assert [event.position for event in logged] == list(range(1, len(logged) + 1))
    by_name = {event.payload["name"]: event for event in logged}
    assert len(by_name) == len(logged), "an event was recorded twice"
    for name, version, position in acknowledged:
        event = by_name[name]
        assert (event.version, event.position) == (version, position), f"{name} is not where it was acknowledged"
    versions: dict[str, list[int]] = defaultdict(list)
    for event in logged:
        versions[event.stream_id].append(event.version)
    for stream, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{stream} has gaps or reordering"
    assert conflicts > 0, "the writers never raced; the test proves nothing"
    assert store.verify().ok


@pytest.mark.slow
def test_one_idempotency_key_appends_once_across_processes(migrated_url: str, store: EventStore) -> None:
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        results = pool.starmap(append_with_key, [(migrated_url, writer, "sign-once") for writer in range(WRITERS)])

    assert {position for position, _ in results} == {1}
    assert sorted(replayed for _, replayed in results) == [False] + [True] * (WRITERS - 1)
    assert store.head()[0] == 1
