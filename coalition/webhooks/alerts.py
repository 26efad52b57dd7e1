"""Telling a coalition's facilitators that one of its webhooks was turned off."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)


def disabled_alert(connection: Connection, webhook_row: Mapping[str, Any]) -> None:
    """Report that a webhook was disabled after failing for 24 hours; for now a warning in the log.

    It runs inside the transaction that disabled the webhook, so that the lead can wire it to the
    e-mail outbox (one message to each facilitator of the webhook's coalition, written in that same
    transaction) without changing its callers.
    """
    log.warning(
        "webhook %s of coalition %s (%s) was disabled: %s",
        webhook_row["id"],
        webhook_row["coalition_id"],
        webhook_row["url"],
        webhook_row["disabled_reason"],
    )
