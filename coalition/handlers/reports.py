"""Publishing a coalition's partnership report (facilitators): the event names the log position it is drawn at."""

from __future__ import annotations

from datetime import date
from typing import Any

from coalition.domain import reports
from coalition.handlers import Context
from coalition.handlers.reading import prepare


def publish_report(
    context: Context,
    coalition_id: str,
    *,
    position: int,
    chain_hash: str,
    day: date,
    language: str | None,
    founded_at: int,
) -> dict[str, Any]:
    """Publish the report drawn at `position` on `day`: {id, position, url}."""
    read = prepare(context, coalition_id, if_match=False)
    report_id = context.new_id()
    changes = reports.publish(read.state, read.actor, report_id, position, chain_hash, day, language, founded_at)
    answer = {
        "id": report_id,
        "position": position,
        "day": day.isoformat(),
        "url": f"/public/reports/{report_id}",
        "version": read.version + len(changes),  # the coalition stream's version after it, as every command answers
    }
    return context.append(read.stream, changes, read.expected, answer)
