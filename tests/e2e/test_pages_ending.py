"""Ending well on the pages: renew or close (with a confirmation step), the ended coalition shown everywhere,
and the leave page asking what becomes of each open commitment and task."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from flask_babel import format_date

from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.test_api_invitations import NEW, link_of, mails, register_through
from tests.e2e.test_hostile_inputs_everywhere import BLANKS
from tests.e2e.test_invitations_organisations import PROFILE
from tests.e2e.world import World
from tests.mail import SmtpServer


def close_page(world: World) -> str:
    return f"{world.path}/close"


def _close(world: World, client: FlaskClient, reason: str = "The project ended") -> str:
    """Send the form, then confirm it: the page it leads to."""
    page = close_page(world)
    confirming = submit(client, page, page, {"reason": reason})
    assert confirming.status_code == 200 and "Yes, close the coalition" in text(confirming)
    closed = submit(client, page, page, {"reason": reason, "confirmed": "yes"})
    assert closed.status_code == 302, text(closed)
    return text(client.get(closed.headers["Location"]))


def test_the_close_page_lists_what_keeps_it_open_with_links_and_offers_to_renew(world: World) -> None:
    ana = signed_in(world, "ana")
    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers", "body": "We ask.", "language": "en"}
    )["id"]
    world.ok("POST", f"{world.path}/statements/{sid}/open", "ana", {})
    page = text(ana.get(close_page(world)))
    assert "Renew or close" in page and f"{world.path}/agreement" in page
    assert f"{world.path}/statements/{sid}" in page and f"{world.path}/tasks/{world.task}" in page
    assert "Close the coalition…" not in page  # nothing to send while work is open
    head = world.api.head()
    refused = submit(ana, close_page(world), close_page(world), {"reason": "Done", "confirmed": "yes"})
    assert refused.status_code == 409 and "cannot close yet" in text(refused) and "Clean rivers" in text(refused)
    assert world.api.head() == head


def test_a_facilitator_closes_after_confirming_and_it_shows_as_ended_everywhere(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers", "body": "We ask.", "language": "en"}
    )["id"]
    ana = signed_in(world, "ana")
    head = world.api.head()
    page = close_page(world)
    confirming = submit(ana, page, page, {"reason": "The project ended"})
    assert "Close Danube Rivers Coalition for good?" in text(confirming) and "The project ended" in text(confirming)
    assert world.api.head() == head  # the confirmation step records nothing
    home = _close(world, ana)
    assert "The coalition is closed." in home and "This coalition has ended on" in home
    assert "Draft a statement" not in home and "Renew or close" not in home
    assert world.api.head() == head + 1
    bo = signed_in(world, "bo")
    pages = ("/coalitions", world.path, f"{world.path}/members", f"{world.path}/roles", f"{world.path}/work")
    for path in (*pages, f"{world.path}/grid", f"{world.path}/statements/{sid}", f"{world.path}/tasks/{world.task}"):
        response = bo.get(path)
        assert response.status_code == 200 and re.search(r"[Ee]nded on", text(response)), path
    assert "<form" not in text(ana.get(f"{world.path}/members")).split("<main", 1)[-1].split("</main>")[0]
    assert "Pledge the commitment" not in text(bo.get(f"{world.path}/work"))
    assert "Manage this statement" not in text(ana.get(f"{world.path}/statements/{sid}"))  # a draft, frozen
    audit = text(ana.get(f"{world.path}/audit"))
    assert "This coalition has ended on" in audit and "closed the coalition: The project ended" in audit


def _ended(world: World) -> str:
    """Close the world's coalition through the API (its open work dropped and withdrawn first): the day it ended."""
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    return str(world.ok("POST", f"{world.path}/close", "ana", {"reason": "The project ended"})["ended_on"])


def _card(page: str, name: str) -> str:
    """The landing page's card of the coalition named `name`."""
    return page.split(f"<h3>{name}</h3>", 1)[1].split("</article>", 1)[0]


def test_the_landing_page_marks_an_ended_coalition_and_invites_no_one_to_join(world: World) -> None:
    running = text(signed_in(world, "olli").get("/"))
    assert "Open or ask to join" in _card(running, "Danube Rivers Coalition")
    ended_on = _ended(world)
    app = world.api.app
    with app.test_request_context():
        day = format_date(date.fromisoformat(ended_on))
    for client in (signed_in(world, "olli"), app.test_client()):
        card = _card(text(client.get("/")), "Danube Rivers Coalition")
        assert f'<span class="badge ended">Ended on {day}</span>' in card
        assert "Open or ask to join" not in card
    assert f'href="{world.path}/join">Go to the coalition</a>' in _card(
        text(signed_in(world, "olli").get("/")), "Danube Rivers Coalition"
    )


