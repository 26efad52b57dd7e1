"""Recording progress on an objective through its handler, on a real store: the point, its projection row, the
status read, retries and refusals that record nothing."""

from __future__ import annotations

from datetime import date

from coalition.domain import coalition as co
from coalition.domain.base import Invalid, NotAllowed, NotFound, RuleBroken
from coalition.handlers import coalitions as coalition_handlers
from coalition.handlers import progress as handlers
from coalition.reads import objectives
from coalition.reads.standing import Moment, snapshot
from tests.integration.desk import AGREEMENT, TODAY, Desk, Ids, desk, founded

__all__ = ["desk"]  # the fixture


def measured(desk: Desk) -> Ids:
    """The founded world, objective o1 going from 0 to 40 sites by the end of 2027."""
    ids = founded(desk)
    first = {"id": "o1", "text": "Monitor water quality at 40 sites", "unit": "sites", "baseline": 0.0, "target": 40.0}
    first["target_date"] = date(2027, 12, 31)
    coalition_handlers.amend_agreement(
        desk.as_("ana"), ids.coalition, {"objectives": [first, {"id": "o2", "text": "A brief"}]}
    )
    return ids


def test_a_liaison_records_progress_and_the_read_judges_it(desk: Desk) -> None:
    ids = measured(desk)

    answer = handlers.record_progress(desk.as_("lia"), ids.coalition, "o1", value=30.0, as_of=TODAY, note=" Sampled ")

    state, _ = desk.as_("ana").load(co.stream(ids.coalition), co.evolve)
    assert state is not None
    [point] = state.progress["o1"]
    assert (point.progress_id, point.value, point.organisation_id, point.note) == (
        answer["id"],
        30.0,
        ids.river,
        "Sampled",
    )
    assert desk.types()[-1] == "ObjectiveProgressRecorded"
    with desk.services.engine.connect() as connection:
        listed = objectives.standing(connection, snapshot(connection, ids.coalition, Moment(None, TODAY)))
    assert (listed[0]["status"], listed[0]["share"]) == ("on-track", 0.75)  # 54 % of the way expected
    assert listed[0]["latest"]["progress_id"] == answer["id"]


def test_a_retried_request_makes_the_same_id_and_cannot_record_twice(desk: Desk) -> None:
    ids = measured(desk)
    retry = {"idempotency_key": "k1", "fingerprint": "f"}
    first = handlers.record_progress(desk.as_("ana", **retry), ids.coalition, "o1", value=1.0, as_of=TODAY)

    # The edge answers a retry from the kept answer (tests/e2e); reaching the handler again, it is refused.
    error = desk.refused(
        RuleBroken,
        lambda: handlers.record_progress(desk.as_("ana", **retry), ids.coalition, "o1", value=1.0, as_of=TODAY),
    )
    assert first["id"] in str(error)


def test_refusals_record_nothing(desk: Desk) -> None:
    ids = measured(desk)
    point = handlers.record_progress(desk.as_("ana"), ids.coalition, "o1", value=1.0, as_of=TODAY)["id"]

    desk.refused(NotFound, lambda: handlers.record_progress(desk.as_("ana"), ids.coalition, "o9", value=1, as_of=TODAY))
    desk.refused(
        NotAllowed, lambda: handlers.record_progress(desk.as_("olli"), ids.coalition, "o1", value=1, as_of=TODAY)
    )
    desk.refused(
        NotAllowed,
        lambda: handlers.record_progress(
            desk.as_("lia"), ids.coalition, "o1", value=1, as_of=TODAY, organisation_id=ids.green
        ),
    )
    desk.refused(
        RuleBroken,
        lambda: handlers.record_progress(
            desk.as_("ana"), ids.coalition, "o1", value=1, as_of=TODAY, organisation_id=ids.oak
        ),
    )
    desk.refused(
        Invalid,
        lambda: handlers.record_progress(desk.as_("ana"), ids.coalition, "o1", value=float("nan"), as_of=TODAY),
    )
    desk.refused(
        Invalid,
        lambda: handlers.record_progress(desk.as_("ana"), ids.coalition, "o1", value=1, as_of=date(2030, 1, 1)),
    )
    desk.refused(
        NotFound,
        lambda: handlers.record_progress(desk.as_("ana"), ids.coalition, "o1", value=1, as_of=TODAY, supersedes="x"),
    )
    desk.refused(
        RuleBroken,
        lambda: handlers.record_progress(desk.as_("ana"), ids.coalition, "o2", value=1, as_of=TODAY, supersedes=point),
    )
    assert AGREEMENT["starts_on"] <= TODAY
