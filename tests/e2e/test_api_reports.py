"""Standing, shared responsibilities and the audit history through the API, now and as of the past."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coalition import create_app
from coalition.reads.standing import Moment, resolve, responsibilities, snapshot, standing
from events import export_events, import_events
from events.schema import events
from tests.e2e.conftest import CopyWorlds, migrate, services
from tests.e2e.test_api_coalitions import at
from tests.e2e.world import TEST_CONFIG, World, error_of

DAY = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)  # the world is built on this day; its work is due in spring 2027


@pytest.fixture
def world(worlds: CopyWorlds) -> World:
    """The world as recorded on DAY (once per session), copied; the app's clock stays on DAY."""
    return worlds(built_on=DAY)[""]


def standing_of(w: World, **query: str) -> dict[str, dict]:
    suffix = "".join(f"{'?' if i == 0 else '&'}{k}={v}" for i, (k, v) in enumerate(query.items()))
    return {m["name"]: m for m in w.ok("GET", f"{w.path}/standing{suffix}", "ana")["members"]}


# -- standing ---------------------------------------------------------------------------------------


def test_standing_is_good_while_nothing_is_overdue(world: World) -> None:
    river = standing_of(world)["River Watch"]

    assert (river["level"], river["reason"]) == ("good", "nothing overdue")
    assert river["membership"]["state"] == "active"
    assert river["commitments"]["pledged"]["count"] == 1 and river["tasks"]["open"]["count"] == 1
    assert [r["role"] for r in river["roles"]] == ["liaison"] and river["roles"][0]["name"] == "Lia Kowal"


@pytest.mark.parametrize(
    "day,level,days",
    [
        (datetime(2027, 4, 1, tzinfo=UTC), "attention", 1),  # the commitment (due 2027-03-31) is a day late
        (datetime(2027, 4, 30, tzinfo=UTC), "attention", 30),  # thirty days late is still attention
        (datetime(2027, 5, 1, tzinfo=UTC), "lapsed", 31),  # more than thirty is lapsed
    ],
)
def test_overdue_work_turns_standing_to_attention_then_lapsed(
    world: World, day: datetime, level: str, days: int
) -> None:
    at(world.api, day)

    river = standing_of(world)["River Watch"]

    assert (river["level"], river["days_overdue"]) == (level, days)
    assert river["commitments"]["overdue"]["count"] == 1


def test_fulfilled_or_withdrawn_work_is_never_overdue(world: World) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Hired"})
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Merged into another"})
    at(world.api, datetime(2027, 12, 1, tzinfo=UTC))

    river = standing_of(world)["River Watch"]

    assert river["level"] == "good"
    assert river["commitments"]["fulfilled"]["count"] == 1 and river["commitments"]["overdue"]["count"] == 0


def test_a_suspended_member_is_lapsed_with_the_reason(world: World) -> None:
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed three calls"})

    river = standing_of(world)["River Watch"]

    assert (river["level"], river["reason"]) == ("lapsed", "suspended: Missed three calls")


def test_every_figure_lists_the_positions_of_the_events_behind_it(world: World) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Hired"})
    river = standing_of(world)["River Watch"]
    store = services(world.api.app).store

    [pledged] = river["commitments"]["pledged"]["positions"]
    [fulfilled] = river["commitments"]["fulfilled"]["positions"]
    [task] = river["tasks"]["open"]["positions"]
    events = {e.position: e for e in store.read_all()}
    assert events[pledged].type == "CommitmentPledged" and events[fulfilled].type == "CommitmentFulfilled"
    assert events[task].type == "TaskCreated" and events[river["membership"]["position"]].type == "MembershipApproved"
    assert events[river["roles"][0]["position"]].type == "RoleAssigned"