def _refused_as_ended(
    world: World, client: FlaskClient, page: str, action: str, data: dict[str, str], form: str
) -> None:
    """A form of an ended coalition sent anyway: 409 saying so, the form not offered again, nothing recorded."""
    head = world.api.head()
    refused = submit(client, page, action, data)
    assert refused.status_code == 409 and "the coalition has ended on" in text(refused)
    assert form not in text(refused)
    assert world.api.head() == head


def test_once_ended_the_join_page_says_so_and_asking_to_join_is_refused_with_nothing_recorded(world: World) -> None:
    olli = signed_in(world, "olli")
    join = f"{world.path}/join"
    assert "Ask to join the coalition" in text(olli.get(join))
    _ended(world)
    page = text(olli.get(join))
    assert "This coalition has ended on" in page and 'class="ended-banner"' in page
    assert "Ask to join the coalition" not in page and "membership-form" not in page
    assert "Your organisations" not in page  # nothing of theirs to show, nothing to ask for
    _refused_as_ended(world, olli, join, join, {"organisation_id": world.oak}, "Ask to join the coalition")
    bo = text(signed_in(world, "bo").get(join))  # a member reads the page and goes on to the coalition
    assert "This coalition has ended on" in bo and f'href="{world.path}">Go to the coalition</a>' in bo


def test_once_ended_an_invited_organisation_can_neither_accept_nor_decline(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "ana", {"organisation_id": world.oak})
    _ended(world)
    olli = signed_in(world, "olli")
    join = f"{world.path}/join"
    page = text(olli.get(join))
    assert "This coalition has ended on" in page and "Oak Institute" in page
    assert "Accept the invitation for Oak Institute" not in page and "Decline the invitation" not in page
    accept = f"{world.path}/members/{world.oak}/accept"
    _refused_as_ended(world, olli, join, accept, {}, "Accept the invitation for Oak Institute")


def test_once_ended_the_leave_page_says_so_and_leaving_is_refused_with_nothing_recorded(world: World) -> None:
    bo = signed_in(world, "bo")
    confirm = f"{world.path}/members/{world.river}/leave"
    assert "leaves the coalition" in text(bo.get(confirm))
    _ended(world)
    page = text(bo.get(confirm))
    assert "This coalition has ended on" in page and 'class="ended-banner"' in page
    assert "leaves the coalition" not in page and "lose their roles" not in page
    assert f'action="{confirm}"' not in page
    _refused_as_ended(world, bo, world.path, confirm, {"reason": "Merging"}, "leaves the coalition")


def test_an_organisation_page_marks_its_ended_coalitions(world: World) -> None:
    bo = signed_in(world, "bo")
    page = f"/organisations/{world.river}"
    assert 'class="badge ended"' not in text(bo.get(page))
    _ended(world)
    coalitions = text(bo.get(page)).split('id="coalitions-heading"', 1)[1].split("</section>", 1)[0]
    assert "Danube Rivers Coalition" in coalitions and '<span class="badge ended">Ended on' in coalitions


