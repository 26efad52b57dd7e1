"""An append that waits for the append lock reads the log as it is once the lock is granted.

On PostgreSQL the append sends BEGIN, the lock and its reads in one message (events/sql.py): every
statement there reads a snapshot taken when it starts, so the head it reads after waiting for the lock
includes the append that held it. Were the read's snapshot older than the lock, the waiting append
would take the same position and fail as a conflict. On SQLite the writers' queue and BEGIN IMMEDIATE
order the two the same way.
"""

from __future__ import annotations

import os
import threading

import sqlalchemy as sa

from events import EventStore, NewEvent
from events.turns import queue_folder, writer_lock_path
from tests.integration.group import wait_until


def waiting_for_the_lock(store: EventStore) -> bool:
    """True once another writer waits for the append lock (PostgreSQL) or in the writers' queue (SQLite)."""
    lock = writer_lock_path(store.engine)
    if lock is not None:
        folder = queue_folder(lock)
        return os.path.isdir(folder) and any(name.isdigit() for name in os.listdir(folder))
    with store.engine.connect() as connection:
        query = (
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            " AND NOT l.granted AND l.objid = 1131372908 AND a.query LIKE 'BEGIN; SELECT pg_advisory_xact_lock%'"
            " AND a.application_name = current_setting('application_name') AND l.database = ("
            "SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return bool(connection.execute(sa.text(query)).scalar())


def test_an_append_waiting_for_the_lock_chains_onto_the_one_that_held_it(store: EventStore) -> None:
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            outcome["result"] = store.append([NewEvent("thing-2", "ThingCreated", {"name": "second"})])
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error

    with store.transaction() as connection:
        store.append([NewEvent("thing-1", "ThingCreated", {"name": "first"})], connection=connection)
        waiter = threading.Thread(target=second)
        waiter.start()
        wait_until(lambda: waiting_for_the_lock(store), "the second append to wait for the lock", 30)
    waiter.join(30)

    assert "error" not in outcome, outcome.get("error")
    first, second_event = list(store.read_all())
    assert (first.position, second_event.position) == (1, 2)
    assert store.verify().ok