def test_standing_as_of_a_position_date_or_date_time(world: World) -> None:
    before_fulfilment = services(world.api.app).store.head()[0]
    at(world.api, datetime(2027, 2, 1, 12, 0, tzinfo=UTC))
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Hired"})
    at(world.api, datetime(2027, 6, 1, tzinfo=UTC))

    for as_of in (str(before_fulfilment), "2027-01-31", "2027-02-01T11:59:59Z"):
        then = standing_of(world, as_of=as_of)["River Watch"]
        assert then["commitments"]["fulfilled"]["count"] == 0, as_of
    assert standing_of(world, as_of="2027-02-01")["River Watch"]["commitments"]["fulfilled"]["count"] == 1
    assert standing_of(world)["River Watch"]["commitments"]["fulfilled"]["count"] == 1
    # as of a date, "overdue" is judged on that date: the task due 2027-04-30 was late on 2027-05-05
    world_on = world.ok("GET", f"{world.path}/standing?as_of=2027-05-05", "ana")
    assert world_on["as_of"] == "2027-05-05"
    assert {m["name"]: m["level"] for m in world_on["members"]}["River Watch"] == "attention"


def test_as_of_before_the_coalition_existed_is_empty(world: World) -> None:
    assert world.ok("GET", f"{world.path}/standing?as_of=1", "ana")["members"] == []


@pytest.mark.parametrize(
    "as_of,message",
    [
        ("yesterday", "as_of must be a log position"),
        ("99999", "as_of must be a position from 0"),
        ("2099-01-01", "is in the future"),
    ],
)
def test_a_bad_as_of_says_what_it_takes(world: World, as_of: str, message: str) -> None:
    error = error_of(world.api.call("GET", f"{world.path}/standing?as_of={as_of}", world.who("ana")), 422, "invalid")
    assert message in error["fields"]["as_of"][0]


def test_as_of_a_position_equals_a_replay_of_the_log_up_to_it(world: World, other_database_url: str) -> None:
    """The versioned rows answer "as of P" exactly as a fresh replay of the first P events does."""
    world.ok("POST", f"{world.path}/tasks/{world.task}/accept", "lia")
    world.ok(
        "POST",
        f"{world.path}/commitments/{world.commitment}/reschedule",
        "bo",
        {"due_on": "2027-01-10", "reason": "Early start"},
    )
    source = services(world.api.app)
    cut = source.store.head()[0]
    world.ok("POST", f"{world.path}/tasks/{world.task}/reassign", "ana", {"organisation_id": world.green})
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Quiet"})
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"objectives": [{"id": "o1", "text": "Forty sites"}]})
    out = io.StringIO()
    export_events(source.store, out)
    migrate(other_database_url)
    replayed = create_app({"DATABASE_URL": other_database_url, **TEST_CONFIG})
    try:
        target = services(replayed)
        import_events(target.store, out.getvalue().splitlines(keepends=True)[: cut + 1])  # the header, then events
        target.runner.rebuild()
        with source.engine.connect() as old, target.engine.connect() as new:
            as_of = snapshot(old, world.coalition, resolve(old, str(cut), DAY.date()), statements=True)
            replay = snapshot(new, world.coalition, Moment(None, as_of.moment.day), statements=True)
    finally:
        target.engine.dispose()

    assert standing(as_of) == standing(replay) and responsibilities(as_of) == responsibilities(replay)
    assert standing(as_of)[1]["commitments"]["overdue"]["count"] == 1  # the rescheduled pledge, late by then


# -- responsibilities -------------------------------------------------------------------------------


def test_responsibilities_show_who_does_what_for_each_objective_and_flag_gaps(world: World) -> None:
    grid = world.ok("GET", f"{world.path}/responsibilities", "bo")

    first, second = grid["objectives"]
    assert first["objective_id"] == "o1" and not first["uncovered"]
    assert [c["description"] for c in first["commitments"]] == ["Two field officers"]
    assert [t["title"] for t in first["tasks"]] == ["Sample ten sites"]  # through the commitment it serves
    assert first["organisations"] == [world.river]
    assert second["uncovered"] and grid["uncovered"] == ["o2"]
    assert {o["name"] for o in grid["organisations"]} == {"Green Earth", "River Watch"}


def test_withdrawn_work_leaves_an_objective_uncovered(world: World) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Budget cut"})
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "No commitment left"})

    assert world.ok("GET", f"{world.path}/responsibilities", "ana")["uncovered"] == ["o1", "o2"]


