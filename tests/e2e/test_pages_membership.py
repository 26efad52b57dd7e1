"""Founding a coalition, amending its agreement, joining, inviting, suspending, leaving, and roles, from the pages."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World

NEW = "/coalitions/new"
FOUNDING = {
    "name": "Baltic Shores Alliance",
    "purpose": "Cleaner beaches",
    "starts_on": "2026-02-01",
    "ends_on": "",
    "cooperation_mechanism": "Quarterly meetings",
    "benefit_sharing": "Shared credit",
    "objectives-0-text": "Clean 20 beaches",
    "objectives-0-measure": "beaches cleaned",
    "objectives-0-target_date": "2026-09-30",
}


def found_form(world: World, person: str = "ana", **changes: Any) -> dict[str, Any]:
    return {**FOUNDING, "organisation_id": world.green, **changes}


def rows(page: str) -> list[str]:
    """The objective rows the agreement form shows, by their text inputs' names."""
    return re.findall(r'name="(objectives-\d+-text)"', page)


def members(world: World) -> dict[str, str]:
    """Each organisation's membership state, read through the API."""
    return {m["organisation_id"]: m["state"] for m in world.ok("GET", world.path, "ana")["members"]}


def role_ids(world: World, role: str) -> list[str]:
    return [r["role_id"] for r in world.ok("GET", world.path, "ana")["roles"] if r["role"] == role]


# -- founding -------------------------------------------------------------------------------------


def test_the_founding_form_offers_the_organisations_i_act_for_and_one_objective_row(world: World) -> None:
    page = text(signed_in(world, "ana").get(NEW))

    assert "<h1>Found a coalition</h1>" in page
    assert f'<option value="{world.green}">Green Earth</option>' in page and "River Watch" not in page
    assert rows(page) == ["objectives-0-text"] and "Add another objective" in page


def test_founding_records_the_coalition_and_goes_to_its_home(world: World) -> None:
    client = signed_in(world, "ana")
    response = submit(
        client,
        NEW,
        NEW,
        found_form(
            world,
            **{
                "members_may_draft": "y",
                "objectives-1-text": "",
                "objectives-1-measure": "",  # an empty row: ignored
                "objectives-2-text": "Publish a beach report",
                "objectives-2-target_date": "",
            },
        ),
    )

    assert response.status_code == 302
    coalition_id = response.headers["Location"].rsplit("/", 1)[1]
    founded = world.ok("GET", f"/coalitions/{coalition_id}", "ana")
    agreement = founded["agreement"]
    assert (agreement["name"], agreement["starts_on"], agreement["ends_on"], agreement["members_may_draft"]) == (
        "Baltic Shores Alliance",
        "2026-02-01",
        None,
        True,
    )
    assert [(o["text"], o.get("measure"), o.get("target_date")) for o in agreement["objectives"]] == [
        ("Clean 20 beaches", "beaches cleaned", "2026-09-30"),
        ("Publish a beach report", None, None),
    ]
    assert [(r["role"], r["organisation_id"]) for r in founded["roles"]] == [("facilitator", world.green)]
    assert "The coalition was founded" in text(client.get(response.headers["Location"]))


