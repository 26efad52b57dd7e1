"""The audit pages: the filtered history, its CSV export, the coalition as of a date, a member's commitment history."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coalition.reads.reports import CSV_COLUMNS
from coalition.web.pages import audit
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
        ("?before=zero", "This link to older events is broken"),
    ],
)
def test_bad_filters_answer_400_saying_what_to_fix(world: World, query: str, message: str) -> None:
    response = signed_in(world, "ana").get(f"{world.path}/audit{query}")

    assert response.status_code == 400 and message in text(response)
    assert 'aria-invalid="true"' in text(response) or "before" in query
    assert summaries(text(response)) == []


def test_a_long_history_pages_older_events_keeping_the_filters(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = summaries(audit_page(world))
    monkeypatch.setattr(audit, "PER_PAGE", 3)
    client = signed_in(world, "ana")

    first = text(client.get(f"{world.path}/audit?until=2027-01-15"))
    older = re.search(r'href="([^"]+)" rel="next">Older events', first).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    second = text(client.get(older))

    assert "until=2027-01-15" in older and "before=" in older
    assert summaries(first) == everything[:3] and summaries(second) == everything[3:6]
    assert "Newest events" in second and "Older events" in second  # the seventh is on a third page


def test_the_history_is_for_facilitators_only(world: World) -> None:
    assert signed_in(world, "bo").get(f"{world.path}/audit").status_code == 403  # a member, not a facilitator
    assert signed_in(world, "olli").get(f"{world.path}/audit").status_code == 403  # not a member
    assert signed_in(world, "ana").get("/coalitions/nope/audit").status_code == 404
    anonymous = world.api.app.test_client().get(f"{world.path}/audit")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_page_links_to_the_csv_the_as_of_view_and_each_members_history(world: World) -> None:
    page = audit_page(world, f"?type=TaskCreated&organisation_id={world.river}")

    assert f'href="/coalitions/{world.coalition}/audit.csv?organisation_id={world.river}&amp;type=TaskCreated"' in page
    assert f'action="/coalitions/{world.coalition}/audit/as-of"' in page
    assert f'href="/coalitions/{world.coalition}/members/{world.green}/history"' in page
    assert f'href="/coalitions/{world.coalition}/members/{world.river}/history"' in page


# -- CSV --------------------------------------------------------------------------------------------


def test_the_csv_export_has_the_apis_columns_and_the_filtered_rows(world: World) -> None:
    later_work(world)

    response = signed_in(world, "ana").get(f"{world.path}/audit.csv?type=CommitmentPledged&since=2027-02-01")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="coalition-{world.coalition}-history.csv"'
    )
    table = list(csv.reader(io.StringIO(text(response))))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [row[2] for row in table[1:]] == ["CommitmentPledged"]
    assert table[1][-1] == "River Watch pledged funding: “A policy analyst”, due 2027-09-01"
    api = world.api.call("GET", f"{world.path}/events.csv?type=CommitmentPledged&since=2027-02-01", world.who("ana"))
    assert text(response) == text(api)


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
    first = page[page.index("Two field officers") : page.index("A policy analyst")]
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
