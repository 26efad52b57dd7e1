"""The reads that do not grow with the coalition (the home, the members page, the API standing) give what the reads
of the whole coalition gave, through every event that changes what they rest on and as days pass; the open-work
facts the projection keeps (`coalition_open_work`) are the rows' own, after a rebuild too. On every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from coalition.reads.paging import keyset
from coalition.reads.standing import HOME_RANK, Moment, for_home, page_of_standing, snapshot, standing
from coalition.reads.statement_standing import listed
from coalition.reads.statements import counts
from projections.coalition_rows import member_states
from projections.coalition_work import open_work
from tests.e2e.conftest import CopyWorlds, services
from tests.e2e.test_pages_statement_standing import opened
from tests.e2e.world import World

DAY = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)  # the world's commitment is due 2027-03-31, its task 2027-04-30
#: Days on which every read is compared: before anything is due, a day late, thirty-one days late, months late.
DAYS = (date(2027, 1, 15), date(2027, 4, 1), date(2027, 5, 1), date(2027, 7, 1))


@pytest.fixture
def world(worlds: CopyWorlds) -> World:
    """The world as recorded on DAY, copied; the app's clock stays on DAY."""
    return worlds(built_on=DAY)[""]


def open_work_now(w: World) -> dict[str, tuple[int, date]]:
    """The projection's open-work facts of the world's coalition, by organisation."""
    with services(w.api.app).engine.connect() as connection:
        rows = connection.execute(select(open_work).where(open_work.c.coalition_id == w.coalition)).mappings()
        return {r["organisation_id"]: (r["items"], r["earliest_due_on"]) for r in rows}


def open_work_of_rows(w: World) -> dict[str, tuple[int, date]]:
    """The same facts counted here from the commitment and task rows as they are (not closed: no `closed_on`)."""
    with services(w.api.app).engine.connect() as connection:
        snap = snapshot(connection, w.coalition, Moment(None, DAY.date()))
    found: dict[str, list[date]] = {}
    for row in [*snap.commitments, *snap.tasks]:
        if row["closed_on"] is None:
            found.setdefault(row["organisation_id"], []).append(row["due_on"])
    return {o: (len(due), min(due)) for o, due in found.items()}


def home_of_everything(w: World, day: date, mine: set[str], limit: int) -> list[tuple[str, str]]:
    """What the home lists, worked out here from every member's standing (the read of the whole coalition): the
    reader's organisations first, then lapsed, then needing attention, then the rest, each in the order of the
    rows; of the members not in good standing, when there are more than `limit`, the suspended and then the
    longest overdue (by the policy's `days_overdue`) are the ones shown. (organisation, level) each."""
    with services(w.api.app).engine.connect() as connection:
        members = standing(snapshot(connection, w.coalition, Moment(None, day), statements=True))
    others = [m for m in members if m["organisation_id"] not in mine]
    late = [m for m in others if m["level"] != "good"]
    urgent = sorted(late, key=lambda m: (0, 0) if m["membership"]["state"] == "suspended" else (1, -m["days_overdue"]))
    good = [m for m in others if m["level"] == "good"]
    pool = {m["organisation_id"] for m in [*urgent[:limit], *good[:limit]]} | mine
    ordered = sorted(
        (m for m in members if m["organisation_id"] in pool),
        key=lambda m: 0 if m["organisation_id"] in mine else HOME_RANK.get(m["level"], len(HOME_RANK) + 1),
    )
    return [(m["organisation_id"], m["level"]) for m in ordered[:limit]]


def agrees(w: World) -> None:
    """Every narrowed read equals the read of the whole coalition, on each of DAYS; the facts equal the rows'."""
    assert open_work_now(w) == open_work_of_rows(w)
    people = {None: set(), "river": {w.river}, "green": {w.green}, "oak": {w.oak}}
    with services(w.api.app).engine.connect() as connection:
        for day in DAYS:
            for mine in people.values():
                for limit in (1, 2, 50):
                    _, shown = for_home(connection, w.coalition, day, mine, limit)
                    assert [(m["organisation_id"], m["level"]) for m in shown] == home_of_everything(
                        w, day, mine, limit
                    ), (day, mine, limit)
            whole = standing(snapshot(connection, w.coalition, Moment(None, day), statements=True))
            for limit in (1, 2, 100):
                after, paged = None, []
                while True:
                    _, page = page_of_standing(connection, w.coalition, Moment(None, day), after, limit)
                    reference = keyset(whole, lambda m: str(m["organisation_id"]), after, limit)
                    assert page.items == reference.items and page.total == reference.total
                    assert page.next_after == reference.next_after
                    paged += page.items
                    if page.next_after is None:
                        break
                    after = page.next_after
                assert paged == sorted(whole, key=lambda m: str(m["organisation_id"]))


