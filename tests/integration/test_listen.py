"""Waiting for new events never ends a loop that follows the log: a LISTEN connection cut (a PostgreSQL restart) or a
database that cannot be reached is logged, reported as "look now", and listened on again; a turn that fails is logged
and tried again (`events.follow`, the loop of `flask projections run` and of the notifications)."""

from __future__ import annotations

import itertools
import logging
import threading
import time

import pytest
import sqlalchemy as sa

from events import EventStore, Listener, create_engine, follow
from events.store import NOTIFY_CHANNEL
from tests.integration.test_database_lost import postgres_only


@postgres_only
def test_a_cut_listen_connection_says_look_now_and_listens_again(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with Listener(engine) as listener, engine.connect() as other:
        other.execution_options(isolation_level="AUTOCOMMIT")
        other.exec_driver_sql(f"SELECT pg_terminate_backend({int(listener._connection.info.backend_pid)})")

        assert listener.wait(5) is True  # the cut, reported at once: events may have come meanwhile
        assert "the connection listening for new events was lost" in caplog.text
        assert listener.wait(5) is True  # listening again, which is as good as told
        assert listener.wait(0.2) is False  # nothing came
        other.exec_driver_sql(f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')")
        assert listener.wait(5) is True  # told, on the new connection


def test_a_database_that_cannot_be_reached_makes_the_wait_a_sleep_told_once(caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine("postgresql+psycopg://root@127.0.0.1:1/test")  # nobody listens on port 1: refused
    caplog.set_level(logging.WARNING)
    with Listener(engine) as listener:
        began = time.monotonic()
        looked = [listener.wait(0.3), listener.wait(0.3)]
        waited = time.monotonic() - began

    assert looked == [True, True] and waited >= 0.6  # look after each wait, as if a poll
    assert caplog.text.count("cannot listen for new events") == 1  # on entering; the same failure is not told again


def test_a_wait_while_the_database_is_away_ends_when_told_to_stop() -> None:
    engine, stop = create_engine("postgresql+psycopg://root@127.0.0.1:1/test"), threading.Event()
    with Listener(engine, stop=stop) as listener:
        threading.Timer(0.2, stop.set).start()
        began = time.monotonic()
        listener.wait(30)
        waited = time.monotonic() - began

    assert waited < 5, waited  # not the whole 30 s: shutting down does not wait for the database


@postgres_only
def test_a_wait_for_notifications_ends_when_told_to_stop(engine: sa.Engine) -> None:
    stop = threading.Event()
    with Listener(engine, stop=stop) as listener:
        threading.Timer(0.2, stop.set).start()
        began = time.monotonic()
        told = listener.wait(30)
        waited = time.monotonic() - began

    assert told is False and waited < 5, waited


def test_a_turn_that_fails_is_logged_and_tried_again_later_each_time(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    stop, turns = threading.Event(), []

    def turn() -> None:
        turns.append(time.monotonic())
        if len(turns) <= 3:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection (by the test)"))
        stop.set()

    thread = threading.Thread(target=follow, args=(store.engine, stop, turn, "the test's loop", 0.05), daemon=True)
    thread.start()
    thread.join(10)

    assert not thread.is_alive() and len(turns) == 4
    pauses = [later - earlier for earlier, later in itertools.pairwise(turns)]
    assert pauses[0] >= 0.05 and pauses[1] >= 0.1 and pauses[2] >= 0.2  # twice as long each time
    assert caplog.text.count("the test's loop failed; trying again in 0.05 s") == 1
    assert caplog.text.count("Traceback") == 1  # told whole once; then in one line each time
    assert caplog.text.count("the test's loop failed again (OperationalError") == 2
