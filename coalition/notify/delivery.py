"""Sending what the outbox holds: claim a batch, hand each message over on one connection, record each result."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from coalition.notify import outbox
from coalition.notify.compose import Attach, message
from coalition.notify.transport import Transport, Undeliverable
from events import EventStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def deliver_due(
    store: EventStore,
    config: Mapping[str, Any],
    transport: Transport,
    clock: Clock,
    *,
    attach: Attach | None = None,
    batch: int = 100,
) -> int:
    """Send every message due now, `batch` at a time; return how many were handed over.

    Each result is recorded in its own short transaction right after the hand-over, so a sender killed
    mid-batch leaves at most the message in flight to be sent again; the rest of its claim lapses and is
    taken by the next sender. These transactions survive the process being killed but do not wait for
    the disk (`durable=False`): after a power cut a few messages may go out again, with their Message-ID.
    """
    handed = 0
    with transport:
        while True:
            with store.engine.connect() as connection:
                due = outbox.any_due(connection, clock())
            if not due:
                return handed  # nothing to send: no write transaction, no lock taken
            with store.transaction(lock=False, durable=False) as connection:
                claimed = outbox.claim(connection, clock(), batch)
            if not claimed:
                return handed
            waiting, leased = list(claimed), clock()
            while waiting:
                if clock() - leased >= outbox.LEASE / 2:  # a slow batch: keep the rest ours, or leave them
                    with store.transaction(lock=False, durable=False) as connection:
                        waiting = outbox.renew(connection, waiting, clock())
                    leased = clock()
                    if not waiting:
                        break
                row = waiting.pop(0)
                try:
                    transport.send(message(row, config, attach))
                except Undeliverable as error:
                    # the server unreachable: this message and the rest of the claim wait for the next try
                    failing = [row, *waiting] if error.unreachable else [row]
                    with store.transaction(lock=False, durable=False) as connection:
                        for one in failing:
                            status = outbox.not_sent(connection, one, clock(), error.reason, error.permanent)
                    log.warning(
                        "message %s to %s not sent (%s): %s", row["message_id"], row["email"], status, error.reason
                    )
                    if error.unreachable:
                        return handed
                    continue
                except Exception as error:  # a message that cannot even be built (an attachment gone) fails alone
                    with store.transaction(lock=False, durable=False) as connection:
                        outbox.not_sent(connection, row, clock(), f"cannot compose: {error}", True)
                    log.exception("message %s cannot be composed", row["message_id"])
                    continue
                with store.transaction(lock=False, durable=False) as connection:
                    outbox.sent(connection, row, clock())
                handed += 1
            if len(claimed) < batch:
                return handed