def check_agrees(w: World) -> None:
    """`flask projections check`: the coalitions projection's tables, open work too, equal a rebuild from the log."""
    checked = {c.table: c for c in services(w.api.app).runner.check(["coalitions"])}
    assert "coalition_open_work" in checked
    assert all(c.agrees for c in checked.values()), [c for c in checked.values() if not c.agrees]


def step(w: World, method: str, path: str, person: str, body: Any = None) -> None:
    w.ok(method, f"{w.path}{path}", person, body if body is not None else {})
    agrees(w)


def pledge(w: World, person: str, organisation: str, due_on: str) -> str:
    body = {"organisation_id": organisation, "kind": "funding", "description": "Money", "due_on": due_on}
    found: str = w.ok("POST", f"{w.path}/commitments", person, body)["id"]
    agrees(w)
    return found


def task(w: World, organisation: str, assignee: str, due_on: str) -> str:
    body = {
        "title": "Report",
        "description": "Write it",
        "organisation_id": organisation,
        "assignee_email": w.email(assignee),
        "due_on": due_on,
    }
    found: str = w.ok("POST", f"{w.path}/tasks", "ana", body)["id"]
    agrees(w)
    return found


def test_the_open_work_facts_start_as_the_rows_say(world: World) -> None:
    assert open_work_now(world) == {world.river: (2, date(2027, 3, 31))}
    agrees(world)
    check_agrees(world)


def test_a_due_date_passing_changes_the_verdict_not_the_facts(world: World) -> None:
    facts = open_work_now(world)
    levels = {}
    with services(world.api.app).engine.connect() as connection:
        for day in DAYS:
            _, shown = for_home(connection, world.coalition, day, set(), 50)
            levels[day] = {m["organisation_id"]: m["level"] for m in shown}[world.river]
    assert levels == {DAYS[0]: "good", DAYS[1]: "attention", DAYS[2]: "lapsed", DAYS[3]: "lapsed"}
    assert open_work_now(world) == facts  # nothing recorded: the facts are the same, the day read is not


def test_every_event_on_work_and_membership_keeps_the_facts_and_the_narrowed_reads_right(world: World) -> None:
    w = world
    # Oak joins and pledges; Green Earth pledges; a task for Oak, accepted
    step(w, "POST", "/members", "olli", {"organisation_id": w.oak})
    step(w, "POST", f"/members/{w.oak}/approve", "ana")
    oak_pledge = pledge(w, "olli", w.oak, "2027-02-01")
    green_pledge = pledge(w, "ana", w.green, "2027-03-01")
    oak_task = task(w, w.oak, "olli", "2027-02-15")
    step(w, "POST", f"/tasks/{oak_task}/accept", "olli")
    assert open_work_now(w)[w.oak] == (2, date(2027, 2, 1))
    # fulfilled, rescheduled, reassigned (the task moves from River Watch to Oak)
    step(w, "POST", f"/commitments/{w.commitment}/fulfil", "bo", {"note": "Contracts on file"})
    assert open_work_now(w)[w.river] == (1, date(2027, 4, 30))
    step(w, "POST", f"/commitments/{oak_pledge}/reschedule", "olli", {"due_on": "2027-05-15", "reason": "Late"})
    assert open_work_now(w)[w.oak] == (2, date(2027, 2, 15))
    step(
        w,
        "POST",
        f"/tasks/{w.task}/reassign",
        "ana",
        {"organisation_id": w.oak, "assignee_email": w.email("olli"), "reason": "River Watch is full"},
    )
    assert w.river not in open_work_now(w) and open_work_now(w)[w.oak] == (3, date(2027, 2, 15))
    # suspended and reinstated: the facts stay, the verdict (lapsed while suspended) is the policy's
    step(w, "POST", f"/members/{w.oak}/suspend", "ana", {"reason": "Missed three calls"})
    with services(w.api.app).engine.connect() as connection:
        _, shown = for_home(connection, w.coalition, DAYS[0], set(), 50)
    assert shown[0]["organisation_id"] == w.oak and shown[0]["level"] == "lapsed"
    step(w, "POST", f"/members/{w.oak}/reinstate", "ana", {"reason": "Back on track"})
    # completed, dropped, withdrawn
    step(w, "POST", f"/tasks/{oak_task}/complete", "olli", {"note": "Sent"})
    step(w, "POST", f"/tasks/{w.task}/drop", "ana", {"reason": "Not needed"})
    step(w, "POST", f"/commitments/{green_pledge}/withdraw", "ana", {"reason": "Budget cut"})
    assert open_work_now(w) == {w.oak: (1, date(2027, 5, 15))}
    # Oak leaves, its last commitment withdrawn as it goes; River Watch leaves with nothing open
    body = {"reason": "Merging", "dispositions": [{"item": oak_pledge, "action": "withdraw", "reason": "We merge"}]}
    step(w, "POST", f"/members/{w.oak}/leave", "olli", body)
    step(w, "POST", f"/members/{w.river}/leave", "bo", {"reason": "Done", "dispositions": []})
    assert open_work_now(w) == {}
    check_agrees(w)