def test_work_serving_no_objective_is_listed_apart(world: World) -> None:
    world.ok(
        "POST",
        f"{world.path}/commitments",
        "bo",
        {"organisation_id": world.river, "kind": "outreach", "description": "Radio spots", "due_on": "2027-09-01"},
    )

    unlinked = world.ok("GET", f"{world.path}/responsibilities", "ana")["unlinked"]
    assert [c["description"] for c in unlinked["commitments"]] == ["Radio spots"]


def test_outsiders_cannot_read_standing_and_unknown_coalitions_are_not_found(world: World) -> None:
    error_of(world.api.call("GET", f"{world.path}/standing", world.who("olli")), 403, "forbidden")
    error_of(world.api.call("GET", "/coalitions/nope/standing", world.who("ana")), 404, "not_found")
    error_of(world.api.call("GET", "/coalitions/nope/events", world.who("ana")), 404, "not_found")


# -- audit history ----------------------------------------------------------------------------------


def history(w: World, query: str = "") -> list[dict]:
    return list(w.ok("GET", f"{w.path}/events{query}", "ana")["events"])


def test_the_history_lists_every_coalition_event_with_a_human_summary(world: World) -> None:
    entries = history(world)

    assert [e["type"] for e in entries] == [
        "CoalitionFounded",
        "RoleAssigned",
        "MembershipRequested",
        "MembershipApproved",
        "RoleAssigned",
        "CommitmentPledged",
        "TaskCreated",
    ]
    summaries = [e["summary"] for e in entries]
    assert summaries[0] == "Ana Pop founded the coalition “Danube Rivers Coalition” for Green Earth"
    assert "Ana Pop made Lia Kowal liaison for River Watch" in summaries
    assert summaries[1] == "Ana Pop became facilitator for Green Earth"
    assert "River Watch pledged staff time: “Two field officers”, due 2027-03-31" in summaries
    assert entries[2]["actor"] == "Bo Nowak" and entries[2]["organisation"] == "River Watch"


def test_the_history_filters_by_organisation_actor_type_and_dates(world: World) -> None:
    at(world.api, datetime(2027, 2, 10, tzinfo=UTC))
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "ana", {"note": "Seen on site"})

    about_river = history(world, f"?organisation_id={world.river}")
    assert "CoalitionFounded" not in {e["type"] for e in about_river}
    assert "CommitmentFulfilled" in {e["type"] for e in about_river}  # done by Ana, about River Watch
    assert {e["actor"] for e in history(world, f"?actor={world.users['bo']}")} == {"Bo Nowak"}
    assert history(world, f"?actor={world.email('bo')}") == history(world, f"?actor={world.users['bo']}")
    assert history(world, "?actor=nobody@example.org") == []
    assert [e["type"] for e in history(world, "?type=TaskCreated,CommitmentFulfilled")] == [
        "TaskCreated",
        "CommitmentFulfilled",
    ]
    assert [e["type"] for e in history(world, "?since=2027-02-01")] == ["CommitmentFulfilled"]
    assert len(history(world, "?until=2027-01-15")) == 7 and history(world, "?until=2027-01-14") == []
    # both ends include what they name: a date its whole day, a date-time its instant
    assert len(history(world, "?until=2027-01-15T10:00:00Z")) == 7
    assert history(world, "?until=2027-01-15T09:59:59.999999Z") == []


def test_filtering_by_organisation_finds_its_removed_roles_and_the_tasks_taken_from_it(world: World) -> None:
    liaison = next(r["role_id"] for r in world.ok("GET", world.path, "ana")["roles"] if r["role"] == "liaison")
    world.ok("DELETE", f"{world.path}/roles/{liaison}", "ana")
    world.ok("POST", f"{world.path}/tasks/{world.task}/reassign", "ana", {"organisation_id": world.green})

    about_river = [e["type"] for e in history(world, f"?organisation_id={world.river}")]

    assert about_river[-2:] == ["RoleRemoved", "TaskReassigned"]
    assert "TaskReassigned" in [e["type"] for e in history(world, f"?organisation_id={world.green}")]
    assert history(world)[-2]["summary"] == "Ana Pop removed the liaison role of Lia Kowal"


