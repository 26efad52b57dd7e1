"""Evaluation rounds as rows: each round (its questions, closing date and closing summary) and each response.

Rounds and responses are written once and a round closed once, so the rows hold the current facts only
(no versions); "as of" views of a round replay the log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Boolean, Column, Date, String, Table, Text, false, update
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata
from projections.versioned import POSITION

evaluations = Table(
    "coalition_evaluations",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("evaluation_id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("questions", Text, nullable=False),  # JSON list of {question_id, text}
    Column("closes_on", Date, nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", String(32), nullable=False),
    Column("opened_position", POSITION, nullable=False),
    Column("closed", Boolean, nullable=False, server_default=false()),
    Column("summary", Text),
    Column("lessons", Text),
    Column("closed_by", String(64)),
    Column("closed_at", String(32)),
)

evaluation_responses = Table(
    "coalition_evaluation_responses",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("evaluation_id", String(64), primary_key=True),
    Column("organisation_id", String(64), primary_key=True),
    Column("responded_by", String(64), nullable=False),
    Column("responded_at", String(32), nullable=False),
    Column("answers", Text, nullable=False),  # JSON list of {question_id, rating, comment}
    Column("position", POSITION, nullable=False),
)

TYPES = frozenset({"EvaluationOpened", "EvaluationResponded", "EvaluationClosed"})


def _apply(connection: Connection, event: RecordedEvent) -> None:
    p, when = event.payload, format_time(event.recorded_at)
    ids = {"coalition_id": p["coalition_id"], "evaluation_id": p["evaluation_id"]}
    if event.type == "EvaluationOpened":
        connection.execute(
            evaluations.insert().values(
                **ids,
                title=p["title"],
                questions=json.dumps(p["questions"]),
                closes_on=date.fromisoformat(p["closes_on"]),
                opened_by=p["opened_by"],
                opened_at=when,
                opened_position=event.position,
                closed=False,
            )
        )
    elif event.type == "EvaluationResponded":
        connection.execute(
            evaluation_responses.insert().values(
                **ids,
                organisation_id=p["organisation_id"],
                responded_by=p["responded_by"],
                responded_at=when,
                answers=json.dumps(p["answers"]),
                position=event.position,
            )
        )
    elif event.type == "EvaluationClosed":
        connection.execute(
            update(evaluations)
            .where(
                evaluations.c.coalition_id == ids["coalition_id"], evaluations.c.evaluation_id == ids["evaluation_id"]
            )
            .values(
                closed=True, summary=p["summary"], lessons=p.get("lessons"), closed_by=p["closed_by"], closed_at=when
            )
        )


class Evaluations(Projection):
    """The coalitions' evaluation rounds and their responses."""

    name = "evaluations"
    tables = (evaluations, evaluation_responses)
    types = TYPES

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Write each round, response and closing."""
        for event in events:
            _apply(connection, event)
