"""Evaluation rounds: a round opened, to whoever answers it for an active member (its administrators and its
liaison, `policy.evaluations.responder_refusal`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy.engine import Connection

from coalition.notify.messages import Notice
from coalition.notify.reactor import reacts_to
from coalition.reads import coalitions, people
from events import RecordedEvent


@reacts_to("EvaluationOpened")
def opened(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The administrators and liaisons of the active members are asked to answer the round for their organisation."""
    p = event.payload
    coalition_id = p["coalition_id"]
    members = people.active_members(connection, coalition_id)
    asked = set().union(*people.administrators(connection, members).values()) if members else set()
    asked |= people.role_holders(connection, coalition_id, "liaison", today)
    context = {
        "coalition": coalitions.name(connection, coalition_id),
        "title": p["title"],
        "questions": len(p["questions"]),
        "closes_on": p["closes_on"],
        "path": f"/coalitions/{coalition_id}/evaluations/{p['evaluation_id']}",
    }
    for user_id in sorted(asked):
        yield Notice("evaluation_opened", user_id, "evaluation_opened", context, p["evaluation_id"])
