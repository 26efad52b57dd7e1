"""The audit pages: the filtered history, its CSV export, the coalition as of a date, a member's commitment history."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coalition.reads.audit import hashes
from coalition.reads.reports import CSV_COLUMNS
from coalition.web.pages import audit_common
from events.schema import events
from tests.e2e.conftest import CopyWorlds, services
from tests.e2e.pages import signed_in, text
from tests.e2e.test_api_coalitions import at
from tests.e2e.world import World

DAY = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)  # the world is built on this day
LATER = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(worlds: CopyWorlds) -> World:
    """The world as recorded on DAY (once per session), copied; the app's clock stays on DAY."""
    return worlds(built_on=DAY)[""]


def later_work(world: World) -> str:
    """On LATER: River Watch pledges a second commitment, and its first is rescheduled then fulfilled."""
    at(world.api, LATER)
    second = world.ok(
        "POST",
        f"{world.path}/commitments",
        "bo",
        {"organisation_id": world.river, "kind": "funding", "description": "A policy analyst", "due_on": "2027-09-01"},
    )
    world.ok(
        "POST",
        f"{world.path}/commitments/{world.commitment}/reschedule",
        "bo",
        {"due_on": "2027-05-31", "reason": "The boat is in repair"},
    )
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "ana", {"note": "Seen on site"})
    return str(second["id"])


def audit_page(world: World, query: str = "", person: str = "ana") -> str:
    response = signed_in(world, person).get(f"{world.path}/audit{query}")
    assert response.status_code == 200, text(response)
    return text(response)


def summaries(page: str) -> list[str]:
    """The event lines of the history table, in page order."""
    return [
        re.sub(r"\s+", " ", line).strip()
        for line in re.findall(r'<span class="badge audit-type">[^<]*</span>([^<]*)</td>', page)
    ]


# -- the history ------------------------------------------------------------------------------------


def test_a_facilitator_sees_the_history_newest_first_with_names_positions_and_hashes(world: World) -> None:
    page = audit_page(world)
    with services(world.api.app).engine.connect() as connection:
        founding_hash = connection.execute(
            select(events.c.hash).where(events.c.type == "CoalitionFounded")
        ).scalar_one()

    lines = summaries(page)
    assert len(lines) == 7 and "7 events match." in page
    assert lines[0] == "Ana Pop gave River Watch the task “Sample ten sites”, due 2027-04-30"
    assert lines[-1] == "Ana Pop founded the coalition “Danube Rivers Coalition” for Green Earth"
    assert "Commitment pledged</span> River Watch pledged staff time" in page  # the type's readable label
    assert "Bo Nowak" in page and founding_hash[:12] in page
    assert "Jan 15, 2027" in page  # the time, formatted for the reader's locale


def test_filtering_by_type_shows_only_those_events(world: World) -> None:
    later_work(world)

    page = audit_page(world, "?type=CommitmentPledged")

    assert summaries(page) == [
        "River Watch pledged funding: “A policy analyst”, due 2027-09-01",
        "River Watch pledged staff time: “Two field officers”, due 2027-03-31",
    ]
    assert '<option selected value="CommitmentPledged">Commitment pledged</option>' in page


def test_filtering_by_organisation_shows_what_it_did_and_what_was_done_about_it(world: World) -> None:
    lines = summaries(audit_page(world, f"?organisation_id={world.river}"))

    assert "River Watch pledged staff time: “Two field officers”, due 2027-03-31" in lines
    assert "Ana Pop approved the request of River Watch to join" in lines
    assert not any("founded the coalition" in line for line in lines)


def test_filtering_by_person_and_by_dates(world: World) -> None:
    later_work(world)

    by_bo = summaries(audit_page(world, f"?actor={world.users['bo']}"))
    since = summaries(audit_page(world, "?since=2027-02-01"))
    until = summaries(audit_page(world, "?until=2027-01-15"))
    between = summaries(audit_page(world, "?since=2027-01-16&until=2027-02-09"))

    assert by_bo and all(line.startswith(("River Watch", "Bo Nowak")) for line in by_bo)
    assert len(since) == 3 and since[0].startswith("Ana Pop recorded “Two field officers” of River Watch as fulfilled")
    assert len(until) == 7 and not any("fulfilled" in line for line in until)
    assert between == [] and "No event matches these filters." in audit_page(
        world, "?since=2027-01-16&until=2027-02-09"
    )


