"""Statements: opened, amended, deadlines coming, closed, published."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.notify.messages import Notice
from coalition.notify.reactor import reacts_to
from coalition.reads import people
from events import RecordedEvent
from projections.statement_rows import StatementView, view


def _about(found: StatementView) -> dict[str, Any]:
    """What every statement message shows: its titles by language, its coalition, where to read it."""
    own = found.statement
    return {
        "title": own["title"],
        "titles": {language: text["title"] for language, text in found.texts().items()},
        "deadline": own["deadline"],
        "threshold": own["threshold"],
        "path": f"/coalitions/{own['coalition_id']}/statements/{own['statement_id']}",
    }


@reacts_to("StatementOpened")
def opened(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """Every mandate holder of every active member may now sign for their organisation."""
    found = view(connection, event.payload["statement_id"], event.position)
    if found is None:
        return
    coalition_id = found.statement["coalition_id"]
    context = _about(found)
    seen: set[str] = set()
    for holders in people.signers(connection, people.active_members(connection, coalition_id), today).values():
        for user_id in sorted(holders - seen):
            seen.add(user_id)
            yield Notice("statement_opened", user_id, "statement_opened", context, found.statement["statement_id"])
