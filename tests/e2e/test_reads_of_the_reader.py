"""Coalition pages whose rules are about the reader read the reader's rows, not the whole coalition's: what they
read does not grow when organisations join. The join page lists the active members a page at a time."""

from __future__ import annotations

import html

import pytest

from bench.reads import sql_of
from coalition.reads import grid
from coalition.web import member_choice
from coalition.web.pages import coalitions
from coalition.web.pages.membership import joining
from coalition.web.pages.work import index
from tests.e2e.conftest import services
from tests.e2e.pages import signed_in, text
from tests.e2e.world import World


def grow(world: World, names: list[str]) -> list[str]:
    """Organisations of Olli's (one per name) that ask to join the coalition and are approved: more active members."""
    joined = []
    for name in names:
        found = world.ok(
            "POST",
            "/organisations",
            "olli",
            {"name": name + world.tag, "country": "FI", "sector": "ngo", "mission": "Research"},
        )["id"]
        world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": found})
        world.ok("POST", f"{world.path}/members/{found}/approve", "ana", {})
        joined.append(found)
    return joined


def rows_read(world: World, person: str, path: str) -> int:
    """How many rows the SELECTs of one request for `path` return (`bench.reads.sql_of`: each replayed afterwards as
    a count): a page in a signed-in browser, or, for a path under /api/v1, the API with the person's token."""
    api = path.startswith("/api/v1")
    client = world.api.client if api else signed_in(world, person)
    headers = {"Authorization": f"Bearer {world.api.tokens[world.who(person)]}"} if api else {}
    warm = client.get(path, headers=headers)  # the session, the caches
    assert warm.status_code == 200, text(warm)
    return int(sql_of(services(world.api.app).engine, client, path, headers)["rows_returned"])


PAGES = {
    # path after the coalition's, and who reads it
    "join": ("/join", "mo"),
    "roles (a member)": ("/roles", "mo"),
    "evaluations": ("/evaluations", "mo"),
    "a new statement": ("/statements/new", "mo"),
    "the agreement": ("/agreement", "ana"),
    "closing": ("/close", "ana"),
    "webhooks": ("/webhooks", "ana"),
    "evaluations (a facilitator)": ("/evaluations", "ana"),
    "the work (a member)": ("/work", "mo"),
    "an objective (a member)": ("/objectives/o1", "mo"),
    "a commitment": ("/commitments/{commitment}", "bo"),
    "a task": ("/tasks/{task}", "mo"),
    "the partnership report": ("/report", "ana"),
    "the API's objectives": ("/api/v1{coalition}/objectives", "mo"),
    "the objectives grid": ("/grid", "ana"),
    "a task (a facilitator, who may reassign it)": ("/tasks/{task}", "ana"),
    "leaving, with a task to hand over": ("/members/{river}/leave", "bo"),
    "the grid of those with a commitment": ("/grid?only=committed", "mo"),
}


#: Pages of other organisations: the one on the page may change as organisations join, and hold fewer rows.
PAGED = ("/grid", "/grid?only=committed")


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_about_the_reader_reads_no_more_when_organisations_join(
    world: World, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setattr(joining, "PAGE_SIZE", 1)  # the join page lists one member a page
    monkeypatch.setattr(grid, "GRID_COLUMNS", 1)  # and the grid one organisation
    monkeypatch.setattr(member_choice, "LISTED", 1)  # a member is named, not chosen from a menu of them all
    tail, person = PAGES[page]
    place = {"commitment": world.commitment, "task": world.task, "coalition": world.path, "river": world.river}
    path = tail.format(**place) if tail.startswith("/api/") else world.path + tail.format(**place)
    before = rows_read(world, person, path)

    grow(world, ["Birch Trust", "Cedar Fund", "Elm Circle"])

    after = rows_read(world, person, path)
    assert after <= before if path.endswith(PAGED) else after == before  # a page of others may hold fewer rows


def test_a_statement_being_drafted_reads_no_more_when_organisations_join(world: World) -> None:
    body = {"title": "Clean rivers now", "body": "We call on *governments* to act.", "language": "en"}
    statement = world.ok("POST", f"{world.path}/statements", "ana", body)["id"]
    path = f"{world.path}/statements/{statement}/edit"
    before = rows_read(world, "ana", path)

    grow(world, ["Birch Trust", "Cedar Fund"])

    assert rows_read(world, "ana", path) == before


def test_the_join_page_lists_the_active_members_a_page_at_a_time_by_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(joining, "PAGE_SIZE", 2)
    grow(world, ["Birch Trust", "Cedar Fund"])
    client = signed_in(world, "olli")
    shown, seen = [], 0
    page = html.unescape(text(client.get(f"{world.path}/join")))
    assert "2 shown of 4." in page and "First page" not in page
    while True:
        listed = page.split('id="public-members-heading"')[1].split("</ul>")[0]
        shown += [n for n in ("Birch Trust", "Cedar Fund", "Green Earth", "River Watch") if n + world.tag in listed]
        seen += 1
        if 'rel="next"' not in page:
            break
        after = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        page = html.unescape(text(client.get(after)))
        assert "First page" in page
    assert shown == ["Birch Trust", "Cedar Fund", "Green Earth", "River Watch"] and seen == 2


WORK_PAGES = {
    "the work (a facilitator)": ("/work", "ana"),
    "the work (a member)": ("/work", "mo"),
    "the closed work": ("/work?commitments=closed&tasks=closed", "mo"),
    "the objectives grid": ("/grid", "mo"),
    "a commitment": ("/commitments/{commitment}", "bo"),
    "a task": ("/tasks/{task}", "ana"),
    "an objective": ("/objectives/o1", "ana"),
    "the coalition's home": ("", "ana"),
}


@pytest.mark.parametrize("page", list(WORK_PAGES))
def test_a_work_page_reads_no_more_when_members_pledge_and_are_given_tasks(
    world: World, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setattr(index, "WORK_PAGE", 1)  # each list of the work page shows one item
    monkeypatch.setattr(grid, "GRID_COLUMNS", 1)
    monkeypatch.setattr(member_choice, "LISTED", 1)
    monkeypatch.setattr(index, "LISTED", 1)  # the task form's commitments: one, or the one it serves
    monkeypatch.setattr(coalitions, "HOME_MEMBERS", 1)  # the home lists one member besides the reader's
    tail, person = WORK_PAGES[page]
    path = world.path + tail.format(commitment=world.commitment, task=world.task)

    due = iter(range(28, 0, -1))

    def more_work(names: list[str]) -> None:  # organisations that join, pledge and are given a task, each due first
        for organisation_id in grow(world, names):
            day = f"2027-01-{next(due):02d}"
            pledge = {"organisation_id": organisation_id, "kind": "funding", "description": "Lab analyses"}
            world.ok("POST", f"{world.path}/commitments", "olli", {**pledge, "objective": "o1", "due_on": day})
            task = {"title": "Sample a site", "description": "Spring round", "organisation_id": organisation_id}
            world.ok("POST", f"{world.path}/tasks", "ana", {**task, "due_on": day})

    more_work(["Alder Trust"])  # the lists' first items are another organisation's, as they stay
    before = rows_read(world, person, path)

    more_work(["Birch Trust", "Cedar Fund", "Elm Circle"])

    assert rows_read(world, person, path) <= before
