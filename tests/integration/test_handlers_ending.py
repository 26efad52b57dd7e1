"""Closing a coalition through its handler on a real store: the statements it reads, the log head it records,
and every later command refused with nothing recorded."""

from __future__ import annotations

from coalition.domain import coalition as co
from coalition.domain.base import NotAllowed, RuleBroken
from coalition.domain.policy import CoalitionEnded
from coalition.handlers import coalitions as handlers
from coalition.handlers import ending
from coalition.handlers import statements as statement_handlers
from tests.integration.desk import Desk, desk, founded

__all__ = ["desk"]  # the fixture


def _statement(desk: Desk, coalition_id: str, title: str) -> str:
    drafted = statement_handlers.draft(desk.as_("ana"), coalition_id, title=title, body="We ask.", language="en")
    return str(drafted["id"])


def test_an_open_statement_keeps_the_coalition_open_and_the_close_records_the_head(desk: Desk) -> None:
    ids = founded(desk)
    sid = _statement(desk, ids.coalition, "Clean rivers")
    statement_handlers.open_for_signature(desk.as_("ana"), ids.coalition, sid)
    _statement(desk, ids.coalition, "Just a draft")  # a draft does not keep it open

    error = desk.refused(RuleBroken, lambda: ending.close_coalition(desk.as_("ana"), ids.coalition, reason="Done"))
    assert "“Clean rivers”" in str(error) and "Just a draft" not in str(error)

    statement_handlers.close(desk.as_("ana"), ids.coalition, sid)
    head = desk.head()
    answer = ending.close_coalition(desk.as_("ana"), ids.coalition, reason=" Done ")
    assert answer["final_position"] == head
    state, _ = desk.as_("ana").load(co.stream(ids.coalition), co.evolve)
    assert state is not None and state.closed_on is not None and state.closed_reason == "Done"
    assert desk.types()[-1] == "CoalitionClosed"


def test_after_the_close_commands_are_refused_and_nothing_is_recorded(desk: Desk) -> None:
    ids = founded(desk)
    ending.close_coalition(desk.as_("ana"), ids.coalition, reason="Done")

    desk.refused(CoalitionEnded, lambda: ending.close_coalition(desk.as_("ana"), ids.coalition, reason="Again"))
    desk.refused(CoalitionEnded, lambda: handlers.amend_agreement(desk.as_("ana"), ids.coalition, {"purpose": "Other"}))
    desk.refused(CoalitionEnded, lambda: handlers.join(desk.as_("olli"), ids.coalition, organisation_id=ids.oak))
    desk.refused(CoalitionEnded, lambda: _statement(desk, ids.coalition, "Too late"))


def test_only_a_facilitator_closes(desk: Desk) -> None:
    ids = founded(desk)
    desk.refused(NotAllowed, lambda: ending.close_coalition(desk.as_("bo"), ids.coalition, reason="Done"))
