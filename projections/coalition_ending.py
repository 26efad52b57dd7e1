"""A coalition's end on its agreement's rows (lane ending): `CoalitionClosed` sets when, why, by whom, and the
final report's position (the log's head when it closed)."""

from __future__ import annotations

from datetime import date
from typing import Any


def ended(payload: dict[str, Any]) -> dict[str, Any]:
    """The agreement row's values a `CoalitionClosed` event changes."""
    return {
        "ended_on": date.fromisoformat(payload["closed_on"]),
        "ended_reason": payload["reason"],
        "ended_by": payload["closed_by"],
        "final_position": payload["final_position"],
    }
