"""Commitments and tasks from the browser, my organisations' responsibilities, the objectives × organisations grid."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from coalition.reads import grid as grid_reads
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_api_coalitions import at
from tests.e2e.world import World

PLEDGE = {
    "objective": "o2",
    "kind": "expertise",
    "description": "A policy analyst for the brief",
    "quantity": "20",
    "unit": "days",
    "due_on": "2027-05-31",
}


def work(world: World) -> str:
    return f"{world.path}/work"


def commitment_page(world: World, commitment_id: str | None = None) -> str:
    return f"{world.path}/commitments/{commitment_id or world.commitment}"


def task_page(world: World) -> str:
    return f"{world.path}/tasks/{world.task}"


def shared(world: World, kind: str, key: str, item_id: str) -> dict[str, Any]:
    """A commitment or task as the API's responsibilities read shows it."""
    read = world.ok("GET", f"{world.path}/responsibilities", "ana")
    found = [w for o in read["objectives"] for w in o[kind]] + read["unlinked"][kind]
    return next(w for w in found if w[key] == item_id)


def commitment(world: World, commitment_id: str | None = None) -> dict[str, Any]:
    return shared(world, "commitments", "commitment_id", commitment_id or world.commitment)


def task(world: World) -> dict[str, Any]:
    return shared(world, "tasks", "task_id", world.task)


def green_pledge(world: World) -> str:
    """Green Earth (Ana's organisation) pledges funding to objective o1."""
    return str(
        world.ok(
            "POST",
            f"{world.path}/commitments",
            "ana",
            {
                "organisation_id": world.green,
                "kind": "funding",
                "description": "Lab analyses",
                "quantity": 5000,
                "unit": "EUR",
                "objective": "o1",
                "due_on": "2027-02-28",
            },
        )["id"]
    )


