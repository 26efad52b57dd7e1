"""The statement page's signatures-over-time chart: the history of counting signatures a point a day, kept per app
until a row it reads changes (`coalition.reads.signature_history`)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.infra.extensions import services
from coalition.reads import statements as read
from coalition.reads.signature_history import history_mark, signature_history
from coalition.web.charts import signatures_over_time


def chart(connection: Connection, coalition_id: str, statement: dict[str, Any]) -> Any:
    """The signatures-over-time figure of an opened statement (None for a draft)."""
    if not statement["version_hash"]:
        return None
    now = services().store.clock()
    points = kept_history(connection, coalition_id, statement["statement_id"])
    return signatures_over_time(points, until=now.date() if read.phase(statement, now) == "open" else None)


#: Signature histories kept per app, by statement and `history_mark`: at most this many.
HISTORIES = 256


def daily(points: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The last of each day's (recorded_at, count) points, in order: all the chart draws (one step a day)."""
    return list({at[:10]: (at, count) for at, count in points}.values())


def kept_history(connection: Connection, coalition_id: str, statement_id: str) -> list[tuple[str, int]]:
    """`signature_history` a point a day (`daily`), computed again only when a row it reads has changed
    (`history_mark`): a statement signed by thousands replays thousands of changes, which its page would otherwise
    do on every read."""
    kept: dict[tuple[Any, ...], list[tuple[str, int]]] = current_app.extensions.setdefault("statement_histories", {})
    # the rule is part of the key: the history is its verdicts (a process runs one rule; tests swap it)
    key = (statement_id, policy.counts, history_mark(connection, coalition_id, statement_id))
    points = kept.get(key)
    if points is None:
        points = daily(signature_history(connection, coalition_id, statement_id))
        if len(kept) >= HISTORIES:
            kept.clear()
        kept[key] = points
    return points
