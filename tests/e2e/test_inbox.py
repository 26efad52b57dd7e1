"""The inbox: what waits for each person, through GET /api/v1/me/inbox, the landing page and the header's count.

In the world: Lia and Mo hold River Watch's signing mandates (Lia is its liaison), Bo administers it without a
mandate, Ana facilitates (for Green Earth), Olli's Oak Institute is not a member. River Watch was given the task
(due 2027-04-30) and pledged the commitment (due 2027-03-31).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event

from coalition.reads.inbox import inbox as read
from coalition.web import pages
from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, text
from tests.e2e.world import World, error_of

EVERYONE = ("ana", "bo", "lia", "mo", "olli")
DEADLINE = "2027-06-30T17:00:00+00:00"


def inbox(world: World, person: str) -> dict[str, Any]:
    return dict(world.ok("GET", "/me/inbox", person))


def waiting(world: World, kind: str) -> dict[str, list[str]]:
    """For each person of the world, the subjects of the items of one kind waiting for them."""
    return {p: [i["subject_id"] for i in inbox(world, p)["items"] if i["kind"] == kind] for p in EVERYONE}


def only(world: World, kind: str, subject: str, people: tuple[str, ...]) -> None:
    """The item waits for exactly these people."""
    assert waiting(world, kind) == {p: [subject] if p in people else [] for p in EVERYONE}


def opened(world: World) -> str:
    """A statement Ana drafted and opened for signature with a deadline: its id."""
    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers now", "body": "Act.", "language": "en"}
    )["id"]
    world.ok("POST", f"{world.path}/statements/{sid}/open", "ana", {"deadline": DEADLINE})
    return str(sid)


def at(world: World, moment: datetime) -> None:
    services(world.api.app).store.clock = lambda: moment


# -- each kind --------------------------------------------------------------------------------------


def test_an_open_statement_waits_for_the_signers_of_members_until_one_signs(world: World) -> None:
    sid = opened(world)
    only(world, "signature", sid, ("lia", "mo"))  # Bo administers River Watch but holds no mandate
    [item] = [i for i in inbox(world, "mo")["items"] if i["kind"] == "signature"]
    assert item == {
        "kind": "signature",
        "coalition_id": world.coalition,
        "subject_id": sid,
        "title": "Clean rivers now",
        "due": "2027-06-30",
    }

    world.ok("POST", f"{world.path}/statements/{sid}/signatures", "mo", {"organisation_id": world.river})

    only(world, "signature", sid, ())


def test_an_amended_statement_waits_for_a_reconfirmation_until_it_is_confirmed(world: World) -> None:
    sid = opened(world)
    path = f"{world.path}/statements/{sid}"
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    only(world, "reconfirmation", sid, ())
    world.ok("POST", f"{path}/amend", "ana", {"body": "Act now."})

    only(world, "reconfirmation", sid, ("lia", "mo"))
    only(world, "signature", sid, ())
    world.ok("POST", f"{path}/signatures/{world.river}/confirm", "lia", {})

    only(world, "reconfirmation", sid, ())


def test_a_statement_past_its_deadline_waits_for_nobody(world: World) -> None:
    sid = opened(world)
    at(world, datetime(2027, 7, 1, tzinfo=UTC))
    only(world, "signature", sid, ())


def test_a_task_waits_for_the_people_of_its_organisation_until_it_is_accepted(world: World) -> None:
    only(world, "task", world.task, ("bo", "lia", "mo"))
    world.ok("POST", f"{world.path}/tasks/{world.task}/accept", "lia", {})
    only(world, "task", world.task, ())


def test_a_request_to_join_waits_for_the_facilitators_until_it_is_approved(world: World) -> None:
    only(world, "join_request", world.oak, ())
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    only(world, "join_request", world.oak, ("ana",))
    [item] = [i for i in inbox(world, "ana")["items"] if i["kind"] == "join_request"]
    assert (item["title"], item["due"]) == ("Oak Institute", None)

    world.ok("POST", f"{world.path}/members/{world.oak}/approve", "ana", {})

    only(world, "join_request", world.oak, ())


def test_a_declined_request_waits_for_nobody(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    world.ok("POST", f"{world.path}/members/{world.oak}/decline", "ana", {"reason": "Not in the basin"})
    only(world, "join_request", world.oak, ())


def test_a_commitment_waits_for_its_liaison_and_administrators_when_due_soon_until_fulfilled(world: World) -> None:
    only(world, "commitment", world.commitment, ())  # due 2027-03-31: not within two weeks yet
    at(world, datetime(2027, 3, 20, 9, tzinfo=UTC))
    only(world, "commitment", world.commitment, ("bo", "lia"))  # Mo holds a mandate but no role
    at(world, datetime(2027, 4, 20, 9, tzinfo=UTC))
    only(world, "commitment", world.commitment, ("bo", "lia"))  # overdue

    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Both hired"})

    only(world, "commitment", world.commitment, ())


def test_a_suspended_members_people_are_not_asked_to_sign(world: World) -> None:
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Dues unpaid"})
    sid = opened(world)
    only(world, "signature", sid, ())


# -- the API ----------------------------------------------------------------------------------------


def test_the_inbox_is_sorted_by_due_date_then_title_with_a_count(world: World) -> None:
    sid = opened(world)
    at(world, datetime(2027, 3, 20, 9, tzinfo=UTC))
    body = inbox(world, "lia")

    assert [(i["kind"], i["subject_id"], i["due"]) for i in body["items"]] == [
        ("commitment", world.commitment, "2027-03-31"),
        ("task", world.task, "2027-04-30"),
        ("signature", sid, "2027-06-30"),
    ]
    assert body["count"] == 3 and set(body) == {"items", "count"}
    assert inbox(world, "olli") == {"items": [], "count": 0}


def test_the_inbox_needs_a_token_and_is_documented(world: World) -> None:
    error_of(world.api.call("GET", "/me/inbox"), 401, "unauthorized")
    error_of(world.api.call("GET", "/me/inbox", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    document = world.api.client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/me/inbox"]["get"]
    assert operation["security"] == [{"bearer": []}] and "401" in operation["responses"]
    schema = document["components"]["schemas"]["InboxItemView"]
    assert set(schema["properties"]) == {"kind", "coalition_id", "subject_id", "title", "due"}


# -- the pages --------------------------------------------------------------------------------------


def test_the_landing_page_shows_the_inbox_first_with_links_and_due_dates(world: World) -> None:
    sid = opened(world)
    page = text(signed_in(world, "lia").get("/"))

    assert page.index('id="inbox-heading"') < page.index('id="coalitions-heading"')
    assert f'href="/coalitions/{world.coalition}/statements/{sid}"' in page
    assert f'href="/coalitions/{world.coalition}/tasks/{world.task}"' in page
    assert "Sign “Clean rivers now”" in page and "Accept the task “Sample ten sites”" in page
    assert "due Jun 30, 2027" in page
    assert 'href="/#inbox"' in page and "2 waiting" in page  # the header's count, in words


def test_the_facilitator_is_sent_to_the_members_page_and_a_liaison_to_the_commitment(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    assert f'href="/coalitions/{world.coalition}/members"' in text(signed_in(world, "ana").get("/"))
    at(world, datetime(2027, 3, 20, 9, tzinfo=UTC))
    page = text(signed_in(world, "bo").get("/"))
    assert f'href="/coalitions/{world.coalition}/commitments/{world.commitment}"' in page


def test_the_inbox_page_is_in_romanian(world: World) -> None:
    client = signed_in(world, "lia")
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    page = text(client.get("/"))
    assert "Acceptați sarcina „Sample ten sites”" in page and "1 în așteptare" in page


def test_nothing_waiting_and_signed_out_pages(world: World) -> None:
    page = text(signed_in(world, "olli").get("/"))
    assert "Nothing waits for you" in page and "0 waiting" in page
    anonymous = text(world.api.client.get("/"))
    assert 'id="inbox-heading"' not in anonymous and "waiting" not in anonymous


def test_the_inbox_costs_a_handful_of_queries_once_per_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    opened(world)
    at(world, datetime(2027, 3, 20, 9, tzinfo=UTC))
    engine = services(world.api.app).engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.connect() as connection:
            items = read(connection, world.users["lia"], date(2027, 3, 20))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert {i.kind for i in items} == {"commitment", "task", "signature"} and len(selects) <= 5

    calls: list[str] = []
    monkeypatch.setattr(pages, "inbox", lambda connection, user_id, *_: calls.append(user_id) or [])
    client = signed_in(world, "lia")
    client.get("/")
    assert calls == [world.users["lia"]]  # the header's count and the list: one read


def test_an_open_evaluation_round_waits_for_the_administrators_and_liaisons_until_their_organisation_answers(
    world: World,
) -> None:
    answer = world.ok("POST", f"{world.path}/evaluations", "ana", {"title": "Spring review", "closes_on": "2099-12-31"})
    round_id = answer["id"]
    only(world, "evaluation", round_id, ("ana", "bo", "lia"))  # Ana administers Green Earth; Mo has no role

    rated = [{"question_id": f"q{n}", "rating": 4} for n in range(1, 5)]
    body = {"organisation_id": world.river, "answers": rated}
    world.ok("POST", f"{world.path}/evaluations/{round_id}/responses", "lia", body)
    only(world, "evaluation", round_id, ("ana",))
    page = text(signed_in(world, "ana").get("/"))
    assert "Answer the evaluation round “Spring review”" in page

    world.ok("POST", f"{world.path}/evaluations/{round_id}/close", "ana", {"summary": "Done"})
    only(world, "evaluation", round_id, ())


def test_an_evaluation_round_past_its_closing_date_waits_for_nobody(world: World) -> None:
    answer = world.ok("POST", f"{world.path}/evaluations", "ana", {"title": "Quick check", "closes_on": "2027-01-31"})
    at(world, datetime(2027, 2, 1, 9, tzinfo=UTC))
    only(world, "evaluation", answer["id"], ())
