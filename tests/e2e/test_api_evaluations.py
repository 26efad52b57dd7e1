"""Evaluation rounds through the API: open, answer, close, read; every refusal a clear 4xx, nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import services
from tests.e2e.world import Api, World, error_of

FAR = "2099-12-31"


def rated(*ratings: int, comment: str = "Fine") -> list[dict[str, Any]]:
    return [{"question_id": f"q{n}", "rating": r, "comment": comment} for n, r in enumerate(ratings, 1)]


def opened(w: World, **body: Any) -> str:
    """A round opened by Ana (default questions unless `questions` is given): its path."""
    answer = w.ok("POST", f"{w.path}/evaluations", "ana", {"title": "Spring review", "closes_on": FAR, **body})
    return f"{w.path}/evaluations/{answer['id']}"


def refused(w: World, method: str, path: str, person: str, body: Any, status: int, code: str) -> dict[str, Any]:
    """The request is refused with this status and code, and the log does not move: the error."""
    before = w.api.head()
    error = error_of(w.api.call(method, path, w.who(person), body), status, code)
    assert w.api.head() == before
    return error


def test_a_facilitator_opens_a_round_with_the_default_questions(world: World) -> None:
    path = opened(world)
    shown = world.ok("GET", path, "ana")
    assert [q["question_id"] for q in shown["question_list"]] == ["q1", "q2", "q3", "q4"]
    assert shown["question_list"][0]["text"] == "Are we reaching our common objectives?"
    assert (shown["closed"], shown["closes_on"], shown["responses"], shown["members"]) == (False, FAR, 0, 2)
    listed = world.ok("GET", f"{world.path}/evaluations", "bo")
    assert listed["open"] == shown["evaluation_id"] and listed["may_open"] is False
    assert [r["title"] for r in listed["rounds"]] == ["Spring review"]
    assert listed["rounds"][0]["awaiting"] == [{"organisation_id": world.river, "name": "River Watch"}]


def test_a_round_asks_the_questions_given(world: World) -> None:
    path = opened(world, questions=["Is the budget enough?", "What should we stop?"])
    texts = [q["text"] for q in world.ok("GET", path, "ana")["question_list"]]
    assert texts == ["Is the budget enough?", "What should we stop?"]


def test_a_whole_round_members_see_the_results_once_closed(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/responses", "lia", {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)})
    world.ok("POST", f"{path}/responses", "ana", {"organisation_id": world.green, "answers": rated(2, 3, 4, 1)})

    as_member = world.ok("GET", path, "mo")  # River Watch's people: their own response only while open
    assert as_member["results"] is None and as_member["respondents"] is None
    assert [o["organisation_id"] for o in as_member["own"]] == [world.river]
    assert as_member["own"][0]["answers"][0] == {
        "question_id": "q1",
        "question": "Are we reaching our common objectives?",
        "rating": 4,
        "comment": "Fine",
    }
    as_facilitator = world.ok("GET", path, "ana")  # facilitators see every response as it comes
    assert as_facilitator["results"][0]["average"] == 3.0
    assert as_facilitator["results"][0]["counts"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    assert as_facilitator["may_close"] is True and as_member["may_close"] is False

    world.ok("POST", f"{path}/close", "ana", {"summary": "Mostly on track", "lessons": "Share minutes sooner"})
    closed = world.ok("GET", path, "mo")
    assert closed["closed"] is True and (closed["summary"], closed["lessons"]) == (
        "Mostly on track",
        "Share minutes sooner",
    )
    q1 = closed["results"][0]
    assert [(a["organisation"], a["rating"]) for a in q1["answers"]] == [("River Watch", 4), ("Green Earth", 2)]
    assert closed["results"][3]["average"] == 3.0
    listed = world.ok("GET", f"{world.path}/evaluations", "ana")
    assert listed["open"] is None and listed["may_open"] is True


def test_only_one_round_is_open_at_a_time(world: World) -> None:
    opened(world)
    error = refused(
        world, "POST", f"{world.path}/evaluations", "ana", {"title": "Another", "closes_on": FAR}, 409, "conflict"
    )
    assert "still open" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"closes_on": FAR}, "title"),
        ({"title": "  ", "closes_on": FAR}, "title"),
        ({"title": "Review"}, "closes_on"),
        ({"title": "Review", "closes_on": "not a date"}, "closes_on"),
        ({"title": "Review", "closes_on": FAR, "questions": []}, "questions"),
        ({"title": "Review", "closes_on": FAR, "questions": ["Fine?", " "]}, "questions"),
        ({"title": "Review", "closes_on": FAR, "questions": "Fine?"}, "questions"),
    ],
)
def test_a_bad_round_is_refused_naming_the_field(world: World, body: dict[str, Any], field: str) -> None:
    error = refused(world, "POST", f"{world.path}/evaluations", "ana", body, 422, "invalid")
    assert field in error["fields"]


def test_a_closing_date_in_the_past_is_refused(world: World) -> None:
    error = refused(
        world, "POST", f"{world.path}/evaluations", "ana", {"title": "R", "closes_on": "2020-01-01"}, 422, "invalid"
    )
    assert error["message"].startswith("closes_on:")


@pytest.mark.parametrize(
    ("answers", "status", "words"),
    [
        (rated(4, 3, 2), 422, "q4 are not answered"),
        ([*rated(4, 3, 2, 1), {"question_id": "q9", "rating": 3}], 422, "no such question in this round: q9"),
        ([*rated(4, 3, 2), {"question_id": "q4", "rating": 6}], 422, "answers"),
        ([*rated(4, 3, 2), {"question_id": "q4", "rating": 0}], 422, "answers"),
        ([*rated(4, 3, 2), {"question_id": "q4", "rating": 2.5}], 422, "answers"),
        ([*rated(4, 3, 2), {"question_id": "q4", "rating": "3"}], 422, "answers"),
        ([*rated(4, 3, 2), {"question_id": "q4"}], 422, "answers"),
        ([], 422, "answers"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(world: World, answers: Any, status: int, words: str) -> None:
    path = opened(world)
    body = {"organisation_id": world.river, "answers": answers}
    error = refused(world, "POST", f"{path}/responses", "bo", body, status, "invalid")
    assert words in error["message"] or "answers" in error["fields"]


def test_an_organisation_answers_once(world: World) -> None:
    path = opened(world)
    body = {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)}
    world.ok("POST", f"{path}/responses", "bo", body)
    error = refused(world, "POST", f"{path}/responses", "lia", body, 409, "conflict")
    assert "already answered" in error["message"]


def test_a_mandated_person_who_is_neither_administrator_nor_liaison_may_not_answer(world: World) -> None:
    path = opened(world)
    body = {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)}
    error = refused(world, "POST", f"{path}/responses", "mo", body, 403, "forbidden")
    assert "administrator or the liaison" in error["message"]


def test_a_non_member_may_not_answer(world: World) -> None:
    path = opened(world)
    body = {"organisation_id": world.oak, "answers": rated(4, 3, 2, 5)}
    error = refused(world, "POST", f"{path}/responses", "olli", body, 409, "conflict")
    assert "not a member" in error["message"]


def test_a_suspended_member_may_not_answer(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Dues unpaid"})
    body = {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)}
    error = refused(world, "POST", f"{path}/responses", "bo", body, 409, "conflict")
    assert "suspended" in error["message"]


def test_an_unknown_organisation_or_round_is_not_found(world: World) -> None:
    path = opened(world)
    body = {"organisation_id": "nobody", "answers": rated(4, 3, 2, 5)}
    refused(world, "POST", f"{path}/responses", "bo", body, 404, "not_found")
    body = {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)}
    refused(world, "POST", f"{world.path}/evaluations/nope/responses", "bo", body, 404, "not_found")
    refused(world, "POST", f"{world.path}/evaluations/nope/close", "ana", {"summary": "x"}, 404, "not_found")
    assert world.api.call("GET", f"{world.path}/evaluations/nope", world.who("ana")).status_code == 404


def test_after_the_closing_date_answers_are_refused_and_the_round_still_closes(api: Api, world: World) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    path = opened(world, closes_on=soon)
    services(api.app).store.clock = lambda: datetime.now(UTC) + timedelta(days=5)
    body = {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)}
    error = refused(world, "POST", f"{path}/responses", "bo", body, 409, "conflict")
    assert "closed for responses on" in error["message"]
    assert world.ok("GET", f"{world.path}/evaluations", "bo")["rounds"][0]["past_closing"] is True
    world.ok("POST", f"{path}/close", "ana", {"summary": "Few answered"})


def test_closing_needs_a_summary_and_happens_once(world: World) -> None:
    path = opened(world)
    error = refused(world, "POST", f"{path}/close", "ana", {"summary": "   "}, 422, "invalid")
    assert "summary" in error["fields"]
    refused(world, "POST", f"{path}/close", "ana", {}, 422, "invalid")
    world.ok("POST", f"{path}/close", "ana", {"summary": "Done"})
    error = refused(world, "POST", f"{path}/close", "ana", {"summary": "Again"}, 409, "conflict")
    assert "already closed" in error["message"]
    body = {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)}
    assert "is closed" in refused(world, "POST", f"{path}/responses", "bo", body, 409, "conflict")["message"]


def test_people_of_other_organisations_read_nothing(world: World) -> None:
    path = opened(world)
    refused(world, "GET", path, "olli", None, 403, "forbidden")
    refused(world, "GET", f"{world.path}/evaluations", "olli", None, 403, "forbidden")


def test_the_audit_history_tells_the_round(world: World) -> None:
    path = opened(world)
    world.ok("POST", f"{path}/responses", "bo", {"organisation_id": world.river, "answers": rated(4, 3, 2, 5)})
    world.ok("POST", f"{path}/close", "ana", {"summary": "Done"})
    events = world.ok("GET", f"{world.path}/events?type=EvaluationOpened,EvaluationResponded,EvaluationClosed", "ana")
    assert [e["type"] for e in events["events"]] == ["EvaluationOpened", "EvaluationResponded", "EvaluationClosed"]
    assert events["events"][1]["subject_organisation_id"] == world.river
