"""Ending well over the API: closing a coalition, every change refused after it, reads and proofs still working,
and a member leaving with its open work disposed of."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import CopyWorlds
from tests.e2e.test_api_authorization import CASES, PERSONAS
from tests.e2e.test_inbox import at, only
from tests.e2e.test_statement_pdf import download, published, verify
from tests.e2e.world import World, error_of

CLOSE = {"reason": "The project ended and the report is out"}


def close(w: World, person: str = "ana", body: Any = CLOSE) -> Any:
    return w.api.call("POST", f"{w.path}/close", w.who(person), body)


def test_closing_is_refused_while_work_is_open_listing_it_then_recorded_at_the_log_head(world: World) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "Clean rivers", "body": "We ask.", "language": "en"})[
        "id"
    ]
    w.ok("POST", f"{w.path}/statements/{sid}/open", "ana", {})
    round_ = w.ok("POST", f"{w.path}/evaluations", "ana", {"title": "First year", "closes_on": "2099-01-31"})["id"]
    before = w.api.head()
    message = error_of(close(w), 409, "conflict")["message"]
    assert "“Clean rivers”" in message and "“First year”" in message
    assert "“Two field officers (River Watch)”" in message  # a pledge, by its description and organisation
    assert w.api.head() == before

    w.ok("POST", f"{w.path}/statements/{sid}/close", "ana")
    w.ok("POST", f"{w.path}/evaluations/{round_}/close", "ana", {"summary": "Good year"})
    message = error_of(close(w), 409, "conflict")["message"]
    assert "“Clean rivers”" not in message and "“First year”" not in message  # the task and the pledge are left
    w.ok("POST", f"{w.path}/tasks/{w.task}/drop", "ana", {"reason": "Wrapping up"})
    w.ok("POST", f"{w.path}/commitments/{w.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    head = w.api.head()
    answer = close(w)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["final_position"] == head and answer.json["ended_on"]
    view = w.ok("GET", w.path, "bo")
    assert view["state"] == "ended" and view["ended_on"] == answer.json["ended_on"]
    assert view["final_position"] == head and view["ended_reason"] == CLOSE["reason"]
    event = w.ok("GET", f"{w.path}/events", "ana")
    closed = [e for e in event["events"] if e["type"] == "CoalitionClosed"]
    assert closed and closed[0]["payload"]["final_position"] == head
    assert len(closed[0]["payload"]["final_chain_hash"]) == 64


def test_a_running_coalition_says_so(world: World) -> None:
    view = world.ok("GET", world.path, "ana")
    assert (view["state"], view["ended_on"]) == ("running", None)


@pytest.mark.parametrize(
    ("person", "body", "status", "code", "words"),
    [
        ("bo", CLOSE, 403, "forbidden", "facilitator"),
        ("olli", CLOSE, 403, "forbidden", "facilitator"),
        ("ana", {}, 422, "invalid", "reason"),
        ("ana", {"reason": "   "}, 422, "invalid", "reason"),
        ("ana", None, 400, "bad_request", "JSON"),
    ],
)
def test_bad_closes_are_refused_and_record_nothing(
    world: World, person: str, body: Any, status: int, code: str, words: str
) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    before = world.api.head()
    error = error_of(close(world, person, body), status, code)
    assert words in (error["message"] + str(error["fields"]))
    assert world.api.head() == before
    assert world.api.call("POST", f"{world.path}/close", None, CLOSE).status_code == 401


def test_closing_twice_and_an_unknown_coalition(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    ended_on = close(world).json["ended_on"]
    before = world.api.head()
    assert error_of(close(world), 409, "conflict")["message"] == f"the coalition has ended on {ended_on}"
    assert world.api.head() == before
    unknown = world.api.call("POST", "/coalitions/nope/close", world.who("ana"), CLOSE)
    assert unknown.status_code == 404


def _open_work_done(w: World) -> None:
    """Close each statement open for signature and each evaluation round open, drop the open task and withdraw the
    pledged commitment, so the coalition may close."""
    for statement in w.ok("GET", f"{w.path}/statements", "ana")["statements"]:
        if statement["state"] == "open":
            w.ok("POST", f"{w.path}/statements/{statement['id']}/close", "ana")
    for round_ in w.ok("GET", f"{w.path}/evaluations", "ana")["rounds"]:
        if not round_["closed"]:
            w.ok("POST", f"{w.path}/evaluations/{round_['evaluation_id']}/close", "ana", {"summary": "Wrapping up"})
    # the world's one task (no action of the table makes another): dropped unless it is closed already
    w.api.call("POST", f"{w.path}/tasks/{w.task}/drop", w.who("ana"), {"reason": "Wrapping up"})
    w.api.call("POST", f"{w.path}/commitments/{w.commitment}/withdraw", w.who("bo"), {"reason": "Wrapping up"})


#: What goes on after the end because it changes none of the coalition's records: publishing its final report (the
#: table's request names no as_of, so it is drawn at the closing's position; tests/e2e/test_partnership_report.py
#: checks the position, and that a report as of an earlier position is refused with 409).
GOES_ON = ("publish the partnership report",)
ON_THE_COALITION = [
    action
    for action, (prepare, allowed) in CASES.items()
    if action not in ("close the coalition", "found a coalition for River Watch")
    and any(person != "anonymous" for person in allowed)
]


@pytest.mark.parametrize("action", ON_THE_COALITION)
def test_every_changing_endpoint_on_an_ended_coalition_answers_409(worlds: CopyWorlds, action: str) -> None:
    """The authorization table's actions on the coalition, each by a person allowed to do it, after it closed."""
    w = worlds()[""]
    prepare, allowed = CASES[action]
    method, path, body = prepare(w)
    _open_work_done(w)
    ended_on = close(w).json["ended_on"]
    person = PERSONAS[sorted(allowed)[0]]
    assert person is not None
    before = w.api.head()
    response = w.api.call(method, path, w.who(person), body)
    if not path.startswith(w.path) or action in GOES_ON:  # an organisation's own business goes on after the end
        assert response.status_code < 400, (action, response.get_data(as_text=True))
        return
    if method == "GET":
        assert response.status_code == 200, response.get_data(as_text=True)  # reads keep working
        return
    assert error_of(response, 409, "conflict")["message"] == f"the coalition has ended on {ended_on}", action
    assert w.api.head() == before


