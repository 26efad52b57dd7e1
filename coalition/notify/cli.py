"""`flask notify ...`: run the notification loop, or see where it stands."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from coalition.infra import options
from coalition.notify import outbox
from coalition.notify.reactor import CHECKPOINT
from coalition.notify.worker import Notifier
from projections.base import checkpoints

notify_cli = AppGroup("notify", help="Send the e-mails the log calls for, and see the outbox.")


@notify_cli.command("run")
@click.option("--once", is_flag=True, help="Do everything due now, then exit.")
@options.idle_wait("new events when idle")
def run_command(once: bool, idle_wait: float) -> None:
    """Follow the log, queue the messages it calls for, and deliver them (until SIGINT or SIGTERM)."""
    notifier = Notifier(current_app._get_current_object(), isolated=True)  # type: ignore[attr-defined]
    if once:
        turn = notifier.turn()
        click.echo(
            f"{turn.events} events read, {turn.reminders} reminders and {turn.digests} digests queued, "
            f"{turn.sent} messages sent."
        )
        return
    stop = threading.Event()

    def finish(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    click.echo("Delivering notifications; stop with Ctrl-C.", err=True)
    notifier.run(stop, idle_wait)


@notify_cli.command("status")
def status_command() -> None:
    """The reactor's checkpoint against the log's head, and the outbox: queued, retrying and failed messages."""
    services = current_app.extensions["coalition"]
    with services.engine.connect() as connection:
        head = services.store.head(connection)[0]
        position = connection.execute(select(checkpoints.c.position).where(checkpoints.c.name == CHECKPOINT)).scalar()
        found = outbox.counts(connection)
    reached = "not started" if position is None else f"{position} of {head} ({head - position} behind)"
    click.echo(f"Reactor: {reached}")
    by_status = found.by_status
    click.echo(
        "Outbox: "
        + ", ".join(
            f"{by_status.get(s, 0)} {s}" for s in ("queued", "sending", "held", "sent", "digested", "dropped", "failed")
        )
    )
    for title, rows in (("Retrying", found.retrying), ("Failed", found.failed)):
        if rows:
            click.echo(f"{title}:")
            for row in rows:
                click.echo(
                    f"  {row['message_id'][:12]} {row['kind']} to {row['email']}, {row['attempts']} attempts"
                    f" (next {row['due_at']}): {row['last_error']}"
                )
