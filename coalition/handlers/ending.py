"""Ending well: a facilitator closes the coalition (`coalition.domain.ending`).

The handler reads the coalition, each of its statements (which are still open for signature, at the
request's instant) and the log's head, then decides and appends relying on every stream it read: a
statement opened meanwhile turns the close into a conflict. The head read before appending is the
final report's position (`final_position`, `final_chain_hash`).
"""

from __future__ import annotations

from typing import Any

from coalition.domain import coalition as co
from coalition.domain import ending, policy
from coalition.domain import statement as st
from coalition.domain.base import NotFound
from coalition.handlers import Context
from coalition.handlers.reading import acting_for, prepare
from coalition.reads import coalitions, organisations


def close_coalition(context: Context, coalition_id: str, *, reason: str) -> dict[str, Any]:
    """Close the coalition (facilitators): {id, ended_on, final_position}."""
    read = prepare(context, coalition_id)
    if read.state is None:
        raise NotFound("no such coalition")
    policy.check_open(read.state)  # closing twice: the day it ended, before anything else
    expected = dict(read.expected)
    still_open: list[tuple[str, str]] = []
    with context.services.engine.connect() as connection:
        statement_ids = [row["statement_id"] for row in coalitions.statements(connection, coalition_id, context.moment)]
        pledging = {c.organisation_id for c in ending.pledged(read.state)}
        organisation_names = organisations.names(connection, pledging)
    for statement_id in statement_ids:
        statement, version = context.load(st.stream(statement_id), st.evolve)
        expected[st.stream(statement_id)] = version
        if statement is not None and statement.phase(context.moment) == "open":
            still_open.append((statement_id, next(iter(statement.texts.values())).title))
    position, chain_hash = context.services.store.head()
    command = co.CloseCoalition(reason, position, chain_hash, tuple(still_open), organisation_names)
    changes = co.decide(read.state, command, read.actor, context.today)
    answer = {
        "id": coalition_id,
        "version": read.version + len(changes),
        "ended_on": context.today.isoformat(),
        "final_position": position,
    }
    return context.append(read.stream, changes, expected, answer, acting_for(read.state, command, read.actor))