def test_add_another_objective_shows_one_more_row_and_records_nothing(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(client, NEW, NEW, found_form(world, add_objective="1"))
    page = text(response)

    assert response.status_code == 200 and world.api.head() == head
    assert rows(page) == ["objectives-0-text", "objectives-1-text"]
    assert 'value="Clean 20 beaches"' in page and 'value="Baltic Shores Alliance"' in page
    assert 'class="errors"' not in page  # adding a row is not a failed submission


def test_remove_takes_that_row_out_and_records_nothing(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        NEW,
        NEW,
        found_form(world, **{"objectives-1-text": "Second", "objectives-2-text": "Third", "objectives-1-remove": "1"}),
    )
    page = text(response)

    assert response.status_code == 200 and world.api.head() == head
    assert rows(page) == ["objectives-0-text", "objectives-1-text"]
    assert 'value="Clean 20 beaches"' in page and 'value="Third"' in page and 'value="Second"' not in page


def test_founding_without_an_objective_is_refused_inline(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        NEW,
        NEW,
        found_form(world, **{"objectives-0-text": "", "objectives-0-measure": "", "objectives-0-target_date": ""}),
    )

    assert response.status_code == 400 and world.api.head() == head
    assert "Name at least one common objective." in text(response)
    assert 'aria-describedby="objectives-0-text-errors"' in text(response)


def test_an_objective_row_without_its_text_is_refused_inline(world: World) -> None:
    client = signed_in(world, "ana")
    response = submit(client, NEW, NEW, found_form(world, **{"objectives-1-measure": "reports"}))

    assert response.status_code == 400 and "Describe this objective, or empty the whole row." in text(response)


def test_founding_with_a_bad_date_is_refused_inline(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(client, NEW, NEW, found_form(world, starts_on="2026-02-30"))

    assert response.status_code == 400 and world.api.head() == head
    page = text(response)
    assert "Enter a date as year-month-day, such as 2026-03-31." in page
    assert 'aria-describedby="starts_on-errors"' in page and 'value="2026-02-30"' in page


def test_founding_for_an_organisation_i_do_not_act_for_is_refused(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(client, NEW, NEW, found_form(world, organisation_id=world.river))

    assert response.status_code == 400 and "Not a valid choice" in text(response) and world.api.head() == head


def test_an_agreement_the_domain_refuses_shows_the_reason_and_keeps_the_input(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(client, NEW, NEW, found_form(world, ends_on="2025-01-01"))

    assert response.status_code == 409 and world.api.head() == head
    assert "cannot end before it starts" in text(response) and 'value="Clean 20 beaches"' in text(response)


def test_founding_needs_sign_in_and_a_csrf_token(world: World) -> None:
    anonymous = world.api.app.test_client().get(NEW)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    head = world.api.head()
    assert signed_in(world, "ana").post(NEW, data=found_form(world)).status_code == 400
    assert world.api.head() == head


def test_someone_acting_for_no_organisation_is_told_to_create_one_first(world: World) -> None:
    world.api.register("zed" + world.tag)
    page = text(signed_in(world, "zed").get(NEW))

    assert "You act for no organisation yet" in page and "Found the coalition" not in page


# -- amending the agreement -----------------------------------------------------------------------


def test_the_amend_form_is_prefilled_with_the_agreement_and_its_objectives(world: World) -> None:
    page = text(signed_in(world, "ana").get(f"{world.path}/agreement"))

    assert 'value="Danube Rivers Coalition"' in page and 'value="Monitor water quality at 40 sites"' in page
    assert 'value="Publish a joint policy brief"' in page and 'value="2027-06-30"' in page
    assert 'name="objectives-0-objective_id" type="hidden" value="o1"' in page


def test_a_facilitator_amends_the_agreement_and_adds_an_objective(world: World) -> None:
    client = signed_in(world, "ana")
    path = f"{world.path}/agreement"
    response = submit(
        client,
        path,
        path,
        {
            "name": "Danube Rivers Coalition",
            "purpose": "Cleaner rivers, and fish",
            "starts_on": "2026-01-01",
            "ends_on": "2028-12-31",
            "cooperation_mechanism": "Monthly calls",
            "benefit_sharing": "Joint credit",
            "objectives-0-objective_id": "o1",
            "objectives-0-text": "Monitor water quality at 50 sites",
            "objectives-1-objective_id": "o2",
            "objectives-1-text": "Publish a joint policy brief",
            "objectives-2-text": "Train volunteers",
        },
    )

    assert response.status_code == 302 and response.headers["Location"] == world.path
    agreement = world.ok("GET", world.path, "ana")["agreement"]
    assert agreement["purpose"] == "Cleaner rivers, and fish"
    assert [(o["objective_id"], o["text"]) for o in agreement["objectives"]] == [
        ("o1", "Monitor water quality at 50 sites"),
        ("o2", "Publish a joint policy brief"),
        ("o3", "Train volunteers"),
    ]


def test_dropping_an_objective_a_commitment_serves_is_refused_with_the_reason(world: World) -> None:
    client = signed_in(world, "ana")
    path = f"{world.path}/agreement"
    head = world.api.head()
    response = submit(
        client,
        path,
        path,
        {
            "name": "Danube Rivers Coalition",
            "purpose": "Cleaner rivers",
            "starts_on": "2026-01-01",
            "cooperation_mechanism": "Monthly calls",
            "benefit_sharing": "Joint credit",
            "objectives-0-objective_id": "o2",
            "objectives-0-text": "Publish a joint policy brief",
        },
    )

    assert response.status_code == 409 and world.api.head() == head
    assert "objectives o1 are served by commitments or tasks" in text(response)


def test_only_facilitators_amend_the_agreement(world: World) -> None:
    path = f"{world.path}/agreement"
    bo = signed_in(world, "bo")
    head = world.api.head()

    assert bo.get(path).status_code == 403 and signed_in(world, "olli").get(path).status_code == 403
    assert bo.post(path, data={"csrf_token": csrf(bo, world.path), "name": "Mine now"}).status_code == 403
    assert world.api.head() == head
    assert signed_in(world, "ana").get("/coalitions/nope/agreement").status_code == 404


# -- joining --------------------------------------------------------------------------------------


def test_anyone_signed_in_sees_the_join_page_with_the_public_description_only(world: World) -> None:
    page = text(signed_in(world, "olli").get(f"{world.path}/join"))

    assert "Danube Rivers Coalition" in page and "Cleaner rivers across the Danube basin" in page
    assert "Green Earth" in page and "River Watch" in page
    assert "Monthly calls" not in page and "Sample ten sites" not in page  # the agreement's detail is for members
    assert f'<option value="{world.oak}">Oak Institute</option>' in page and "Ask to join the coalition" in page


def test_the_join_page_needs_sign_in_and_a_coalition_that_exists(world: World) -> None:
    anonymous = world.api.app.test_client().get(f"{world.path}/join")

    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert signed_in(world, "olli").get("/coalitions/nope/join").status_code == 404


def test_olli_asks_to_join_and_ana_approves_oak_from_the_members_page(world: World) -> None:
    olli = signed_in(world, "olli")
    join = f"{world.path}/join"
    asked = submit(olli, join, join, {"organisation_id": world.oak})

    assert asked.status_code == 302 and members(world)[world.oak] == "requested"
    waiting = text(olli.get(join))
    assert "Your request to join was sent" in waiting and "asked to join" in waiting
    assert "Withdraw the request of Oak Institute" in waiting and "Ask to join the coalition" not in waiting

    ana = signed_in(world, "ana")
    listed = text(ana.get(f"{world.path}/members"))
    assert "Approve the request of Oak Institute" in listed
    approve = f"{world.path}/members/{world.oak}/approve"
    approved = submit(ana, f"{world.path}/members", approve, {})

    assert approved.status_code == 302 and members(world)[world.oak] == "active"
    assert "Oak Institute" in text(olli.get(world.path))  # Olli now reads the coalition's home


def test_asking_to_join_for_an_organisation_i_do_not_act_for_is_refused_inline(world: World) -> None:
    olli = signed_in(world, "olli")
    join = f"{world.path}/join"
    head = world.api.head()
    response = submit(olli, join, join, {"organisation_id": world.green})

    assert response.status_code == 400 and "Not a valid choice" in text(response) and world.api.head() == head
    assert olli.post(join, data={"organisation_id": world.oak}).status_code == 400  # no CSRF token
    assert world.api.head() == head


def test_members_see_their_organisation_stands_in_the_coalition_instead_of_a_join_form(world: World) -> None:
    page = text(signed_in(world, "bo").get(f"{world.path}/join"))

    assert "River Watch" in page and "active" in page and "Go to the coalition" in page
    assert "Ask to join the coalition" not in page


def test_an_invited_organisation_accepts_from_the_join_page(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "ana", {"organisation_id": world.oak})
    olli = signed_in(world, "olli")
    join = f"{world.path}/join"
    page = text(olli.get(join))

    assert "The coalition invites Oak Institute to join." in page and "Accept the invitation for Oak Institute" in page
    accepted = submit(olli, join, f"{world.path}/members/{world.oak}/accept", {})
    assert accepted.status_code == 302 and accepted.headers["Location"] == world.path
    assert members(world)[world.oak] == "active"


def test_an_invitation_is_declined_after_a_confirmation(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "ana", {"organisation_id": world.oak})
    olli = signed_in(world, "olli")
    confirm = f"{world.path}/members/{world.oak}/leave"
    page = text(olli.get(confirm))

    assert "Decline the invitation of Oak Institute" in page and "Yes, decline the invitation" in page
    declined = submit(olli, confirm, f"{world.path}/members/{world.oak}/leave", {"reason": "Not now"})
    assert declined.status_code == 302 and members(world)[world.oak] == "left"
    assert "Ask to join the coalition" in text(olli.get(declined.headers["Location"]))


# -- members --------------------------------------------------------------------------------------


def test_the_members_page_lists_members_with_their_state_for_members_only(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    page = text(signed_in(world, "mo").get(f"{world.path}/members"))

    assert "Green Earth" in page and "River Watch" in page and "Oak Institute" in page and "asked to join" in page
    assert "Approve the request" not in page and "Invite an organisation" not in page and "Suspend" not in page
    assert f"/members/{world.river}/leave" in page and f"/members/{world.green}/leave" not in page
    assert signed_in(world, "olli").get(f"{world.path}/members").status_code == 403
    assert signed_in(world, "mo").get("/coalitions/nope/members").status_code == 404
    anonymous = world.api.app.test_client().get(f"{world.path}/members")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_facilitator_invites_an_organisation_chosen_from_those_not_yet_members(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/members"
    page = text(ana.get(path))

    assert f'<option value="{world.oak}">Oak Institute (Finland)</option>' in page
    assert f'<option value="{world.river}">' not in page
    invited = submit(ana, path, f"{path}/invite", {"organisation_id": world.oak})
    assert invited.status_code == 302 and members(world)[world.oak] == "invited"
    assert "The organisation was invited." in text(ana.get(path))


def test_inviting_nobody_is_refused_inline(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/members"
    head = world.api.head()
    response = submit(ana, path, f"{path}/invite", {"organisation_id": ""})

    assert response.status_code == 400 and 'id="organisation_id-errors"' in text(response)
    assert world.api.head() == head


def test_bo_who_is_no_facilitator_can_neither_approve_nor_invite(world: World) -> None:
    bo = signed_in(world, "bo")
    path = f"{world.path}/members"
    head = world.api.head()
    invite = submit(bo, path, f"{path}/invite", {"organisation_id": world.oak})

    assert invite.status_code == 403 and "only facilitators may invite organisations" in text(invite)
    assert world.api.head() == head and world.oak not in members(world)
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    head = world.api.head()
    approve = submit(bo, path, f"{path}/{world.oak}/approve", {})

    assert approve.status_code == 403 and "only facilitators may approve a request to join" in text(approve)
    assert world.api.head() == head and members(world)[world.oak] == "requested"


def test_a_facilitator_suspends_and_reinstates_a_member_with_a_reason(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/members"
    suspended = submit(ana, path, f"{path}/{world.river}/suspend", {"reason": "Dues unpaid"})

    assert suspended.status_code == 302 and members(world)[world.river] == "suspended"
    page = text(ana.get(path))
    assert "Reason: Dues unpaid" in page and "Reinstate River Watch" in page
    reinstated = submit(ana, path, f"{path}/{world.river}/reinstate", {"reason": "Dues paid"})
    assert reinstated.status_code == 302 and members(world)[world.river] == "active"


def test_suspending_without_a_reason_is_refused_inline(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/members"
    head = world.api.head()
    response = submit(ana, path, f"{path}/{world.river}/suspend", {"reason": "  "})

    assert response.status_code == 400 and world.api.head() == head
    page = text(response)
    assert f'aria-describedby="reason-suspend-{world.river}-errors"' in page and "This field is required." in page


def test_a_refused_membership_change_shows_the_reason(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/members"
    head = world.api.head()
    response = submit(ana, path, f"{path}/{world.river}/reinstate", {"reason": "By mistake"})

    assert response.status_code == 409 and f"organisation {world.river} is active, not suspended" in text(response)
    assert world.api.head() == head
    assert submit(ana, path, f"{path}/{world.river}/expel", {}).status_code == 404


def test_a_member_leaves_after_a_confirmation(world: World) -> None:
    bo = signed_in(world, "bo")
    confirm = f"{world.path}/members/{world.river}/leave"
    page = text(bo.get(confirm))

    assert "Should River Watch leave Danube Rivers Coalition?" in page and "Yes, River Watch leaves" in page
    dispositions = {  # River Watch's open commitment and task (coalition.domain.ending; tests/e2e/test_pages_ending.py)
        "dispositions-0-item": world.commitment,
        "dispositions-0-action": "withdraw",
        "dispositions-0-reason": "We merge",
        "dispositions-1-item": world.task,
        "dispositions-1-action": "drop",
        "dispositions-1-reason": "No one can",
    }
    left = submit(bo, confirm, confirm, {"reason": "Refocusing on our city", **dispositions})
    assert left.status_code == 302 and left.headers["Location"] == f"{world.path}/join"
    assert members(world)[world.river] == "left"
    assert world.ok("GET", world.path, "ana")["roles"] == [
        r for r in world.ok("GET", world.path, "ana")["roles"] if r["organisation_id"] != world.river
    ]
    assert bo.get(world.path).status_code == 403


def test_only_the_organisations_own_people_reach_its_leave_page(world: World) -> None:
    confirm = f"{world.path}/members/{world.river}/leave"

    assert signed_in(world, "ana").get(confirm).status_code == 403
    assert signed_in(world, "bo").get(f"{world.path}/members/{world.oak}/leave").status_code == 404


def test_the_last_facilitators_organisation_cannot_leave(world: World) -> None:
    ana = signed_in(world, "ana")
    confirm = f"{world.path}/members/{world.green}/leave"
    head = world.api.head()
    response = submit(ana, confirm, confirm, {})

    assert response.status_code == 409 and "always keeps at least one facilitator" in text(response)
    assert world.api.head() == head and members(world)[world.green] == "active"


# -- roles ----------------------------------------------------------------------------------------


def test_the_roles_page_shows_who_holds_which_role(world: World) -> None:
    page = text(signed_in(world, "mo").get(f"{world.path}/roles"))

    assert "Ana Pop" in page and "Lia Kowal" in page and "liaison" in page and "for River Watch" in page
    assert "Give a role" not in page and "Remove this role" not in page
    assert signed_in(world, "olli").get(f"{world.path}/roles").status_code == 403
    assert signed_in(world, "mo").get("/coalitions/nope/roles").status_code == 404


def test_a_facilitator_gives_a_role_by_e_mail(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/roles"
    response = submit(ana, path, path, {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"})

    assert response.status_code == 302
    held = [(r["role"], r["user_id"], r["organisation_id"]) for r in world.ok("GET", world.path, "ana")["roles"]]
    assert ("endorser", world.users["mo"], world.river) in held
    assert "The role was given." in text(ana.get(path))


def test_giving_a_role_checks_the_form_then_the_domain(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/roles"
    head = world.api.head()
    bad = submit(ana, path, path, {"email": "not an address", "organisation_id": world.river, "role": "liaison"})
    unknown = submit(
        ana, path, path, {"email": "nobody@example.org", "organisation_id": world.river, "role": "liaison"}
    )
    refused = submit(ana, path, path, {"email": world.email("olli"), "organisation_id": world.river, "role": "liaison"})
    bo = signed_in(world, "bo")
    not_facilitator = submit(
        bo, path, path, {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"}
    )

    assert bad.status_code == 400 and 'id="email-errors"' in text(bad)
    assert unknown.status_code == 404 and "no account uses the e-mail address nobody@example.org" in text(unknown)
    assert refused.status_code == 409 and "does not act for organisation" in text(refused)
    assert not_facilitator.status_code == 403 and "only facilitators may assign roles" in text(not_facilitator)
    assert world.api.head() == head


def test_a_facilitator_removes_a_role_with_a_reason(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/roles"
    liaison = role_ids(world, "liaison")[0]
    response = submit(ana, path, f"{path}/{liaison}/remove", {"reason": "Lia moved on"})

    assert response.status_code == 302 and role_ids(world, "liaison") == []
    assert "The role was removed." in text(ana.get(path))


def test_removing_the_last_facilitator_is_refused_with_the_reason(world: World) -> None:
    ana = signed_in(world, "ana")
    path = f"{world.path}/roles"
    facilitator = role_ids(world, "facilitator")[0]
    head = world.api.head()
    response = submit(ana, path, f"{path}/{facilitator}/remove", {"reason": "Stepping down"})

    assert response.status_code == 409 and world.api.head() == head
    assert "a coalition always keeps at least one facilitator: this is the last facilitator role" in text(response)
    assert role_ids(world, "facilitator") == [facilitator]


def test_only_facilitators_remove_roles_and_the_token_is_checked(world: World) -> None:
    bo = signed_in(world, "bo")
    path = f"{world.path}/roles"
    liaison = role_ids(world, "liaison")[0]
    head = world.api.head()
    refused = submit(bo, path, f"{path}/{liaison}/remove", {"reason": "Mine"})

    assert refused.status_code == 403 and "only facilitators may remove roles" in text(refused)
    assert signed_in(world, "ana").post(f"{path}/{liaison}/remove", data={"reason": "x"}).status_code == 400
    assert world.api.head() == head and role_ids(world, "liaison") == [liaison]


def test_every_membership_form_needs_its_csrf_token(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    ana = signed_in(world, "ana")
    ana.get(f"{world.path}/members")  # a session with a token, which these posts leave out
    head = world.api.head()
    posts = {
        f"{world.path}/members/invite": {"organisation_id": world.oak},
        f"{world.path}/members/{world.oak}/approve": {},
        f"{world.path}/members/{world.river}/suspend": {"reason": "Dues unpaid"},
        f"{world.path}/members/{world.green}/leave": {},
        f"{world.path}/roles": {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"},
        f"{world.path}/agreement": {"name": "Renamed"},
    }

    for action, data in posts.items():
        response = ana.post(action, data=data)
        assert response.status_code == 400 and "This form has expired" in text(response), action
    assert world.api.head() == head and members(world)[world.oak] == "requested"
