"""Messages about the platform's own machinery rather than an event: a webhook turned off after 24 hours of
failures is told to the coalition's facilitators, in the transaction that turned it off."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.engine import Connection

from coalition.notify import outbox
from coalition.notify.messages import Notice
from coalition.notify.reactor import messages
from coalition.reads import coalitions, people

log = logging.getLogger(__name__)


def webhook_disabled(connection: Connection, webhook: Mapping[str, Any], now: datetime) -> int:
    """Queue the message to each facilitator of the webhook's coalition; how many were queued."""
    if not has_app_context():  # rendering needs the app (its templates, languages, public URL)
        log.warning("webhook %s disabled outside the app: its facilitators are not mailed", webhook["id"])
        return 0
    coalition_id = webhook["coalition_id"]
    context = {
        "coalition": coalitions.name(connection, coalition_id),
        "url": webhook["url"],
        "reason": webhook.get("disabled_reason") or "",
        "path": f"/coalitions/{coalition_id}/webhooks",
    }
    notices = [
        (
            f"webhook-disabled:{webhook['id']}:{user_id}",
            Notice("webhook_disabled", user_id, "webhook_disabled", context),
            None,
        )
        for user_id in sorted(people.facilitators(connection, coalition_id, now.date()))
    ]
    rows = messages(connection, current_app.config, notices, now)
    outbox.enqueue(connection, rows)
    return len(rows)