@pytest.mark.parametrize(
    "query,message",
    [
        ("?since=2027-13-45", "Write the date as year-month-day, for example 2027-03-31."),
        ("?until=last+week", "Write the date as year-month-day"),
        ("?type=Nonsense", "Choose a kind of event from the list."),
        ("?organisation_id=nowhere", "Choose an organisation from the list."),
        ("?actor=someone", "Choose a person from the list."),
        ("?since=2027-02-01&until=2027-01-01", "The end date must be on or after the start date."),
        ("?until=9999-12-31", "between the years 1 and 9998"),
        ("?before=zero", "This link to another page of the history is broken"),
        ("?after=-1", "This link to another page of the history is broken"),
        ("?before=5&after=2", "This link to another page of the history is broken"),
        ("?as_of=2027-01-16", "2027-01-16 is in the future: the history ends today, 2027-01-15."),
        ("?as_of=soon", "Write the date as year-month-day"),
    ],
)
def test_bad_filters_answer_400_saying_what_to_fix(world: World, query: str, message: str) -> None:
    response = signed_in(world, "ana").get(f"{world.path}/audit{query}")

    assert response.status_code == 400 and message in text(response)
    assert 'aria-invalid="true"' in text(response) or "before" in query or "after" in query
    assert summaries(text(response)) == []


def link(page: str, name: str) -> str:
    """The href of the pager link named `name` (the first, at the top of the list)."""
    found = re.search(r'<a href="([^"]+)"[^>]*>[«‹ ]*' + name, page)
    assert found, f"no {name} link"
    return found.group(1).replace("&amp;", "&")


def test_a_name_typed_into_the_address_filters_a_page_with_menus_too(world: World) -> None:
    typed = audit_page(world, "?organisation=river")
    response = signed_in(world, "ana").get(f"{world.path}/audit?organisation=zz")

    assert summaries(typed) == summaries(audit_page(world, f"?organisation_id={world.river}"))
    assert f'<option selected value="{world.river}">River Watch</option>' in typed
    assert response.status_code == 400
    assert 'aria-describedby="organisation_id-errors" aria-invalid="true" id="organisation_id"' in text(response)
    assert "No organisation here has “zz” in its name." in text(response)


