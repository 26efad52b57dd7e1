"""Telling a coalition's facilitators that one of its webhooks was turned off."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)


def disabled_alert(connection: Connection, webhook_row: Mapping[str, Any]) -> None:
    """Report that a webhook was disabled after failing for 24 hours: a warning in the log, and a message to
    each facilitator of its coalition, queued in the transaction that disabled it."""
    from coalition.notify.alerts import webhook_disabled

    log.warning(
        "webhook %s of coalition %s (%s) was disabled: %s",
        webhook_row["id"],
        webhook_row["coalition_id"],
        webhook_row["url"],
        webhook_row["disabled_reason"],
    )
    disabled_at = webhook_row.get("disabled_at")
    when = datetime.fromisoformat(str(disabled_at).replace("Z", "+00:00")) if disabled_at else datetime.now(UTC)
    webhook_disabled(connection, webhook_row, when)