def test_a_rebuild_gives_the_open_work_the_events_gave(world: World) -> None:
    pledge(world, "ana", world.green, "2027-02-01")
    before = open_work_now(world)
    services(world.api.app).runner.rebuild(["coalitions"])
    assert open_work_now(world) == before == open_work_of_rows(world)
    check_agrees(world)


def test_more_late_members_than_the_home_shows_the_suspended_and_the_longest_late_first(world: World) -> None:
    w = world
    w.ok("POST", f"{w.path}/members", "olli", {"organisation_id": w.oak})
    w.ok("POST", f"{w.path}/members/{w.oak}/approve", "ana")
    pledge(w, "olli", w.oak, "2027-03-20")  # Oak is late before River Watch (due 2027-03-31)
    pledge(w, "ana", w.green, "2027-03-25")
    with services(w.api.app).engine.connect() as connection:
        _, shown = for_home(connection, w.coalition, date(2027, 4, 1), set(), 2)
        assert [m["organisation_id"] for m in shown] == [w.green, w.oak]  # River Watch, the least late, is left out
        assert {m["level"] for m in shown} == {"attention"}
    w.ok("POST", f"{w.path}/members/{w.river}/suspend", "ana", {"reason": "Missed three calls"})
    with services(w.api.app).engine.connect() as connection:
        _, shown = for_home(connection, w.coalition, date(2027, 4, 1), set(), 2)
    assert [(m["organisation_id"], m["level"]) for m in shown] == [(w.river, "lapsed"), (w.oak, "attention")]


def counted_row_by_row(w: World) -> dict[str, int]:
    """Each statement's count as the home counted it before: `policy.counts` asked of every signature row."""
    with services(w.api.app).engine.connect() as connection:
        states = member_states(connection, w.coalition)
        return {
            row["statement_id"]: sum(counts(s, row["version_hash"], states) for s in row["signatures"])
            for row in listed(connection, w.coalition, DAY)
        }


def counted_by_home(w: World, organisations: list[str] | None = None) -> dict[str, int]:
    with services(w.api.app).engine.connect() as connection:
        return {row["statement_id"]: row["counted"] for row in listed(connection, w.coalition, DAY, organisations)}


def test_the_home_statement_counts_ask_the_policy_of_the_same_facts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world
    path = opened(w, threshold=2, deadline="2027-06-30T17:00:00+00:00")
    sid = path.rsplit("/", 1)[1]
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    assert counted_by_home(w) == counted_row_by_row(w) == {sid: 1}
    with services(w.api.app).engine.connect() as connection:
        (mine,) = listed(connection, w.coalition, DAY, [w.green])
    assert mine["signatures"] == [] and mine["counted"] == 1  # only the reader's organisations' rows come along
    w.ok("POST", f"{w.path}/members/{w.river}/suspend", "ana", {"reason": "Missed three calls"})
    assert counted_by_home(w) == counted_row_by_row(w) == {sid: 1}  # the rule does not look at the state today
    # a rule that did would be asked with the signer's state: the count follows the policy, not the query
    from coalition.domain import policy

    rule = policy.counts
    monkeypatch.setattr(
        policy, "counts", lambda v, withdrawn, current, state=None: rule(v, withdrawn, current) and state == "active"
    )
    assert counted_by_home(w) == counted_row_by_row(w) == {sid: 0}
