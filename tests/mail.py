"""A real SMTP server on a loopback port (aiosmtpd), for the tests of what Coalition sends.

It keeps every message it accepts, parsed; `reply` makes it answer DATA with another reply (a 451 to
be tried again, a 550 refusal), and `stop`/`start` take it down and bring it back on the same port.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Collector:
    """The aiosmtpd handler: accepts (or refuses, as told) and keeps each message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.reply: str | None = None
        self.delay = 0.0  # seconds each DATA takes, to catch a sender in the middle of a batch
        self.mail_reply: str | None = None  # an answer to MAIL FROM (a refused sender)
        self.lock = threading.Lock()

    async def handle_MAIL(  # noqa: N802  (aiosmtpd's name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.mail_reply is not None:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802  (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply is not None:
            return self.reply
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """A local SMTP server and what it received."""

    def __init__(self) -> None:
        self.port = free_port()
        self.collector = Collector()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.collector.lock:
            return list(self.collector.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if str(m["To"]) == address]

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; all of them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """An SMTP server on a free loopback port for this test."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def skip_history(app: Flask) -> None:
    """Move the notification reactor to the head of the log: what happened so far is not news to a test."""
    services = app.extensions["coalition"]
    with services.store.transaction(lock=False) as connection:
        head = services.store.head(connection)[0]
        connection.execute(
            sa.text("UPDATE projection_checkpoints SET position = :head WHERE name = 'notify'"), {"head": head}
        )


def body(message: EmailMessage, subtype: str = "plain") -> str:
    """The text (or `html`) part of a message."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())  # type: ignore[attr-defined]