def test_the_history_pages_newest_first_with_newer_older_newest_and_oldest_links(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = summaries(audit_page(world))  # 7 events: pages of 3, 3 and 1
    monkeypatch.setattr(audit_common, "PER_PAGE", 3)
    client = signed_in(world, "ana")

    first = text(client.get(f"{world.path}/audit"))
    second = text(client.get(link(first, "Older")))
    last = text(client.get(link(second, "Older")))
    oldest = text(client.get(link(first, "Oldest")))
    back = text(client.get(link(last, "Newer")))

    assert summaries(first) == everything[:3] and "7 events match." in first
    assert "Newer" not in first and "Newest" not in first  # the first page is the newest
    assert summaries(second) == everything[3:6] and "Newer" in second and "Oldest" in second
    assert summaries(last) == everything[6:] and "Older" not in last and "Oldest" not in last
    assert summaries(oldest) == everything[4:]  # the three oldest, still newest first
    assert summaries(back) == everything[3:6]  # the three just newer than the last page
    assert summaries(text(client.get(link(back, "Newest")))) == everything[:3]


def test_paging_keeps_the_filters_and_the_as_of_day(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    later_work(world)
    everything = summaries(audit_page(world, "?until=2027-02-10&as_of=2027-01-15"))
    monkeypatch.setattr(audit_common, "PER_PAGE", 3)
    client = signed_in(world, "ana")

    first = text(client.get(f"{world.path}/audit?until=2027-02-10&as_of=2027-01-15"))
    older = link(first, "Older")
    second = text(client.get(older))

    assert len(everything) == 7  # the as-of day cut the three events of LATER
    assert "until=2027-02-10" in older and "as_of=2027-01-15" in older and "before=" in older
    assert summaries(first) == everything[:3] and summaries(second) == everything[3:6]
    assert "as_of=2027-01-15" in link(second, "Newer") and "until=2027-02-10" in link(second, "Oldest")
    assert "Events up to the end of Jan 15, 2027, newest first" in first


def test_a_cursor_past_the_end_shows_no_event_and_the_way_back(world: World) -> None:
    page = audit_page(world, "?before=1")

    assert summaries(page) == [] and "No event on this page." in page and "Newest" in page


def test_the_as_of_day_cuts_the_history_and_links_the_standing_then(world: World) -> None:
    later_work(world)

    page = audit_page(world, "?as_of=2027-01-31")
    future = signed_in(world, "ana").get(f"{world.path}/audit?as_of=2027-02-11")

    assert len(summaries(page)) == 7 and not any("fulfilled" in line for line in summaries(page))
    assert f'href="/coalitions/{world.coalition}/audit/as-of?date=2027-01-31"' in page
    assert "Standing and responsibilities as of Jan 31, 2027" in page
    assert future.status_code == 400 and "2027-02-11 is in the future" in text(future)  # the clock is on LATER


def test_the_history_is_for_facilitators_only(world: World) -> None:
    assert signed_in(world, "bo").get(f"{world.path}/audit").status_code == 403  # a member, not a facilitator
    assert signed_in(world, "olli").get(f"{world.path}/audit").status_code == 403  # not a member
    assert signed_in(world, "ana").get("/coalitions/nope/audit").status_code == 404
    anonymous = world.api.app.test_client().get(f"{world.path}/audit")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_page_links_to_the_csv_the_as_of_view_and_each_members_history_above_the_events(world: World) -> None:
    page = audit_page(world, f"?type=TaskCreated&organisation_id={world.river}")
    events = page.index('<table class="audit-log">')

    csv_link = f'href="/coalitions/{world.coalition}/audit.csv?organisation_id={world.river}&amp;type=TaskCreated"'
    assert csv_link in page and csv_link[:-1] + '&amp;excel=1"' in page
    assert page.index(f'href="/coalitions/{world.coalition}/audit/as-of"') < events
    assert page.index(f'action="/coalitions/{world.coalition}/audit/member"') < events
    assert page.index(f'<option value="{world.green}">Green Earth</option>') < events
    assert page.index('name="as_of"') < events and page.index('name="organisation_id"') < events


def test_the_member_picker_opens_the_members_history_keeping_the_as_of_day(world: World) -> None:
    client = signed_in(world, "ana")

    picked = client.get(f"{world.path}/audit/member?organisation_id={world.river}&as_of=2027-01-15")
    bad = client.get(f"{world.path}/audit/member?organisation_id=nowhere")
    none = client.get(f"{world.path}/audit/member")

    assert picked.status_code == 302
    assert picked.headers["Location"] == f"/coalitions/{world.coalition}/members/{world.river}/history?as_of=2027-01-15"
    assert bad.status_code == 400 and "Choose an organisation from the list." in text(bad)
    assert none.status_code == 400
    assert signed_in(world, "bo").get(f"{world.path}/audit/member?organisation_id={world.river}").status_code == 403


# -- CSV --------------------------------------------------------------------------------------------


def test_the_csv_export_has_the_apis_columns_and_hashes_newest_first_named_after_the_coalition(world: World) -> None:
    later_work(world)

    response = signed_in(world, "ana").get(f"{world.path}/audit.csv?type=CommitmentPledged")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="danube-rivers-coalition-audit-2027-02-10.csv"'
    )
    assert not response.data.startswith(b"\xef\xbb\xbf")  # no signature unless asked for
    table = list(csv.reader(io.StringIO(text(response))))
    assert tuple(table[0]) == (*CSV_COLUMNS, "hash")
    assert [row[2] for row in table[1:]] == ["CommitmentPledged", "CommitmentPledged"]
    assert [int(row[0]) for row in table[1:]] == sorted((int(row[0]) for row in table[1:]), reverse=True)
    assert table[1][-2] == "River Watch pledged funding: “A policy analyst”, due 2027-09-01"
    with services(world.api.app).engine.connect() as connection:
        hashes = {row.position: row.hash for row in connection.execute(select(events.c.position, events.c.hash))}
    assert all(row[-1] == hashes[int(row[0])] and len(row[-1]) == 64 for row in table[1:])
    api = world.api.call("GET", f"{world.path}/events.csv?type=CommitmentPledged", world.who("ana"))
    api_rows = list(csv.reader(io.StringIO(text(api))))
    assert [row[:-1] for row in table[1:]] == api_rows[1:][::-1]  # the API's rows, newest first


def test_the_csv_for_excel_starts_with_a_utf8_signature_and_keeps_the_filters(world: World) -> None:
    later_work(world)
    client = signed_in(world, "ana")

    excel = client.get(f"{world.path}/audit.csv?type=CommitmentPledged&as_of=2027-01-31&excel=1")
    plain = client.get(f"{world.path}/audit.csv?type=CommitmentPledged&as_of=2027-01-31")

    assert excel.status_code == 200 and excel.data.startswith(b"\xef\xbb\xbf")
    assert excel.data[3:] == plain.data
    assert "charset=utf-8" in excel.headers["Content-Type"]
    table = list(csv.reader(io.StringIO(text(plain))))
    assert len(table) == 2 and "Two field officers" in table[1][-2]  # the as-of day left out the later pledge


def test_the_csv_is_for_facilitators_and_refuses_bad_filters(world: World) -> None:
    assert signed_in(world, "bo").get(f"{world.path}/audit.csv").status_code == 403
    assert signed_in(world, "olli").get(f"{world.path}/audit.csv").status_code == 403
    bad = signed_in(world, "ana").get(f"{world.path}/audit.csv?since=soon")
    assert bad.status_code == 400 and bad.mimetype == "text/html" and "Write the date as" in text(bad)


# -- as of a date -----------------------------------------------------------------------------------


def as_of(world: World, day: str, person: str = "ana", status: int = 200) -> str:
    response = signed_in(world, person).get(f"{world.path}/audit/as-of?date={day}")
    assert response.status_code == status, text(response)
    return text(response)


def test_as_of_a_date_shows_the_commitments_pledged_by_then(world: World) -> None:
    later_work(world)

    before = as_of(world, "2027-01-20")
    after = as_of(world, "2027-02-10")

    assert "Two field officers" in before and "A policy analyst" not in before
    assert "Two field officers" in after and "A policy analyst" in after
    assert "Sample ten sites" in before and "Monitor water quality at 40 sites" in before
    assert "Standing at the end of Jan 20, 2027" in before and "good standing" in before
    # the organisations with work each have a table; those without are named on one line, with no heading
    assert '<h3 id="audit-work-1">River Watch</h3>' in before and ">Green Earth</h3>" not in before
    assert "Without a commitment or task then: Green Earth." in before


def test_as_of_shows_standing_as_it_was_then(world: World) -> None:
    at(world.api, datetime(2027, 6, 1, tzinfo=UTC))  # today the pledge (due 2027-03-31) is long overdue

    then = as_of(world, "2027-04-01")

    assert "needs attention" in then and "one item overdue by 1 day" in then
    assert "lapsed" in as_of(world, "2027-06-01")


def test_as_of_before_the_coalition_existed_or_in_the_future_says_so(world: World) -> None:
    assert "The coalition did not exist yet at the end of Jan 14, 2027" in as_of(world, "2027-01-14")
    assert "Two field officers" not in as_of(world, "2027-01-14")
    assert "is in the future: the history ends today, 2027-01-15" in as_of(world, "2027-01-16", status=400)
    assert "Write the date as year-month-day" in as_of(world, "tomorrow", status=400)
    assert "Standing at the end" not in as_of(world, "")  # no date yet: only the form


def test_as_of_is_for_facilitators_only(world: World) -> None:
    as_of(world, "2027-01-15", person="bo", status=403)
    as_of(world, "2027-01-15", person="olli", status=403)
    assert signed_in(world, "ana").get("/coalitions/nope/audit/as-of").status_code == 404


# -- a member's commitment history --------------------------------------------------------------------


def test_a_members_history_shows_each_commitment_and_task_with_every_change(world: World) -> None:
    later_work(world)

    page = text(signed_in(world, "ana").get(f"{world.path}/members/{world.river}/history"))

    assert "Commitment history of River Watch" in page and "good standing" in page
    assert page.index("A policy analyst") < page.index("Two field officers")  # newest first
    start = page.index("<h3", page.index("Two field officers") - 60)
    first = page[start : page.index("</article>", start)]
    assert ["Commitment pledged", "Commitment rescheduled", "Commitment fulfilled"] == re.findall(
        r"<strong>([^<]+)</strong>", first
    )
    assert "The boat is in repair" in first and "Seen on site" in first and "May 31, 2027" in first
    assert "by Ana Pop for Green Earth" in first and "by Bo Nowak for River Watch" in first
    assert "Sample ten sites" in page and "Task created" in page
    assert "serves the commitment: Two field officers" in page


def test_a_members_history_leaves_out_what_its_people_did_to_others_work(world: World) -> None:
    later_work(world)  # Ana, for Green Earth, fulfilled River Watch's pledge

    page = text(signed_in(world, "ana").get(f"{world.path}/members/{world.green}/history"))

    assert "Commitment history of Green Earth" in page and "Two field officers" not in page
    assert "This organisation has pledged nothing in this coalition." in page


def test_a_members_own_people_may_read_its_history_and_no_one_elses(world: World) -> None:
    bo = signed_in(world, "bo")

    assert bo.get(f"{world.path}/members/{world.river}/history").status_code == 200
    assert bo.get(f"{world.path}/members/{world.green}/history").status_code == 403
    assert signed_in(world, "olli").get(f"{world.path}/members/{world.river}/history").status_code == 403
    assert signed_in(world, "ana").get(f"{world.path}/members/{world.oak}/history").status_code == 404
    assert signed_in(world, "ana").get(f"/coalitions/nope/members/{world.river}/history").status_code == 404
    anonymous = world.api.app.test_client().get(f"{world.path}/members/{world.river}/history")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def member_page(world: World, query: str = "", person: str = "ana", status: int = 200) -> str:
    response = signed_in(world, person).get(f"{world.path}/members/{world.river}/history{query}")
    assert response.status_code == status, text(response)
    return text(response)


def test_a_members_history_as_of_a_day_shows_its_work_and_standing_then(world: World) -> None:
    later_work(world)

    then = member_page(world, "?as_of=2027-01-31")
    now = member_page(world)

    assert "A policy analyst" not in then and "Two field officers" in then  # pledged on LATER
    assert "Commitment fulfilled" not in then and "Commitment rescheduled" not in then
    assert "At the end of Jan 31, 2027:" in then and "good standing" in then
    assert "A policy analyst" in now and "Commitment fulfilled" in now and "At the end of" not in now
    assert 'value="2027-01-31"' in then
    assert f"/members/{world.river}/history.csv?as_of=2027-01-31" in then


def test_a_members_history_follows_a_task_handed_to_another_member_and_knows_where_it_was_then(
    world: World,
) -> None:
    """The page reads the member's rows and those of where its work went, not the whole coalition's: a task
    reassigned away is still listed, with its title and the organisation holding it now; as of a day before the
    handover, with no other holder."""
    at(world.api, LATER)
    world.ok(
        "POST",
        f"{world.path}/tasks/{world.task}/reassign",
        "ana",
        {"organisation_id": world.green, "assignee_email": world.email("ana"), "reason": "River Watch is full"},
    )

    now = member_page(world)
    then = member_page(world, "?as_of=2027-01-31")

    assert "Sample ten sites" in now and "now with Green Earth" in now and "Task reassigned" in now
    assert "Sample ten sites" in then and "now with" not in then and "Task reassigned" not in then


def test_the_holders_of_a_members_work_are_read_a_chunk_of_ids_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections import coalition_rows
    from tests.e2e.conftest import services

    second = later_work(world)
    world.ok(
        "POST",
        f"{world.path}/tasks/{world.task}/reassign",
        "ana",
        {"organisation_id": world.green, "assignee_email": world.email("ana"), "reason": "River Watch is full"},
    )
    ids = ([world.commitment, second, "no-such-commitment"], [world.task])
    with services(world.api.app).engine.connect() as connection:
        whole = coalition_rows.work_owners(connection, world.coalition, None, *ids)
        monkeypatch.setattr(coalition_rows, "IN_LIST", 1)
        chunked = coalition_rows.work_owners(connection, world.coalition, None, *ids)

    assert whole == chunked == {world.river, world.green}


def test_a_members_history_before_the_coalition_or_in_the_future(world: World) -> None:
    before = member_page(world, "?as_of=2026-12-31")
    future = member_page(world, "?as_of=2027-02-01", status=400)
    broken = member_page(world, "?before=x", status=400)

    assert "At the end of Dec 31, 2026 it was not yet a member." in before
    assert "This organisation has pledged nothing in this coalition." in before
    assert "2027-02-01 is in the future" in future and "Two field officers" not in future
    assert "This link to another page of the history is broken." in broken


def test_a_members_history_pages_its_commitments_and_tasks_newest_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    later_work(world)  # River Watch: two commitments and one task
    monkeypatch.setattr(audit_common, "PER_PAGE", 2)

    first = member_page(world, "?as_of=2027-02-10")
    older = link(first, "Older")
    second = text(signed_in(world, "ana").get(older))

    titles = [re.findall(r'<h3 id="audit-[ct]-\d+">([^<]+)</h3>', page) for page in (first, second)]
    assert titles == [["A policy analyst", "Sample ten sites"], ["Two field officers"]]
    assert "as_of=2027-02-10" in older and "before=" in older
    assert "Newer" in second and "Older" not in second
    assert "3 commitments and tasks, newest first." in first


def test_a_members_history_as_csv_newest_first_with_hashes_and_as_of(world: World) -> None:
    later_work(world)
    bo = signed_in(world, "bo")  # River Watch's own people may download it too

    response = bo.get(f"{world.path}/members/{world.river}/history.csv")
    then = bo.get(f"{world.path}/members/{world.river}/history.csv?as_of=2027-01-31&excel=1")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="danube-rivers-coalition-river-watch-history-2027-02-10.csv"'
    )
    table = list(csv.reader(io.StringIO(text(response))))
    assert tuple(table[0]) == (*CSV_COLUMNS, "hash")
    positions = [int(row[0]) for row in table[1:]]
    assert positions == sorted(positions, reverse=True) and len(table[1][-1]) == 64
    assert [row[2] for row in table[1:]][:2] == ["CommitmentFulfilled", "CommitmentRescheduled"]
    assert "TaskCreated" in [row[2] for row in table[1:]]
    assert then.data.startswith(b"\xef\xbb\xbf")
    then_types = [row[2] for row in csv.reader(io.StringIO(then.data[3:].decode()))][1:]
    assert "CommitmentFulfilled" not in then_types and "CommitmentPledged" in then_types
    assert bo.get(f"{world.path}/members/{world.green}/history.csv").status_code == 403
    assert bo.get(f"{world.path}/members/{world.river}/history.csv?as_of=soon").status_code == 400


# -- in Romanian ----------------------------------------------------------------------------------


def test_the_audit_pages_in_romanian(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    later_work(world)
    monkeypatch.setattr(audit_common, "PER_PAGE", 3)
    client = signed_in(world, "ana")
    ro = {"Accept-Language": "ro"}

    history = text(client.get(f"{world.path}/audit?as_of=2027-01-31", headers=ro))
    member = text(client.get(f"{world.path}/members/{world.river}/history?as_of=2027-01-31", headers=ro))
    broken = text(client.get(f"{world.path}/audit?after=x", headers=ro))

    assert "La sfârșitul zilei de" in history and "Mai vechi" in history and "CSV pentru Excel" in history
    assert "Istoricul angajamentelor" in history and "Deschideți" in history
    assert "Arătați istoricul la acea dată" in member and "Descărcați:" in member
    assert "Acest link către o altă pagină a istoricului este stricat." in broken


def test_hashes_are_read_in_chunks_for_long_histories(world: World) -> None:
    with services(world.api.app).engine.connect() as connection:
        everything = {row.position: row.hash for row in connection.execute(select(events.c.position, events.c.hash))}
        found = hashes(connection, [*range(10_000, 11_200), *everything])  # three chunks, most positions unknown

    assert found == everything
