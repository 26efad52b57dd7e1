"""The loop recovers from what its own settings or machinery get wrong, without losing or doubling a message:
a refused sender (our setting, not the message), a checkpoint that could not be saved, a claim taken over by
another loop after its lease lapsed, and one event whose messages cannot be made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from coalition.notify import outbox, reactor
from coalition.notify.tables import outbox as table
from tests.e2e.conftest import services
from tests.e2e.notices import notifier, only_new_events
from tests.e2e.test_api_statements import opened
from tests.e2e.world import World
from tests.mail import SmtpServer


@pytest.fixture(autouse=True)
def news_only(world: World) -> None:
    only_new_events(world)


def rows(world: World) -> list[dict[str, Any]]:
    with services(world.api.app).engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table).order_by(table.c.key)).mappings()]


def test_a_refused_sender_fails_no_message_and_the_queue_goes_out_once_it_is_fixed(
    world: World, smtp: SmtpServer
) -> None:
    now = [datetime.now(UTC)]
    worker = notifier(world, smtp, lambda: now[0])
    opened(world)
    smtp.collector.mail_reply = "553 5.7.1 sender address not allowed"
    assert worker.turn().sent == 0
    waiting = rows(world)
    assert {r["status"] for r in waiting} == {"queued"}  # waiting, not failed: it is our setting's fault
    assert all("the sender was refused: 553" in str(r["last_error"]) for r in waiting)
    smtp.collector.mail_reply = None
    now[0] += timedelta(minutes=5)
    assert worker.turn().sent == 2


def test_a_checkpoint_that_could_not_be_saved_is_read_again(
    world: World, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = notifier(world, smtp)
    opened(world)
    real_save = worker.reactor.save

    def failing(*args: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(worker.reactor, "save", failing)
    with world.api.app.app_context(), pytest.raises(RuntimeError):
        worker.reactor.follow(datetime.now(UTC))
    monkeypatch.setattr(worker.reactor, "save", real_save)
    assert worker.turn().sent == 2  # the same events, read again: nothing skipped


def test_one_event_whose_messages_cannot_be_made_does_not_stop_the_others(
    world: World, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> list[Any]:
        raise LookupError("a template is missing")

    monkeypatch.setitem(reactor.REACTIONS, "StatementDrafted", broken)
    worker = notifier(world, smtp)
    opened(world)  # drafted (broken), then opened
    assert worker.turn().sent == 2


def test_a_claim_taken_over_after_its_lease_lapsed_is_no_longer_the_first_senders(
    world: World, smtp: SmtpServer
) -> None:
    now = datetime.now(UTC)
    worker = notifier(world, smtp, lambda: now)
    opened(world)
    with world.api.app.app_context():
        worker.reactor.follow(now)
    store = services(world.api.app).store
    with store.transaction(lock=False) as connection:
        first = outbox.claim(connection, now, 10)
    with store.transaction(lock=False) as connection:
        second = outbox.claim(connection, now + outbox.LEASE, 10)  # the first sender's lease lapsed
    assert {r["message_id"] for r in second} == {r["message_id"] for r in first}
    with store.transaction(lock=False) as connection:
        assert outbox.renew(connection, first, now + outbox.LEASE) == []  # nothing is the first's any more
        outbox.sent(connection, first[0], now)  # too late: recorded only for the current claim
    assert {r["status"] for r in rows(world)} == {"sending"}
    with store.transaction(lock=False) as connection:
        assert len(outbox.renew(connection, second, now + outbox.LEASE)) == 2
        outbox.sent(connection, second[0], now)
    assert sorted(r["status"] for r in rows(world)) == ["sending", "sent"]


def test_a_slow_batch_renews_its_lease_and_sends_each_message_once(world: World, smtp: SmtpServer) -> None:
    ticks = iter(range(10_000))
    start = datetime.now(UTC)
    worker = notifier(world, smtp, lambda: start + timedelta(seconds=25 * next(ticks)))  # a slow clock
    opened(world)
    assert worker.turn().sent == 2
    assert sorted(str(m["To"]) for m in smtp.messages) == [world.email("lia"), world.email("mo")]
