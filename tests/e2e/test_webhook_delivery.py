"""Delivering webhooks: the follower queues, the runner posts signed JSON to a real local receiver, retries
with backoff, gives up and disables after 24 hours; several runners never send one delivery twice."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from coalition.webhooks import alerts, deliver_due, delivery, follow
from coalition.webhooks.tables import webhook_deliveries, webhooks
from tests.e2e.conftest import services
from tests.e2e.notices import only_new_events
from tests.e2e.webhook_receiver import receiver
from tests.e2e.world import World
from tests.mail import SmtpServer, body

TASK = {"title": "Count the fish", "description": "Autumn round", "organisation_id": "", "due_on": "2027-10-01"}


def register(world: World, url: str, events: tuple[str, ...] = ("TaskCreated",)) -> dict[str, Any]:
    services(world.api.app).allow_private_webhooks = True
    world.ok("GET", f"{world.path}/webhooks", "ana")  # the follower has not run yet: it starts where the hook did
    return dict(world.ok("POST", f"{world.path}/webhooks", "ana", {"url": url, "events": list(events)}))


def create_task(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks", "ana", {**TASK, "organisation_id": world.river})


def rows(world: World) -> list[dict[str, Any]]:
    with services(world.api.app).engine.connect() as connection:
        query = select(webhook_deliveries).order_by(webhook_deliveries.c.position)
        return [dict(r) for r in connection.execute(query).mappings()]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_new_event_reaches_the_receiver_signed(world: World) -> None:
    with receiver() as got:
        hook = register(world, got.url, ("TaskCreated", "CommitmentPledged"))
        app = services(world.api.app)
        create_task(world)
        world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "not wanted"})  # not subscribed
        now = datetime.now(UTC)
        assert follow(app, now) == 1
        assert deliver_due(app, now) == 1

    ((headers, body),) = got.received
    Webhook(hook["secret"]).verify(body, headers)  # raises if the signature does not match
    sent = json.loads(body)
    assert sent["type"] == "TaskCreated"
    assert sent["data"]["coalition_id"] == world.coalition
    assert sent["data"]["stream_id"] == f"coalition-{world.coalition}"
    assert sent["data"]["payload"]["title"] == "Count the fish"
    assert {"position", "event_id", "recorded_at", "hash"} <= set(sent["data"])
    assert headers["webhook-id"] == rows(world)[0]["id"]
    assert rows(world)[0]["status"] == "delivered" and rows(world)[0]["last_status_code"] == 204
    listed = world.ok("GET", f"{world.path}/webhooks/{hook['id']}/deliveries", "ana")["deliveries"]
    assert [(d["status"], d["attempts"], d["event_type"]) for d in listed] == [("delivered", 1, "TaskCreated")]


def test_following_twice_queues_once_and_history_is_never_sent(world: World) -> None:
    app = services(world.api.app)
    register(world, "http://127.0.0.1:9/x")  # the world's own TaskCreated came before the hook
    now = datetime.now(UTC)
    assert follow(app, now) == 0
    create_task(world)
    assert follow(app, now) == 1
    assert follow(app, now) == 0
    assert len(rows(world)) == 1


def test_a_500_is_retried_with_backoff_then_delivered(world: World) -> None:
    app = services(world.api.app)
    start = datetime.now(UTC)
    with receiver([500, 503]) as got:
        register(world, got.url)
        create_task(world)
        follow(app, start)
        assert deliver_due(app, start) == 1
        first = rows(world)[0]
        assert (first["status"], first["attempts"], first["last_status_code"]) == ("queued", 1, 500)
        assert deliver_due(app, start + timedelta(seconds=29)) == 0  # not due yet: 30 s first
        assert deliver_due(app, start + timedelta(seconds=30)) == 1
        assert rows(world)[0]["last_status_code"] == 503
        assert deliver_due(app, start + timedelta(seconds=89)) == 0  # then one minute
        assert deliver_due(app, start + timedelta(seconds=90)) == 1
    done = rows(world)[0]
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 3, 204)
    assert len(got.received) == 3 and len({h["webhook-id"] for h, _ in got.received}) == 1


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [delivery.backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_a_closed_port_fails_for_24_hours_then_the_webhook_is_disabled_and_reported(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = services(world.api.app)
    reported: list[dict[str, Any]] = []
    monkeypatch.setattr(delivery, "disabled_alert", lambda connection, row: reported.append(dict(row)))
    hook = register(world, f"http://127.0.0.1:{closed_port()}/x")
    create_task(world)
    start = datetime.now(UTC)
    follow(app, start)
    moment = start
    while deliver_due(app, moment):
        row = rows(world)[0]
        assert row["last_error"] and row["last_status_code"] is None
        moment = datetime.fromisoformat(row["due_at"]) if row["status"] == "queued" else moment
        assert moment - start <= timedelta(hours=25)
    row = rows(world)[0]
    assert row["status"] == "failed" and row["attempts"] > 10
    assert [r["id"] for r in reported] == [hook["id"]]
    listed = world.ok("GET", f"{world.path}/webhooks", "ana")["webhooks"]
    assert not listed[0]["enabled"] and listed[0]["disabled_reason"]
    create_task(world)
    assert follow(app, moment) == 0  # a disabled webhook is sent nothing more


def test_the_alert_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    alerts.disabled_alert(None, {"id": "wh_1", "coalition_id": "c", "url": "https://x", "disabled_reason": "r"})  # type: ignore[arg-type]
    assert "wh_1" in caplog.text


def test_a_private_address_is_refused_again_at_delivery(world: World) -> None:
    app = services(world.api.app)
    with receiver() as got:
        register(world, got.url)
        create_task(world)
        now = datetime.now(UTC)
        follow(app, now)
        app.allow_private_webhooks = False  # the setting was turned off since
        assert deliver_due(app, now) == 1
    assert got.received == []
    assert "private, local or reserved" in rows(world)[0]["last_error"]


def test_a_redirect_is_followed_to_a_checked_address(world: World) -> None:
    app = services(world.api.app)
    with receiver() as final, receiver([307], location="") as first:
        first.location = final.url
        register(world, first.url)
        create_task(world)
        now = datetime.now(UTC)
        follow(app, now)
        assert deliver_due(app, now) == 1
    assert len(first.received) == len(final.received) == 1
    assert first.received[0][1] == final.received[0][1]
    assert rows(world)[0]["status"] == "delivered"


def test_each_redirect_target_is_checked_again(world: World) -> None:
    def resolve(host: str, port: int, **kwargs: Any) -> Any:
        if host == "inside.invalid":
            raise socket.gaierror("refused by the test")
        return socket.getaddrinfo(host, port, **kwargs)

    app = services(world.api.app)
    with receiver([302, 302], location="http://inside.invalid/steal") as first:
        register(world, first.url)
        create_task(world)
        now = datetime.now(UTC)
        follow(app, now)
        assert deliver_due(app, now, resolve=resolve) == 1
    row = rows(world)[0]
    assert row["status"] == "queued" and "refused http://inside.invalid/steal" in row["last_error"]
    assert row["last_status_code"] == 302


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_runners_never_send_one_delivery_twice(world: World) -> None:
    app = services(world.api.app)
    with receiver() as got:
        register(world, got.url)
        for _ in range(12):
            create_task(world)
        now = datetime.now(UTC)
        assert follow(app, now) == 12
        counts: list[int] = []
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait()
            counts.append(sum(deliver_due(app, now, limit=3) for _ in range(6)))

        runners = [threading.Thread(target=run) for _ in range(2)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
    ids = [h["webhook-id"] for h, _ in got.received]
    assert sorted(ids) == sorted({r["id"] for r in rows(world)})
    assert sum(counts) == 12 and len(ids) == 12
    with services(world.api.app).engine.connect() as connection:
        assert connection.execute(select(webhooks.c.failing_since)).scalar() is None


def test_the_notification_loop_delivers_webhooks_too(world: World) -> None:
    """`flask notify run` is the one loop: its turn follows the log for the webhooks and sends what is due."""
    from coalition.notify.worker import Notifier

    with receiver() as got:
        hook = register(world, got.url)
        create_task(world)
        turn = Notifier(world.api.app).turn()
    assert turn.webhooks == 2  # one delivery queued, one attempted
    ((headers, body),) = got.received
    Webhook(hook["secret"]).verify(body, headers)


def test_the_facilitators_are_mailed_when_a_webhook_is_turned_off(world: World, smtp: SmtpServer) -> None:
    from coalition.notify.worker import Notifier

    app = services(world.api.app)
    register(world, f"http://127.0.0.1:{closed_port()}/x")
    create_task(world)
    moment = datetime.now(UTC)
    follow(app, moment)
    with world.api.app.app_context():  # as in the loop's turn
        while deliver_due(app, moment):
            row = rows(world)[0]
            moment = datetime.fromisoformat(row["due_at"]) if row["status"] == "queued" else moment
    only_new_events(world)
    world.api.app.config["MAIL_URL"] = smtp.url
    Notifier(world.api.app, lambda: moment).turn()
    (mail,) = smtp.to(world.email("ana"))  # the facilitator, and nobody else
    assert mail["Subject"] == "A webhook of Danube Rivers Coalition was turned off"
    assert "failed for 24 hours" in body(mail) and f"/coalitions/{world.coalition}/webhooks" in body(mail)
    assert smtp.to(world.email("bo")) == []