@pytest.mark.parametrize(
    "query,field",
    [("?type=Nonsense", "type"), ("?since=last+week", "since"), ("?limit=0", "limit"), ("?colour=red", "colour")],
)
def test_bad_history_filters_say_what_to_fix(world: World, query: str, field: str) -> None:
    error = error_of(world.api.call("GET", f"{world.path}/events{query}", world.who("ana")), 422, "invalid")
    assert field in error["fields"]


def test_the_history_pages_with_after_and_limit(world: World) -> None:
    page = world.ok("GET", f"{world.path}/events?limit=3", "ana")
    rest = world.ok("GET", f"{world.path}/events?after={page['next_after']}", "ana")

    assert len(page["events"]) == 3 and rest["next_after"] is None
    assert [e["position"] for e in page["events"] + rest["events"]] == [e["position"] for e in history(world)]


def test_the_history_pages_newest_first_with_before(world: World) -> None:
    everything = [e["position"] for e in history(world)][::-1]

    first = world.ok("GET", f"{world.path}/events?order=newest&limit=3", "ana")
    second = world.ok("GET", f"{world.path}/events?order=newest&limit=3&before={first['next_before']}", "ana")
    rest = world.ok("GET", f"{world.path}/events?order=newest&before={second['next_before']}", "ana")

    assert [e["position"] for e in first["events"] + second["events"] + rest["events"]] == everything
    assert first["next_after"] is None and rest["next_before"] is None
    with services(world.api.app).engine.connect() as connection:
        cited = {row.position: row.hash for row in connection.execute(select(events.c.position, events.c.hash))}
    assert all(e["hash"] == cited[e["position"]] for e in first["events"])


def test_the_history_before_a_position_oldest_first_and_bad_cursors(world: World) -> None:
    everything = [e["position"] for e in history(world)]

    cut = world.ok("GET", f"{world.path}/events?before={everything[3]}", "ana")
    bad = error_of(world.api.call("GET", f"{world.path}/events?before=0", world.who("ana")), 422, "invalid")
    order = error_of(world.api.call("GET", f"{world.path}/events?order=sideways", world.who("ana")), 422, "invalid")

    assert [e["position"] for e in cut["events"]] == everything[:3] and cut["next_before"] is None
    assert "before" in bad["fields"] and "order" in order["fields"]


@pytest.mark.parametrize(
    "path,headers", [("/events.csv", {}), ("/events?format=csv", {}), ("/events", {"Accept": "text/csv"})]
)
def test_the_history_exports_as_csv(world: World, path: str, headers: dict) -> None:
    response = world.api.call("GET", world.path + path, world.who("ana"), headers=headers)

    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["summary"] for r in rows] == [e["summary"] for e in history(world)]
    assert "attachment" in response.headers["Content-Disposition"]


def test_csv_cells_that_look_like_formulas_are_defused(world: World) -> None:
    world.ok(
        "POST",
        f"{world.path}/commitments",
        "bo",
        {
            "organisation_id": world.river,
            "kind": "funding",
            "description": '=HYPERLINK("http://x")',
            "due_on": "2027-09-01",
        },
    )

    text = world.api.call("GET", f"{world.path}/events.csv", world.who("ana")).get_data(as_text=True)

    last = list(csv.DictReader(io.StringIO(text)))[-1]
    assert not last["summary"].startswith("=") and "HYPERLINK" in last["summary"]


def test_the_read_models_equal_a_fresh_rebuild_row_for_row(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/reassign", "ana", {"organisation_id": world.green})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Budget cut"})
    world.ok("DELETE", f"/organisations/{world.river}/mandates/{world.mandates['mo']}", "bo")
    app_services = services(world.api.app)

    def rows() -> dict[str, list]:
        with app_services.engine.connect() as connection:
            return {
                table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
                for projection in app_services.runner.projections
                for table in projection.tables
            }

    inline = rows()
    app_services.runner.rebuild()

    assert rows() == inline and inline["coalition_tasks"] and inline["coalition_log"]
