"""Declining a request to join, with a reason: through the API and from the members page."""

from __future__ import annotations

import pytest

from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World, error_of


def states(world: World) -> dict[str, str]:
    """Each organisation's membership state, read through the API."""
    return {m["organisation_id"]: m["state"] for m in world.ok("GET", world.path, "ana")["members"]}


def asked(world: World) -> str:
    """Oak Institute asks to join; the path that declines it."""
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    return f"{world.path}/members/{world.oak}/decline"


# -- the API ----------------------------------------------------------------------------------------


def test_a_facilitator_declines_a_request_and_the_organisation_may_ask_again(world: World) -> None:
    path = asked(world)
    answer = world.ok("POST", path, "ana", {"reason": " Outside the Danube basin "})

    assert (answer["id"], answer["state"]) == (world.oak, "declined")
    assert states(world)[world.oak] == "declined"
    events = world.ok("GET", f"{world.path}/events?type=MembershipDeclined", "ana")["events"]
    assert [e["type"] for e in events] == ["MembershipDeclined"]
    again = world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    assert again["state"] == "requested"


@pytest.mark.parametrize(
    "person,body,status,code,message",
    [
        ("ana", {}, 422, "invalid", "reason"),
        ("ana", {"reason": "   "}, 422, "invalid", "reason"),
        ("bo", {"reason": "No"}, 403, "forbidden", "only facilitators may decline a request to join"),
        ("olli", {"reason": "No"}, 403, "forbidden", "only facilitators may decline"),
        (None, {"reason": "No"}, 401, "unauthorized", "token"),
    ],
)
def test_declining_is_refused_and_nothing_is_recorded(
    world: World, person: str | None, body: dict[str, str], status: int, code: str, message: str
) -> None:
    path = asked(world)
    before = world.api.head()
    who = world.who(person) if person else None

    error = error_of(world.api.call("POST", path, who, body), status, code)

    assert message in error["message"] + str(error["fields"])
    assert world.api.head() == before and states(world)[world.oak] == "requested"


def test_only_a_pending_request_is_declined(world: World) -> None:
    before = world.api.head()
    active = world.api.call("POST", f"{world.path}/members/{world.river}/decline", world.who("ana"), {"reason": "x"})
    assert f"organisation {world.river} is active, not requested" in error_of(active, 409, "conflict")["message"]
    never = world.api.call("POST", f"{world.path}/members/{world.oak}/decline", world.who("ana"), {"reason": "x"})
    error_of(never, 404, "not_found")
    unknown = world.api.call("POST", "/coalitions/nope/members/x/decline", world.who("ana"), {"reason": "x"})
    error_of(unknown, 404, "not_found")
    assert world.api.head() == before


def test_the_openapi_document_lists_decline_among_the_membership_actions(world: World) -> None:
    document = world.api.client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/coalitions/{coalition_id}/members/{organisation_id}/{action}"]["post"]
    action = next(p for p in operation["parameters"] if p["name"] == "action")
    assert "decline" in action["schema"]["enum"] and "decline" in operation["summary"].lower()


# -- the pages --------------------------------------------------------------------------------------


def test_ana_declines_from_the_members_page_and_olli_reads_the_reason(world: World) -> None:
    asked(world)
    ana = signed_in(world, "ana")
    page = f"{world.path}/members"
    listed = text(ana.get(page))
    assert "Decline the request of Oak Institute" in listed and f'id="reason-decline-{world.oak}"' in listed

    declined = submit(ana, page, f"{page}/{world.oak}/decline", {"reason": "Outside the basin"})

    assert declined.status_code == 302 and states(world)[world.oak] == "declined"
    shown = text(ana.get(page))
    assert "request declined" in shown and "Reason: Outside the basin" in shown
    olli = signed_in(world, "olli")
    join = text(olli.get(f"{world.path}/join"))
    assert "The request of Oak Institute to join was declined: Outside the basin" in join
    assert "Ask to join the coalition" in join


def test_declining_without_a_reason_is_refused_inline(world: World) -> None:
    asked(world)
    ana = signed_in(world, "ana")
    page = f"{world.path}/members"
    head = world.api.head()

    response = submit(ana, page, f"{page}/{world.oak}/decline", {"reason": " "})

    assert response.status_code == 400 and world.api.head() == head
    shown = text(response)
    assert f'aria-describedby="reason-decline-{world.oak}-errors"' in shown and "This field is required." in shown


def test_the_decline_form_is_in_romanian(world: World) -> None:
    asked(world)
    ana = signed_in(world, "ana")
    page = f"{world.path}/members"
    ana.post("/language", data={"csrf_token": csrf(ana, "/"), "locale": "ro", "next": "/"})
    listed = text(ana.get(page))
    assert "Refuzați cererea organizației Oak Institute" in listed


def test_bo_who_is_no_facilitator_sees_no_decline_form_and_is_refused(world: World) -> None:
    asked(world)
    bo = signed_in(world, "bo")
    page = f"{world.path}/members"
    assert "Decline the request" not in text(bo.get(page))
    head = world.api.head()
    response = submit(bo, page, f"{page}/{world.oak}/decline", {"reason": "No"})
    assert response.status_code == 403 and world.api.head() == head