def test_reads_exports_and_verification_keep_working_after_the_end(world: World) -> None:
    statement = published(world)
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    assert close(world).status_code == 200
    for path in (
        world.path,
        f"{world.path}/standing",
        f"{world.path}/responsibilities",
        f"{world.path}/events",
        f"{world.path}/statements",
        statement.path,
    ):
        assert world.api.call("GET", path, world.who("ana")).status_code == 200, path
    csv = world.api.call("GET", f"{world.path}/events.csv", world.who("ana"))
    assert csv.status_code == 200 and b"CoalitionClosed" in csv.data
    pdf = download(world, statement.path).data
    assert verify(world.api, pdf)["valid"] is True
    assert world.api.call("GET", "/me/export", world.who("ana")).status_code == 200


# -- leaving with open work -------------------------------------------------------------------------


def leave(w: World, body: Any) -> Any:
    return w.api.call("POST", f"{w.path}/members/{w.river}/leave", w.who("bo"), body)


def test_leaving_with_open_work_is_refused_naming_it(world: World) -> None:
    before = world.api.head()
    message = error_of(leave(world, {"reason": "Merging"}), 409, "conflict")["message"]
    assert "open commitments or tasks" in message and "“" in message
    assert world.api.head() == before


def test_leaving_with_a_disposition_for_each_item_records_them_together(world: World) -> None:
    w = world
    before = w.api.head()
    body = {
        "dispositions": [
            {"item": w.commitment, "action": "withdraw", "reason": "We merge"},
            {"item": w.task, "action": "hand_over", "to": w.green, "reason": "Green Earth carries on"},
        ]
    }
    assert leave(w, body).json["state"] == "left"
    recorded = w.ok("GET", f"{w.path}/events", "ana")["events"][-4:]
    assert [e["type"] for e in recorded[:2]] == ["CommitmentWithdrawn", "TaskReassigned"]
    assert recorded[-1]["type"] == "MemberLeft" and w.api.head() == before + 4  # with the liaison's RoleRemoved
    assert recorded[1]["payload"]["organisation_id"] == w.green


@pytest.mark.parametrize(
    ("dispositions", "status", "words"),
    [
        (lambda w: [{"item": w.commitment, "action": "withdraw", "reason": "x"}], 409, "open commitments"),
        (lambda w: [{"item": "nope", "action": "drop", "reason": "x"}], 422, "no commitment or task"),
        (lambda w: [{"item": w.commitment, "action": "explode", "reason": "x"}], 422, "action"),
        (lambda w: [{"item": w.commitment, "action": "withdraw"}], 422, "reason"),
        (lambda w: [{"item": w.commitment, "action": "drop", "reason": "x"}], 422, "withdraw it"),
        (lambda w: [{"item": w.task, "action": "hand_over", "reason": "x"}], 422, "another member"),
        (lambda w: "all of them", 422, "dispositions"),
    ],
)
def test_bad_dispositions_are_clear_4xx_and_record_nothing(
    world: World, dispositions: Any, status: int, words: str
) -> None:
    before = world.api.head()
    response = leave(world, {"dispositions": dispositions(world)})
    assert response.status_code == status, response.get_data(as_text=True)
    assert words in response.json["error"]["message"] + str(response.json["error"]["fields"])
    assert world.api.head() == before


def test_a_disposition_for_another_organisations_item_is_refused(world: World) -> None:
    w = world
    theirs = w.ok(
        "POST",
        f"{w.path}/commitments",
        "ana",
        {"organisation_id": w.green, "kind": "funding", "description": "Room hire", "due_on": "2027-05-01"},
    )["id"]
    before = w.api.head()
    body = {
        "dispositions": [
            {"item": w.commitment, "action": "withdraw", "reason": "x"},
            {"item": w.task, "action": "drop", "reason": "x"},
            {"item": theirs, "action": "withdraw", "reason": "x"},
        ]
    }
    assert "another organisation" in error_of(leave(w, body), 422, "invalid")["message"]
    assert w.api.head() == before


def test_a_pledged_commitment_keeps_the_coalition_open_and_waits_in_the_inbox_till_withdrawn(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    at(world, datetime(2027, 3, 20, 9, tzinfo=UTC))  # the world's commitment is due on 2027-03-31
    only(world, "commitment", world.commitment, ("bo", "lia"))
    assert "(River Watch)”" in error_of(close(world), 409, "conflict")["message"]  # a pledge keeps it open
    only(world, "commitment", world.commitment, ("bo", "lia"))  # and waits: it may still be fulfilled or withdrawn
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    assert close(world).status_code == 200
    only(world, "commitment", world.commitment, ())