def test_after_the_end_a_page_form_is_refused_with_the_date(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    ana = signed_in(world, "ana")
    _close(world, ana)
    head = world.api.head()
    members = f"{world.path}/members"
    refused = submit(ana, members, f"{members}/{world.river}/suspend", {"reason": "Quiet"})
    assert refused.status_code == 409 and "the coalition has ended on" in text(refused)
    assert world.api.head() == head
    assert ana.get(close_page(world)).status_code == 200  # the page still reads, with nothing to send


def test_only_facilitators_reach_the_close_page(world: World) -> None:
    assert signed_in(world, "bo").get(close_page(world)).status_code == 403
    assert signed_in(world, "olli").get(close_page(world)).status_code == 403


@pytest.mark.parametrize("reason", ["  ", *BLANKS, "x" * 20_001])
def test_closing_without_a_reason_is_refused_on_the_field(world: World, reason: str) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    ana = signed_in(world, "ana")
    head = world.api.head()
    for confirmed in ("", "yes"):
        refused = submit(ana, close_page(world), close_page(world), {"reason": reason, "confirmed": confirmed})
        assert refused.status_code == 400 and 'aria-invalid="true"' in text(refused)
    assert world.api.head() == head


def test_the_leave_page_asks_what_becomes_of_each_open_item(world: World) -> None:
    bo = signed_in(world, "bo")
    confirm = f"{world.path}/members/{world.river}/leave"
    page = text(bo.get(confirm))
    assert "Its open commitments and tasks" in page
    assert f"/commitments/{world.commitment}" in page and f"/tasks/{world.task}" in page
    assert "Hand it over to another member" in page and "Withdraw it" in page
    head = world.api.head()
    refused = submit(bo, confirm, confirm, {"reason": "Merging"})  # no disposition sent
    assert refused.status_code == 409 and "open commitments or tasks" in text(refused)
    assert world.api.head() == head
    handed = {
        "dispositions-0-item": world.commitment,
        "dispositions-0-action": "withdraw",
        "dispositions-0-reason": "We merge",
        "dispositions-1-item": world.task,
        "dispositions-1-action": "hand_over",
        "dispositions-1-to": world.green,
        "dispositions-1-reason": "Green Earth carries on",
    }
    left = submit(bo, confirm, confirm, {"reason": "Merging", **handed})
    assert left.status_code == 302, text(left)
    types = [e["type"] for e in world.ok("GET", f"{world.path}/events", "ana")["events"]]
    assert "CommitmentWithdrawn" in types and "TaskReassigned" in types and types[-1] == "MemberLeft"


def test_a_disposition_without_a_reason_is_refused_and_nothing_recorded(world: World) -> None:
    bo = signed_in(world, "bo")
    confirm = f"{world.path}/members/{world.river}/leave"
    head = world.api.head()
    sent = {
        "dispositions-0-item": world.commitment,
        "dispositions-0-action": "withdraw",
        "dispositions-0-reason": "",
        "dispositions-1-item": world.task,
        "dispositions-1-action": "drop",
        "dispositions-1-reason": "x",
    }
    refused = submit(bo, confirm, confirm, sent)
    assert refused.status_code == 422 and "reason is required" in text(refused)
    assert world.api.head() == head


def test_the_ended_refusal_and_banner_speak_romanian(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    ended_on = world.ok("POST", f"{world.path}/close", "ana", {"reason": "Gata"})["ended_on"]
    ana = signed_in(world, "ana")
    ana.post("/language", data={"csrf_token": csrf(ana, "/"), "locale": "ro", "next": "/"})
    members = f"{world.path}/members"
    refused = submit(ana, members, f"{members}/{world.river}/suspend", {"reason": "Liniște"})
    assert refused.status_code == 409 and f"coaliția s-a încheiat pe {ended_on}" in text(refused)
    assert "Această coaliție s-a încheiat pe" in text(ana.get(world.path))


def test_once_ended_an_invitation_to_join_says_so_and_accepting_it_is_refused_with_nothing_recorded(
    world: World, smtp: SmtpServer
) -> None:
    world.api.call("POST", f"{world.path}/invitations", world.who("ana"), {"email": NEW})
    link = link_of(mails(world, smtp)[0])
    _ended(world)
    client = world.api.app.test_client()
    register_through(client, link)
    page = client.get(link)
    assert page.status_code == 200 and "This coalition has ended on" in text(page)
    assert "Create the organisation and join" not in text(page)
    head = world.api.head()
    refused = client.post(link, data={"csrf_token": csrf(client, link), "name": "Tisza Friends", **PROFILE})
    assert refused.status_code == 409 and "the coalition has ended on" in text(refused), text(refused)
    assert "Create the organisation and join" not in text(refused)
    assert world.api.head() == head


def test_the_close_page_names_the_first_open_tasks_and_commitments_and_counts_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coalition.reads import ending

    monkeypatch.setattr(ending, "LISTED", 1)
    lab = {"organisation_id": world.green, "kind": "funding", "description": "Lab analyses", "due_on": "2027-02-28"}
    world.ok("POST", f"{world.path}/commitments", "ana", lab)  # due before River Watch's: named first
    task = {"title": "Book the lab", "description": "Two days", "organisation_id": world.green, "due_on": "2027-01-31"}
    world.ok("POST", f"{world.path}/tasks", "ana", task)

    page = text(signed_in(world, "ana").get(close_page(world)))

    assert "Book the lab" in page and "Sample ten sites" not in page and "Lab analyses" in page
    assert "Two field officers" not in page and page.count("And 1 more.") == 2
    assert f'href="{world.path}/work#tasks-heading">All 2 open tasks</a>' in page
    assert f'href="{world.path}/work#commitments-heading">All 2 open commitments</a>' in page
