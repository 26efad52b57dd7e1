"""The evaluation round handlers on a real store, without HTTP: open, answer, close, and the read model after.

Each rule is tested once in the domain (tests/unit/test_evaluations_domain.py); here each command goes the
whole way (load, decide, append with the versions read), refusals record nothing, and the reads agree.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from coalition.domain import coalition as co
from coalition.domain.base import Invalid, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition_state import Actor
from coalition.handlers import coalitions as coalition_handlers
from coalition.handlers import evaluations as handlers
from coalition.reads import evaluations as reads
from tests.integration.desk import TODAY, Desk, Ids, desk, founded

__all__ = ["desk"]  # the fixture

CLOSES = TODAY + timedelta(days=10)
QUESTIONS = ("Are we reaching our objectives?", "What should change?")


def answers(*ratings: int) -> list[dict[str, Any]]:
    return [{"question_id": f"q{n}", "rating": r, "comment": f"note {n}"} for n, r in enumerate(ratings, 1)]


def opened(desk: Desk) -> tuple[Ids, str]:
    ids = founded(desk)
    evaluation = handlers.open_evaluation(
        desk.as_("ana"), ids.coalition, title="Spring review", questions=QUESTIONS, closes_on=CLOSES
    )["id"]
    return ids, evaluation


def test_a_round_goes_from_open_to_closed_and_the_state_and_reads_agree(desk: Desk) -> None:
    ids, evaluation = opened(desk)
    handlers.respond(desk.as_("lia"), ids.coalition, evaluation, organisation_id=ids.river, answers=answers(4, 2))
    handlers.respond(desk.as_("ana"), ids.coalition, evaluation, organisation_id=ids.green, answers=answers(2, 2))
    done = handlers.close_evaluation(
        desk.as_("ana"), ids.coalition, evaluation, summary=" On track ", lessons="Meet monthly"
    )

    assert desk.types()[-4:] == ["EvaluationOpened", "EvaluationResponded", "EvaluationResponded", "EvaluationClosed"]
    state, version = desk.as_("ana").load(co.stream(ids.coalition), co.evolve)
    assert state is not None and done["version"] == version
    held = state.evaluations[evaluation]
    assert held.closed and held.summary == "On track" and list(held.responses) == [ids.river, ids.green]
    assert [q.question_id for q in held.questions] == ["q1", "q2"]
    with desk.services.engine.connect() as connection:
        assert reads.rounds(connection, ids.coalition) == {evaluation: held}  # the rows hold what the log holds
        shown = reads.one(
            connection, ids.coalition, evaluation, Actor(desk.users["mo"], frozenset({ids.river})), frozenset(), TODAY
        )
    assert shown["results"][0]["average"] == 3.0
    assert shown["results"][1]["counts"] == {1: 0, 2: 2, 3: 0, 4: 0, 5: 0}


def test_the_event_is_recorded_for_the_organisation_answered_for(desk: Desk) -> None:
    ids, evaluation = opened(desk)
    handlers.respond(desk.as_("bo"), ids.coalition, evaluation, organisation_id=ids.river, answers=answers(3, 3))
    [event] = [e for e in desk.services.store.read_all() if e.type == "EvaluationResponded"]
    assert event.metadata.organisation_id == ids.river and event.payload["responded_by"] == desk.users["bo"]


def test_refusals_record_nothing(desk: Desk) -> None:
    ids, evaluation = opened(desk)
    respond = handlers.respond
    desk.refused(
        NotAllowed,
        lambda: respond(desk.as_("mo"), ids.coalition, evaluation, organisation_id=ids.river, answers=answers(3, 3)),
    )
    desk.refused(
        Invalid,
        lambda: respond(desk.as_("bo"), ids.coalition, evaluation, organisation_id=ids.river, answers=answers(3)),
    )
    desk.refused(
        NotFound,
        lambda: respond(desk.as_("bo"), ids.coalition, evaluation, organisation_id="nobody", answers=answers(3, 3)),
    )
    desk.refused(
        RuleBroken,
        lambda: handlers.open_evaluation(
            desk.as_("ana"), ids.coalition, title="Again", questions=QUESTIONS, closes_on=CLOSES
        ),
    )
    desk.refused(Invalid, lambda: handlers.close_evaluation(desk.as_("ana"), ids.coalition, evaluation, summary=""))
    late = desk.as_("bo", CLOSES + timedelta(days=1))
    desk.refused(
        RuleBroken,
        lambda: respond(late, ids.coalition, evaluation, organisation_id=ids.river, answers=answers(3, 3)),
    )


def test_a_closing_date_in_the_past_is_refused(desk: Desk) -> None:
    ids = founded(desk)
    desk.refused(
        Invalid,
        lambda: handlers.open_evaluation(
            desk.as_("ana"), ids.coalition, title="Review", questions=QUESTIONS, closes_on=date(2026, 1, 1)
        ),
    )


def test_a_liaison_whose_organisation_is_suspended_may_not_answer(desk: Desk) -> None:
    ids, evaluation = opened(desk)
    coalition_handlers.change_membership(desk.as_("ana"), ids.coalition, ids.river, "suspend", reason="Dues")
    # the liaison role is dormant while suspended: she no longer answers for River Watch
    desk.refused(
        NotAllowed,
        lambda: handlers.respond(
            desk.as_("lia"), ids.coalition, evaluation, organisation_id=ids.river, answers=answers(3, 3)
        ),
    )
    desk.refused(
        RuleBroken,
        lambda: handlers.respond(
            desk.as_("bo"), ids.coalition, evaluation, organisation_id=ids.river, answers=answers(3, 3)
        ),
    )
