"""The delivery loop under faults: SIGKILL in the middle of a batch, and several loops at once.

`flask notify run` sends a queued batch to a slow local SMTP server and is killed without warning
part-way; afterwards every message is delivered at least once and only the one in flight can arrive
twice, with the same Message-ID. On PostgreSQL two loops run at once and no message is sent twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.server import Child, Running, environment
from coalition import create_app
from coalition.notify import outbox
from coalition.notify.messages import Rendered
from coalition.notify.tables import outbox as table
from coalition.notify.worker import Notifier
from events import create_engine
from tests.conftest import migrate
from tests.mail import SmtpServer

pytestmark = pytest.mark.slow

MESSAGES = 40


@pytest.fixture
def queued(database_url: str) -> Iterator[str]:
    """A migrated database whose outbox holds MESSAGES queued messages (no events: the reactor has nothing to do)."""
    migrate(database_url)
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    rows = [
        outbox.row(
            f"test:{n}",
            "statement_opened",
            outbox.Recipient(f"person{n}@example.org", "en"),
            Rendered(f"Message {n}", f"Hello {n}\n", f"<p>Hello {n}</p>"),
            now,
        )
        for n in range(MESSAGES)
    ]
    with engine.begin() as connection:
        outbox.enqueue(connection, rows)
    engine.dispose()
    yield database_url


def loop(url: str, directory: Path, smtp: SmtpServer, name: str) -> Child:
    """`flask notify run` on the database, sending to `smtp`."""
    import sys

    env = environment(url, directory, MAIL_URL=smtp.url, NOTIFY_BATCH=4)
    argv = [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "run", "--idle-wait", "0.2"]
    return Child(name, argv, env, directory / f"{name}.log")


def wait_until(check: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(table.c.status, func.count()).group_by(table.c.status)).all())
    finally:
        engine.dispose()


def test_a_loop_killed_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(
    queued: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    smtp.collector.delay = 0.05
    sender = loop(queued, tmp_path, smtp, "notify")
    with Running(sender):
        wait_until(lambda: len(smtp.messages) >= MESSAGES // 4)
        sender.kill()
    before = len(smtp.messages)
    assert 0 < before < MESSAGES, "the loop was not killed in the middle of its batch"
    # the dead loop's claim lapses; the next loop delivers the rest
    app = create_app({"DATABASE_URL": queued, "SECRET_KEY": "test", "MAIL_URL": smtp.url, "TESTING": True})
    try:
        Notifier(app, lambda: datetime.now(UTC) + outbox.LEASE).turn()
    finally:
        app.extensions["coalition"].engine.dispose()
    received = Counter(str(m["Message-ID"]) for m in smtp.messages)
    assert len(received) == MESSAGES  # every message at least once
    repeated = [mid for mid, n in received.items() if n > 1]
    assert len(repeated) <= 1, f"more than the one message in flight arrived twice: {repeated}"
    assert all(n <= 2 for n in received.values())
    assert statuses(queued) == {"sent": MESSAGES}


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_loops_at_once_never_send_a_message_twice(queued: str, tmp_path: Path, smtp: SmtpServer) -> None:
    smtp.collector.delay = 0.01
    with Running(loop(queued, tmp_path, smtp, "first"), loop(queued, tmp_path, smtp, "second")):
        wait_until(lambda: statuses(queued).get("sent", 0) == MESSAGES)
    received = Counter(str(m["Message-ID"]) for m in smtp.messages)
    assert len(received) == MESSAGES
    assert max(received.values()) == 1
    logs = [(tmp_path / f"{name}.log").read_text() for name in ("first", "second")]
    assert all("Traceback" not in log for log in logs), logs