def select_options(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, page
    return re.findall(r">([^<]+)</option>", found.group(1))


# -- the coalition's commitments and tasks ------------------------------------------------------------


def test_the_work_page_lists_commitments_and_tasks_with_organisation_kind_amount_and_due_date(world: World) -> None:
    page = text(signed_in(world, "mo").get(work(world)))

    assert "Two field officers" in page and "Staff time · 2 people" in page and "due Mar 31, 2027" in page
    assert "objective 1. Monitor water quality at 40 sites" in page and "pledged" in page
    assert "Sample ten sites" in page and "River Watch · Lia Kowal" in page and "due Apr 30, 2027" in page
    assert f'href="{commitment_page(world)}"' in page and f'href="{task_page(world)}"' in page


def test_members_pledge_for_their_own_active_organisations_and_only_facilitators_and_liaisons_divide_out_tasks(
    world: World,
) -> None:
    mo = text(signed_in(world, "mo").get(work(world)))
    ana = text(signed_in(world, "ana").get(work(world)))
    lia = text(signed_in(world, "lia").get(work(world)))

    assert select_options(mo, "pledge-organisation") == ["River Watch"]
    assert select_options(ana, "pledge-organisation") == ["Green Earth"]
    assert "Staff time" in select_options(mo, "pledge-kind") and len(select_options(mo, "pledge-kind")) == 6
    assert "Divide out a task" not in mo
    assert select_options(ana, "task-organisation") == ["Green Earth", "River Watch"]
    assert select_options(lia, "task-organisation") == ["River Watch"]
    assert select_options(ana, "task-commitment") == ["None", "River Watch: Two field officers"]


def test_pledging_from_the_page_records_the_commitment(world: World) -> None:
    client = signed_in(world, "bo")
    response = submit(client, work(world), f"{world.path}/commitments", {"organisation_id": world.river, **PLEDGE})

    assert response.status_code == 302
    [pledged] = world.ok("GET", f"{world.path}/responsibilities", "bo")["objectives"][1]["commitments"]
    assert (
        pledged["organisation_id"],
        pledged["kind"],
        pledged["description"],
        pledged["quantity"],
        pledged["unit"],
        pledged["due_on"],
    ) == (world.river, "expertise", "A policy analyst for the brief", 20, "days", "2027-05-31")
    assert "The commitment was pledged." in text(client.get(response.headers["Location"]))


def test_an_invalid_pledge_says_what_to_fix_inline_and_records_nothing(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    response = submit(
        client,
        work(world),
        f"{world.path}/commitments",
        {"organisation_id": world.river, "kind": "gold", "description": " ", "quantity": "-3", "due_on": "31/05/2027"},
    )
    page = text(response)

    assert response.status_code == 400
    assert "Not a valid choice" in page and "This field is required." in page
    assert "Give a number above zero, or leave it empty." in page
    assert "Write the date as year-month-day, for example 2027-03-31." in page
    assert 'id="pledge-due-errors"' in page and 'aria-invalid="true"' in page
    assert world.api.head() == head


def test_a_pledge_for_an_organisation_one_does_not_act_for_is_refused_with_the_reason(world: World) -> None:
    client = signed_in(world, "mo")
    head = world.api.head()
    response = submit(client, work(world), f"{world.path}/commitments", {"organisation_id": world.green, **PLEDGE})

    assert response.status_code == 403 and "you do not act for organisation" in text(response)
    assert "A policy analyst for the brief" in text(response)  # what was typed is kept, to correct and resend
    assert world.api.head() == head


def test_form_posts_without_a_csrf_token_are_refused_and_record_nothing(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()

    pledged = client.post(f"{world.path}/commitments", data={"organisation_id": world.river, **PLEDGE})
    fulfilled = client.post(f"{commitment_page(world)}/fulfil", data={"note": "Both officers hired"})
    accepted = signed_in(world, "mo").post(f"{task_page(world)}/accept", data={})

    assert [r.status_code for r in (pledged, fulfilled, accepted)] == [400, 400, 400]
    assert "This form has expired" in text(fulfilled)
    assert world.api.head() == head


# -- one commitment ---------------------------------------------------------------------------------------


def test_the_pledging_organisation_fulfils_its_commitment_with_a_note_and_the_history_shows_it(world: World) -> None:
    client = signed_in(world, "bo")
    page = text(client.get(commitment_page(world)))
    assert "Mark as fulfilled" in page and "Bo Nowak pledged it, due Mar 31, 2027." in page

    response = submit(
        client,
        commitment_page(world),
        f"{commitment_page(world)}/fulfil",
        {"note": "Both officers hired, contracts on file"},
    )

    assert response.status_code == 302 and commitment(world)["state"] == "fulfilled"
    page = text(client.get(commitment_page(world)))
    assert "The commitment is recorded as fulfilled." in page and "Evidence of delivery" in page
    assert "Bo Nowak recorded it as fulfilled: Both officers hired, contracts on file" in page
    assert "Mark as fulfilled" not in page  # a fulfilled commitment cannot change any more


def test_fulfilling_needs_a_note_on_the_evidence(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    response = submit(client, commitment_page(world), f"{commitment_page(world)}/fulfil", {"note": ""})

    assert response.status_code == 400 and "Describe the evidence of delivery." in text(response)
    assert world.api.head() == head and commitment(world)["state"] == "pledged"


def test_withdrawing_needs_a_reason_and_then_withdraws(world: World) -> None:
    client = signed_in(world, "mo")
    action = f"{commitment_page(world)}/withdraw"

    empty = submit(client, commitment_page(world), action, {"reason": "  "})
    assert empty.status_code == 400 and "Say why, in a few words." in text(empty)
    assert submit(client, commitment_page(world), action, {"reason": "Our funding fell through"}).status_code == 302
    assert commitment(world)["state"] == "withdrawn"
    assert "Mo Zielinski withdrew it: Our funding fell through" in text(client.get(commitment_page(world)))


def test_rescheduling_takes_a_new_date_and_a_reason_and_refuses_a_date_it_cannot_read(world: World) -> None:
    client = signed_in(world, "ana")  # a facilitator may change any commitment
    action = f"{commitment_page(world)}/reschedule"
    head = world.api.head()

    bad = submit(client, commitment_page(world), action, {"due_on": "30.06.2027", "reason": "Hiring took longer"})
    assert bad.status_code == 400 and "Write the date as year-month-day, for example 2027-03-31." in text(bad)
    assert 'id="reschedule-due-errors"' in text(bad) and world.api.head() == head
    assert text(bad).count("Hiring took longer") == 1  # kept in its own form only, not in "withdraw" beside it

    assert (
        submit(
            client, commitment_page(world), action, {"due_on": "2027-06-30", "reason": "Hiring took longer"}
        ).status_code
        == 302
    )
    assert commitment(world)["due_on"] == "2027-06-30"
    assert "Ana Pop moved it to Jun 30, 2027: Hiring took longer" in text(client.get(commitment_page(world)))


def test_people_of_other_members_see_no_forms_and_are_refused_with_the_reason(world: World) -> None:
    other = green_pledge(world)
    client = signed_in(world, "mo")  # River Watch: neither Green Earth's nor a facilitator
    page = text(client.get(commitment_page(world, other)))
    head = world.api.head()

    assert "Lab analyses" in page and "5,000 EUR" in page and "Record progress" not in page
    response = submit(
        client, commitment_page(world, other), f"{commitment_page(world, other)}/fulfil", {"note": "Done, I think"}
    )
    assert response.status_code == 403
    assert "only the pledging organisation or a facilitator may change a commitment" in text(response)
    assert world.api.head() == head and commitment(world, other)["state"] == "pledged"


# -- one task ---------------------------------------------------------------------------------------------


def test_the_assignee_organisation_accepts_then_completes_the_task(world: World) -> None:
    client = signed_in(world, "mo")
    page = text(client.get(task_page(world)))
    assert "Accept the task" in page and "Mark as done" in page and "Drop the task" not in page

    assert submit(client, task_page(world), f"{task_page(world)}/accept", {}).status_code == 302
    assert task(world)["state"] == "accepted"
    assert "Accept the task" not in text(client.get(task_page(world)))
    assert (
        submit(client, task_page(world), f"{task_page(world)}/complete", {"note": "Ten sites sampled"}).status_code
        == 302
    )
    assert task(world)["state"] == "done"
    page = text(client.get(task_page(world)))
    assert "Mo Zielinski took it on for River Watch." in page
    assert "Mo Zielinski reported it done. Ten sites sampled" in page


def test_a_facilitator_of_another_organisation_may_not_accept_the_task(world: World) -> None:
    client = signed_in(world, "ana")
    assert "Accept the task" not in text(client.get(task_page(world)))
    head = world.api.head()

    response = submit(client, task_page(world), f"{task_page(world)}/accept", {})

    assert response.status_code == 403 and "only the assignee organisation" in text(response)
    assert world.api.head() == head


def test_facilitators_reassign_and_drop_tasks(world: World) -> None:
    client = signed_in(world, "ana")
    assert select_options(text(client.get(task_page(world))), "reassign-organisation") == ["Green Earth", "River Watch"]

    reassigned = submit(
        client,
        task_page(world),
        f"{task_page(world)}/reassign",
        {"organisation_id": world.green, "assignee_email": world.email("ana"), "reason": "River Watch is stretched"},
    )
    assert reassigned.status_code == 302
    assert (task(world)["organisation_id"], task(world)["assignee_user_id"]) == (world.green, world.users["ana"])
    assert "Ana Pop gave it to Green Earth instead. River Watch is stretched" in text(client.get(task_page(world)))

    empty = submit(client, task_page(world), f"{task_page(world)}/drop", {"reason": ""})
    assert empty.status_code == 400 and 'id="drop-reason-errors"' in text(empty)
    assert (
        submit(client, task_page(world), f"{task_page(world)}/drop", {"reason": "The lab does it now"}).status_code
        == 302
    )
    assert task(world)["state"] == "dropped"


def test_reassigning_to_someone_who_does_not_act_for_the_organisation_is_refused(world: World) -> None:
    client = signed_in(world, "ana")
    head = world.api.head()
    response = submit(
        client,
        task_page(world),
        f"{task_page(world)}/reassign",
        {"organisation_id": world.green, "assignee_email": world.email("mo")},
    )

    assert response.status_code == 409 and "does not act for organisation" in text(response)
    assert world.api.head() == head


@pytest.mark.parametrize(
    ("action", "data", "reason"),
    [
        ("drop", {"reason": "Not needed"}, "only facilitators may drop tasks"),
        ("reassign", {"organisation_id": "{green}"}, "only facilitators may reassign tasks"),
    ],
)
def test_a_member_without_a_role_is_refused_what_only_facilitators_may_do(
    world: World, action: str, data: dict[str, str], reason: str
) -> None:
    client = signed_in(world, "mo")
    head = world.api.head()
    response = submit(
        client,
        task_page(world),
        f"{task_page(world)}/{action}",
        {k: v.format(green=world.green) for k, v in data.items()},
    )

    assert response.status_code == 403 and reason in text(response)
    assert world.api.head() == head and task(world)["state"] == "open"


def test_dividing_out_a_task_from_the_page(world: World) -> None:
    client = signed_in(world, "lia")  # River Watch's liaison
    response = submit(
        client,
        work(world),
        f"{world.path}/tasks",
        {
            "title": "Draft the brief's outline",
            "description": "Two pages",
            "organisation_id": world.river,
            "assignee_email": world.email("mo"),
            "due_on": "2027-02-15",
            "objective": "o2",
            "commitment_id": "",
        },
    )

    assert response.status_code == 302
    [created] = world.ok("GET", f"{world.path}/responsibilities", "bo")["objectives"][1]["tasks"]
    assert (created["title"], created["organisation_id"], created["assignee_user_id"], created["due_on"]) == (
        "Draft the brief's outline",
        world.river,
        world.users["mo"],
        "2027-02-15",
    )


def test_dividing_out_a_task_is_refused_to_a_member_without_a_role_and_checks_its_fields(world: World) -> None:
    head = world.api.head()
    refused = submit(
        signed_in(world, "mo"),
        work(world),
        f"{world.path}/tasks",
        {"title": "Do it", "description": "Now", "organisation_id": world.river, "due_on": "2027-02-15"},
    )
    invalid = submit(
        signed_in(world, "ana"),
        work(world),
        f"{world.path}/tasks",
        {
            "title": "",
            "description": "Now",
            "organisation_id": world.river,
            "assignee_email": "not an address",
            "due_on": "",
        },
    )

    assert refused.status_code == 403 and "only facilitators or the liaison" in text(refused)
    assert invalid.status_code == 400 and "Invalid email address." in text(invalid)
    assert 'id="task-title-errors"' in text(invalid) and 'id="task-due-errors"' in text(invalid)
    assert world.api.head() == head


# -- who may see -----------------------------------------------------------------------------------------


def test_the_pages_are_for_members_people_and_sign_in_comes_first(world: World) -> None:
    pages = [work(world), f"{world.path}/grid", commitment_page(world), task_page(world)]
    olli, mo, anonymous = signed_in(world, "olli"), signed_in(world, "mo"), world.api.app.test_client()

    assert [olli.get(p).status_code for p in pages] == [403, 403, 403, 403]
    for path in [*pages, "/responsibilities"]:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert [
        mo.get(p).status_code
        for p in (
            "/coalitions/nope/work",
            "/coalitions/nope/grid",
            commitment_page(world, "nope"),
            f"{world.path}/tasks/nope",
        )
    ] == [404] * 4
    assert "We cannot find this page" in text(mo.get(f"{world.path}/tasks/nope"))
    assert "belongs to a coalition yet" in text(olli.get("/responsibilities"))


# -- my organisations' responsibilities ------------------------------------------------------------------


def test_responsibilities_show_overdue_first_then_due_soon_then_later_and_done_folded_away(world: World) -> None:
    late = world.ok(
        "POST",
        f"{world.path}/commitments",
        "bo",
        {
            "organisation_id": world.river,
            "kind": "in-kind",
            "description": "Water testing kits",
            "due_on": "2027-03-01",
        },
    )
    world.ok(
        "POST",
        f"{world.path}/commitments",
        "bo",
        {"organisation_id": world.river, "kind": "outreach", "description": "Press release", "due_on": "2027-01-15"},
    )
    done = world.ok("GET", f"{world.path}/responsibilities", "bo")["unlinked"]["commitments"][-1]["commitment_id"]
    world.ok("POST", f"{world.path}/commitments/{done}/fulfil", "bo", {"note": "Sent"})
    green_pledge(world)  # not River Watch's: not on its people's page
    at(world.api, datetime(2027, 3, 25, 9, 0, tzinfo=UTC))

    page = text(signed_in(world, "mo").get("/responsibilities")).split("<main", 1)[1]  # the header's menus: <details>

    order = [
        page.index(s)
        for s in (
            "Overdue",
            "Water testing kits",
            "overdue by 24 days",
            "Due within 14 days",
            "Two field officers",
            "due in 6 days",
            "Later",
            "Sample ten sites",
            "due in 36 days",
            "<details",
            "Press release",
        )
    ]
    assert order == sorted(order)
    assert "Lab analyses" not in page and "Danube Rivers Coalition · River Watch · due Mar 1, 2027" in page
    assert f'href="{commitment_page(world, late["id"])}"' in page and f'href="{task_page(world)}"' in page


# -- the grid -----------------------------------------------------------------------------------------------


def grid_row(page: str, objective: str) -> str:
    return next(r for r in page.split("<tr")[1:] if objective in r)


def grid_cells(page: str, objective: str) -> dict[str, str]:
    """The grid's cells in the row of one objective, by organisation name."""
    columns = re.findall(r'<th scope="col">([^<]+)', page)[1:]
    return dict(zip(columns, grid_row(page, objective).split("<td")[1:], strict=True))


def test_the_grid_shows_each_commitment_as_a_mark_in_its_objective_row_and_organisation_column(world: World) -> None:
    client = signed_in(world, "mo")
    page = text(client.get(f"{world.path}/grid"))
    first = grid_cells(page, "Monitor water quality")

    assert "work-mark-pledged" in first["River Watch"] and "○</span> pledged" in first["River Watch"]
    assert "Two field officers (Staff time), pledged, due Mar 31, 2027" in first["River Watch"]
    assert "work-mark-none" in first["Green Earth"] and "work-mark-pledged" not in first["Green Earth"]
    assert "nobody has taken this on" in grid_row(page, "Publish a joint policy brief")
    assert "nobody has taken this on" not in grid_row(page, "Monitor water quality")

    green_pledge(world)
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Hired"})
    first = grid_cells(text(client.get(f"{world.path}/grid")), "Monitor water quality")
    assert "✓</span> fulfilled" in first["River Watch"] and "○</span> pledged" in first["Green Earth"]

    at(world.api, datetime(2027, 3, 5, tzinfo=UTC))  # Green Earth's was due on 28 February
    client = signed_in(world, "mo")  # months later: the browser session ended when it idled for 30 days
    first = grid_cells(text(client.get(f"{world.path}/grid")), "Monitor water quality")
    assert "!</span> overdue" in first["Green Earth"] and "Lab analyses (Funding), overdue" in first["Green Earth"]


def grid_columns(page: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r'<th scope="col">([^<]+)', page)[1:]]


def next_link(page: str) -> str | None:
    """The href of the page's "Next page" link (None: the last page)."""
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(found.group(1)) if found else None


def test_the_grid_shows_the_member_organisations_a_page_at_a_time_by_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_reads, "GRID_COLUMNS", 1)
    client = signed_in(world, "mo")
    first = text(client.get(f"{world.path}/grid"))

    assert grid_columns(first) == [f"Green Earth{world.tag}"] and "1 shown of 2." in first and "First page" not in first
    # whether an objective is taken on is the whole coalition's: River Watch's pledge is on the next page
    assert "nobody has taken this on" not in grid_row(first, "Monitor water quality")
    assert "nobody has taken this on" in grid_row(first, "Publish a joint policy brief")
    following = next_link(first)
    assert following and f"after={world.green}" in following
    second = text(client.get(following))
    assert grid_columns(second) == [f"River Watch{world.tag}"] and next_link(second) is None
    assert (
        "First page" in second
        and "work-mark-pledged" in grid_cells(second, "Monitor water quality")[f"River Watch{world.tag}"]
    )
    assert grid_columns(text(client.get(f"{world.path}/grid?after=nobody"))) == [f"Green Earth{world.tag}"]


def test_the_grid_shows_only_the_organisations_with_a_commitment_when_asked(world: World) -> None:
    client = signed_in(world, "mo")
    every = text(client.get(f"{world.path}/grid"))
    assert '<strong aria-current="true">Every member (2)</strong>' in every
    assert f'href="{world.path}/grid?only=committed">With a commitment (1)</a>' in every

    committed = text(client.get(f"{world.path}/grid?only=committed"))
    assert grid_columns(committed) == [f"River Watch{world.tag}"]
    assert '<strong aria-current="true">With a commitment (1)</strong>' in committed
    assert '<input type="hidden" name="only" value="committed">' in committed  # the day's form keeps the choice

    pledged = green_pledge(world)
    assert grid_columns(text(client.get(f"{world.path}/grid?only=committed"))) == [
        f"Green Earth{world.tag}",
        f"River Watch{world.tag}",
    ]
    for commitment_id in (pledged, world.commitment):  # a withdrawn commitment does not count
        world.ok("POST", f"{world.path}/commitments/{commitment_id}/withdraw", "ana", {"reason": "No funds"})
    none = text(client.get(f"{world.path}/grid?only=committed"))
    assert grid_columns(none) == [] and "No member organisation has a commitment yet." in none
    assert "With a commitment (0)" in none and grid_columns(text(client.get(f"{world.path}/grid"))) == [
        f"Green Earth{world.tag}",
        f"River Watch{world.tag}",
    ]


def test_the_grid_as_of_a_past_day_pages_the_members_of_that_day(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grid_reads, "GRID_COLUMNS", 1)
    today = datetime.now(UTC)
    at(world.api, today + timedelta(days=2))
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})  # Oak Institute joins later
    world.ok("POST", f"{world.path}/members/{world.oak}/approve", "ana", {})
    client = signed_in(world, "mo")
    day = (today + timedelta(days=1)).date().isoformat()

    now = text(client.get(f"{world.path}/grid"))
    assert "Every member (3)" in now and "1 shown of 3." in now
    then = text(client.get(f"{world.path}/grid?date={day}"))
    assert grid_columns(then) == [f"Green Earth{world.tag}"] and "Every member (2)" in then and "1 shown of 2." in then
    following = next_link(then)
    assert following and f"date={day}" in following and "only=" not in following
    last = text(client.get(following))
    assert grid_columns(last) == [f"River Watch{world.tag}"] and next_link(last) is None  # not Oak Institute
    committed = text(client.get(f"{world.path}/grid?only=committed&date={day}"))
    assert grid_columns(committed) == [f"River Watch{world.tag}"] and "With a commitment (1)" in committed
    assert f'href="{world.path}/grid?date={day}">Every member (2)</a>' in committed
