"""The work page's lists a page at a time, open or closed, and a task divided out from the commitment it serves
where a coalition has too many open commitments for the task form's menu. The lists are lowered to one item a page
(`WORK_PAGE`); the world has River Watch's commitment (due 31 March 2027) and task (due 30 April 2027)."""

from __future__ import annotations

import html
import re

import pytest

from coalition.web.pages.work import index
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_pages_work import green_pledge, select_options
from tests.e2e.world import World


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(index, "WORK_PAGE", 1)
    return world


def work(world: World) -> str:
    return f"{world.path}/work"


def section(page: str, heading: str) -> str:
    return page.split(f'id="{heading}"')[1].split("</section>")[0]


def next_link(part: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', part)
    return html.unescape(found.group(1)) if found else None


def test_each_list_shows_a_page_at_a_time_the_earliest_due_first(world: World) -> None:
    green_pledge(world)  # Lab analyses, due 28 February 2027: before River Watch's
    client = signed_in(world, "mo")
    page = text(client.get(work(world)))

    commitments, tasks = section(page, "commitments-heading"), section(page, "tasks-heading")
    assert "Lab analyses" in commitments and "Two field officers" not in commitments and "1 shown of 2." in commitments
    assert "Sample ten sites" in tasks and 'rel="next"' not in tasks  # the other list is not paged with it
    following = next_link(commitments)
    assert following and "commitments_after=2027-02-28~" in following and following.endswith("#commitments-heading")
    second = text(client.get(following))
    assert "Two field officers" in section(second, "commitments-heading") and "Lab analyses" not in second
    assert "First page" in section(second, "commitments-heading") and "Sample ten sites" in section(
        second, "tasks-heading"
    )
    unreadable = text(client.get(f"{work(world)}?commitments_after=someday~x&tasks_after=~"))
    assert "Lab analyses" in section(unreadable, "commitments-heading")  # a cursor that cannot be read: the first


def test_each_list_shows_its_open_or_its_closed_items(world: World) -> None:
    pledged = green_pledge(world)
    world.ok("POST", f"{world.path}/commitments/{pledged}/withdraw", "ana", {"reason": "No funds"})
    client = signed_in(world, "mo")

    opened = section(text(client.get(work(world))), "commitments-heading")
    assert '<strong aria-current="true">Open (1)</strong>' in opened and "Two field officers" in opened
    assert f'href="{work(world)}?commitments=closed#commitments-heading">Fulfilled or withdrawn (1)</a>' in opened
    closed = section(text(client.get(f"{work(world)}?commitments=closed")), "commitments-heading")
    assert '<strong aria-current="true">Fulfilled or withdrawn (1)</strong>' in closed
    assert "Lab analyses" in closed and "Two field officers" not in closed
    tasks = section(text(client.get(f"{work(world)}?tasks=closed")), "tasks-heading")
    assert "No done or dropped task." in tasks and "Done or dropped (0)" in tasks


def test_past_the_limit_a_task_serves_the_commitment_it_is_divided_out_from(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index, "LISTED", 0)  # one open commitment is more than the task form's menu lists
    ana = signed_in(world, "ana")
    page = html.unescape(text(ana.get(work(world))))
    assert select_options(page, "task-commitment") == ["None"]
    assert "1 commitment is open. To tie a task to it, open it and choose “Divide out a task for it”." in page

    commitment = f"{world.path}/commitments/{world.commitment}"
    link = f'href="{work(world)}?serves={world.commitment}#task-heading">Divide out a task for it</a>'
    assert link in text(ana.get(commitment)) and link not in text(signed_in(world, "mo").get(commitment))
    assert link in text(signed_in(world, "lia").get(commitment))  # River Watch's liaison tasks River Watch
    serving = text(ana.get(f"{work(world)}?serves={world.commitment}"))
    assert select_options(serving, "task-commitment") == ["None", "River Watch: Two field officers"]
    assert re.search(
        rf'<option selected value="{world.commitment}"|<option value="{world.commitment}" selected', serving
    )
    assert re.search(rf'<option selected value="{world.river}"|<option value="{world.river}" selected', serving)

    task = {"title": "Hire the officers", "description": "Two posts", "due_on": "2027-02-15"}
    sent = {**task, "organisation_id": world.river, "commitment_id": world.commitment}
    response = submit(ana, f"{work(world)}?serves={world.commitment}", f"{world.path}/tasks", sent)
    assert response.status_code == 302, text(response)
    tasks = world.ok("GET", f"{world.path}/responsibilities", "bo")["objectives"][0]["tasks"]
    assert [t["commitment_id"] for t in tasks if t["title"] == "Hire the officers"] == [world.commitment]
    refused = submit(ana, work(world), f"{world.path}/tasks", {**sent, "due_on": "someday"})
    assert refused.status_code == 400  # the commitment sent stays chosen in the form shown again
    assert select_options(text(refused), "task-commitment") == ["None", "River Watch: Two field officers"]


def test_a_commitment_that_is_closed_offers_no_task(world: World) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Hired"})

    page = text(signed_in(world, "ana").get(f"{world.path}/commitments/{world.commitment}"))

    assert "Divide out a task for it" not in page and "Tasks serving this commitment" in page  # its task is listed


def test_query_parameters_that_are_not_the_pages_own_change_nothing(world: World) -> None:
    response = signed_in(world, "mo").get(f"{work(world)}?coalition_id=x&endpoint=y&_external=1&commitments_after=z")

    assert response.status_code == 200
    links = re.findall(r'href="([^"]*/work[^"]*)"', section(text(response), "commitments-heading"))
    assert links and all(link.startswith("/") and "coalition_id=x" not in link for link in links), links


def test_no_task_is_offered_for_a_commitment_of_a_member_that_is_not_active(world: World) -> None:
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Dues unpaid"})

    page = text(signed_in(world, "ana").get(f"{world.path}/commitments/{world.commitment}"))

    assert "Divide out a task for it" not in page and "Two field officers" in page
