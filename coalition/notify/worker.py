"""The notifier's loop: follow the log into the outbox, queue reminders and digests, deliver, and do the same
for the webhooks' deliveries; repeat.

`flask notify run` runs it (waking on PostgreSQL's NOTIFY, polling SQLite); `make run` runs it in a thread
of the development server. Several loops may run at once on PostgreSQL: the reactor's messages are keyed
and claims skip each other's rows, so none is sent twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask

from coalition import webhooks
from coalition.infra.extensions import Services
from coalition.notify import kinds  # noqa: F401  (registers the reactions and reminders)
from coalition.notify.delivery import deliver_due
from coalition.notify.digest import send_digests
from coalition.notify.reactor import Reactor
from coalition.notify.transport import FileTransport, SmtpTransport, transport
from coalition.transparency import checkpoints as log_checkpoints
from events import follow
from projections.base import checkpoints

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
REMIND_EVERY = timedelta(minutes=1)


def mail_transport(app: Flask) -> SmtpTransport | FileTransport:
    """The configured transport; by default `.eml` files in instance/outbox/."""
    url = app.config.get("MAIL_URL") or f"file://{Path(app.instance_path) / 'outbox'}"
    return transport(str(url))


def attach_for(app: Flask) -> Callable[[str], tuple[str, bytes, str]]:
    """What an outbox row's `attachment` names, made when sending: today only a statement's sealed PDF."""

    def attach(spec: str) -> tuple[str, bytes, str]:
        from coalition.pdf import export

        kind, _, rest = spec.partition(":")
        if kind != "statement-pdf":
            raise ValueError(f"unknown attachment {spec!r}")
        statement_id, _, language = rest.partition(":")
        sealer, cache = export.for_app(app)
        services: Services = app.extensions["coalition"]
        made = export.export(  # not a request: the proof tree is brought up to date if need be
            services.engine, sealer, cache, statement_id, language or None, export.verify_url(app.config), False
        )
        return made.filename, made.pdf, "application/pdf"

    return attach


@dataclass(frozen=True, slots=True)
class Turn:
    """What one turn of the loop did."""

    events: int
    reminders: int
    digests: int
    sent: int
    webhooks: int = 0  # deliveries queued and attempted


class Notifier:
    """One app's notification loop."""

    def __init__(self, app: Flask, clock: Clock | None = None, *, isolated: bool = False) -> None:
        self.app = app
        self.isolated = isolated  # the running loop: a failing step is logged, the others go on
        self.services: Services = app.extensions["coalition"]
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        read_up_to = None if self.services.inline_projections else self._projected
        self.reactor = Reactor(self.services.store, app.config, read_up_to=read_up_to)
        self._reminded: datetime | None = None

    def _projected(self, connection: Any) -> int:
        """How far every read model has come (worker mode): the reactor reads no further."""
        from sqlalchemy import func, select

        names = [p.name for p in self.services.runner.projections]
        found = connection.execute(select(func.min(checkpoints.c.position)).where(checkpoints.c.name.in_(names)))
        return int(found.scalar() or 0)

    def _step(self, name: str, work: Callable[[], int]) -> int:
        """One step of a turn; when steps are isolated (the running loop), a failing step is logged and the
        others still run, so that a broken webhook or template never holds up password resets."""
        if not self.isolated:
            return work()
        try:
            return work()
        except Exception:
            log.exception("the notification loop's %s failed; the other steps go on", name)
            return 0

    def _checkpoint(self) -> int:
        """A signed checkpoint when the log has grown and one is due, the tree extended by at most CHECKPOINT_STEP
        leaves per turn (coalition/transparency/checkpoints.py)."""
        signer = log_checkpoints.signer_for(self.app.config, self.app.instance_path)
        interval = float(self.app.config.get("CHECKPOINT_INTERVAL", 600))
        step = int(self.app.config.get("CHECKPOINT_STEP", log_checkpoints.STEP))
        return log_checkpoints.due(self.services.store, signer, self.clock(), interval, step)

    def turn(self) -> Turn:
        """Everything due now, once: new events, reminders (at most once a minute), digests, delivery, webhooks.

        Each step reads the clock afresh: a long delivery never leaves the next step with an old time."""
        with self.app.app_context():
            events = self._step("reactor", lambda: self.reactor.follow(self.clock()))
            reminders = 0
            now = self.clock()
            if self._reminded is None or now - self._reminded >= REMIND_EVERY:
                reminders = self._step("reminders", lambda: self.reactor.remind(now))
                self._reminded = now
            digests = self._step("digest", lambda: send_digests(self.services.store, self.app.config, self.clock()))
            sent = self._step(
                "delivery",
                lambda: deliver_due(
                    self.services.store,
                    self.app.config,
                    mail_transport(self.app),
                    self.clock,
                    attach=attach_for(self.app),
                    batch=int(self.app.config.get("NOTIFY_BATCH", 100)),
                ),
            )
            hooked = self._step("webhooks", lambda: webhooks.follow(self.services, self.clock()))
            hooked += self._step("webhook delivery", lambda: webhooks.deliver_due(self.services, self.clock()))
            self._step("checkpoint", self._checkpoint)
        return Turn(events, reminders, digests, sent, hooked)

    def run(self, stop: threading.Event, idle_wait: float = 5.0) -> None:
        """Turn until `stop` is set, waking when events arrive (or after `idle_wait` seconds)."""
        follow(self.services.engine, stop, self.turn, "the notification loop", idle_wait)  # a bad turn: logged


def serving() -> bool:
    """Whether the app is being made to serve requests: by `flask run` (the development server) or imported by a
    WSGI server (no command line context), rather than for another command (`flask db upgrade`, `flask notify
    run`), which must not start a loop of its own in the background."""
    context = click.get_current_context(silent=True)
    if context is None:
        return True
    return context.info_name == "run" and context.parent is not None and context.parent.parent is None


def start_in_background(app: Flask) -> threading.Event:
    """Run the loop in a daemon thread of this process (the development server); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=Notifier(app, isolated=True).run, args=(stop, 2.0), name="coalition-notify", daemon=True
    )
    thread.start()
    return stop
