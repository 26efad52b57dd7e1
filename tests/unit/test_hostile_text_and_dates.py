"""What text and dates the app takes (`coalition.domain.text`, `.dates`) and the due dates the work rules take."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from coalition.domain import text
from coalition.domain.base import Invalid
from coalition.domain.coalition import FoundCoalition, Objective, decide
from coalition.domain.dates import day_in_range, moment_in_range
from coalition.domain.policy import due_date_refusal
from coalition.domain.work import CreateTask, PledgeCommitment, RescheduleCommitment
from tests.unit.test_coalition_domain import ANA, BEN, agreement, run, two_members
from tests.unit.test_work_domain import pledged

STARTS = date(2025, 1, 1)  # the cooperation of `agreement()` starts then
TODAY = date(2025, 3, 1)


@pytest.mark.parametrize(
    "value",
    ["\u200b", "\u00a0", "\u200b\u2060\ufeff", " \u3000\t", "\u2800", "\u3164\u115f", "\u202e", "\u034f", "\u00ad"],
)
def test_text_that_shows_nothing_is_blank(value: str) -> None:
    assert text.is_blank(value)
    assert text.visible_problem(value) == "holds only spaces or invisible characters: write some visible text"


@pytest.mark.parametrize("value", ["a", "\u200ba", "Ioana\u00a0Popescu", "💧", "ș", "\u0301x", "\ue000"])
def test_text_with_something_to_show_is_not_blank(value: str) -> None:
    assert not text.is_blank(value) and text.visible_problem(value) is None


def test_an_empty_text_is_left_to_the_required_rules() -> None:
    assert text.visible_problem("") is None


@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", "\udbff"])
def test_lone_surrogates_are_found(value: str) -> None:
    assert text.has_lone_surrogate(value)
    assert "surrogate" in (text.visible_problem(value) or "")


def test_a_character_outside_the_bmp_is_no_surrogate() -> None:
    assert not text.has_lone_surrogate("💧 \U0001f30a")


@pytest.mark.parametrize("control", [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]])
def test_every_bidirectional_embedding_override_and_isolate_is_found(control: str) -> None:
    assert text.has_bidi_control(f"Asociația {control}Râuri")


def test_marks_that_only_set_a_direction_are_not_controls() -> None:
    assert not text.has_bidi_control("\u200e\u200f \u05e9\u05dc\u05d5\u05dd")


@pytest.mark.parametrize(
    "day,ok",
    [(date(1900, 1, 1), True), (date(2200, 12, 31), True), (date(1899, 12, 31), False), (date(2201, 1, 1), False)],
)
def test_days_are_taken_from_1900_to_2200(day: date, ok: bool) -> None:
    assert day_in_range(day) is ok


@pytest.mark.parametrize(
    "moment,ok",
    [
        (datetime(2027, 6, 30, 12, tzinfo=UTC), True),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))), False),  # overflows in UTC
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), False),  # underflows in UTC
        (datetime(2200, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))), False),  # 2201 in UTC
        (datetime(1900, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), False),  # 1899 in UTC
        (datetime(2200, 12, 31, 23), True),  # naive: read as UTC
    ],
)
def test_moments_are_taken_from_1900_to_2200_in_utc_and_as_written(moment: datetime, ok: bool) -> None:
    assert moment_in_range(moment) is ok


def test_a_due_date_before_the_cooperation_starts_or_25_years_ahead_is_refused() -> None:
    assert due_date_refusal(STARTS, STARTS, TODAY) is None
    assert due_date_refusal(STARTS, date(2050, 3, 1), TODAY) is None
    early = due_date_refusal(STARTS, date(2001, 1, 1), TODAY)
    late = due_date_refusal(STARTS, date(2050, 3, 2), TODAY)
    assert isinstance(early, Invalid) and "before the coalition's cooperation starts (2025-01-01)" in str(early)
    assert isinstance(late, Invalid) and "at most 25 years ahead, until 2050-03-01" in str(late)


def test_25_years_after_the_29th_of_february_is_the_28th() -> None:
    assert due_date_refusal(STARTS, date(2053, 2, 28), date(2028, 2, 29)) is None
    assert due_date_refusal(STARTS, date(2053, 3, 1), date(2028, 2, 29)) is not None


@pytest.mark.parametrize("due", [date(2001, 1, 1), date(9999, 12, 31)])
def test_work_is_not_due_before_the_coalition_or_centuries_ahead(due: date) -> None:
    task = CreateTask("t9", "Map the banks", "GPS survey", "org-b", due)
    pledge = PledgeCommitment("k9", "org-b", "funding", "Lab fees", due)
    for command, actor, state in (
        (task, ANA, two_members()),
        (pledge, BEN, two_members()),
        (RescheduleCommitment("k1", due, "later"), BEN, pledged()),
    ):
        with pytest.raises(Invalid, match="due date"):
            decide(state, command, actor, TODAY)


def test_an_agreement_names_at_most_50_objectives() -> None:
    objectives = tuple(Objective(f"o{n}", f"Objective {n}") for n in range(text.MAX_OBJECTIVES + 1))
    with pytest.raises(Invalid, match="at most 50 common objectives"):
        decide(None, FoundCoalition("c1", "org-a", "r-fac", agreement(objectives=objectives)), ANA, TODAY)
    assert run(None, FoundCoalition("c1", "org-a", "r-fac", agreement(objectives=objectives[:50])), ANA)[1]
