"""Indicators on the common objectives through the API: the agreement's unit, baseline and target, recording
progress (and correcting it), and where each objective stands, now and as of a past day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import services
from tests.e2e.world import AGREEMENT, World, error_of

SITES = {"id": "o1", "text": "Monitor water quality at 40 sites", "unit": "sites", "baseline": 0, "target": 40}


def today(world: World) -> date:
    """The day the world's store counts as today (the mandates start on the day the world was built)."""
    return services(world.api.app).store.clock().date()


def day(world: World, offset: int) -> str:
    """The ISO day `offset` days from the world's today."""
    return (today(world) + timedelta(days=offset)).isoformat()


def measured(world: World) -> None:
    """The agreement starts 100 days ago; o1 goes from 0 to 40 sites in 100 days from now (half-way today)."""
    world.ok(
        "PATCH",
        f"{world.path}/agreement",
        "ana",
        {
            "starts_on": day(world, -100),
            "objectives": [{**SITES, "target_date": day(world, 100)}, {"id": "o2", "text": "A brief"}],
        },
    )


def later(world: World, days: int) -> None:
    """Move the world's clock on by `days`."""
    moment = datetime.combine(today(world) + timedelta(days=days), time(12), UTC)
    services(world.api.app).store.clock = lambda: moment


def progress(world: World, person: str, body: dict[str, Any], objective: str = "o1") -> Any:
    return world.api.call("POST", f"{world.path}/objectives/{objective}/progress", world.who(person), body)


def test_a_liaison_records_progress_and_the_objectives_show_it(world: World) -> None:
    measured(world)
    created = progress(world, "lia", {"value": 17, "as_of": day(world, 0), "note": "Summer round"})
    assert created.status_code == 201, created.get_data(as_text=True)

    listed = world.ok("GET", f"{world.path}/objectives", "bo")

    first, second = listed["objectives"]
    indicator = (first["unit"], first["baseline"], first["target"], first["target_date"])
    assert indicator == ("sites", 0, 40, day(world, 100))
    assert first["latest"]["value"] == 17 and first["latest"]["organisation_id"] == world.river
    assert first["latest"]["progress_id"] == created.json["id"]
    assert first["share"] == pytest.approx(0.425)
    assert first["status"] == "on-track"  # half the time gone: 50 % expected, 42.5 % is within the tolerance
    assert (second["status"], second["latest"], second["points"]) == ("unmeasured", None, [])


def test_a_correction_supersedes_and_both_points_stay(world: World) -> None:
    measured(world)
    first = progress(world, "ana", {"value": 30, "as_of": day(world, -1)}).json["id"]
    fixed = progress(world, "ana", {"value": 3, "as_of": day(world, -1), "supersedes": first})
    assert fixed.status_code == 201

    [objective, _] = world.ok("GET", f"{world.path}/objectives", "ana")["objectives"]

    assert [p["value"] for p in objective["points"]] == [30, 3]
    assert objective["points"][0]["superseded_by"] == fixed.json["id"]
    assert (objective["latest"]["value"], objective["status"]) == (3, "behind")


def test_a_facilitators_correction_of_a_liaisons_point_stays_the_organisations(world: World) -> None:
    measured(world)
    first = progress(world, "lia", {"value": 30, "as_of": day(world, -1)}).json["id"]
    fixed = progress(world, "ana", {"value": 13, "as_of": day(world, -1), "supersedes": first})  # no organisation
    assert fixed.status_code == 201, fixed.get_data(as_text=True)

    [objective, _] = world.ok("GET", f"{world.path}/objectives", "ana")["objectives"]

    assert [(p["value"], p["organisation_id"]) for p in objective["points"]] == [(30, world.river), (13, world.river)]
    assert objective["latest"]["organisation_id"] == world.river


def test_the_objectives_as_of_a_past_day(world: World) -> None:
    measured(world)
    progress(world, "ana", {"value": 10, "as_of": day(world, -1)})
    yesterday = day(world, 0)
    later(world, 2)
    progress(world, "ana", {"value": 20, "as_of": day(world, 0)})

    then = world.ok("GET", f"{world.path}/objectives?as_of={yesterday}", "ana")
    now = world.ok("GET", f"{world.path}/objectives", "ana")

    assert then["as_of"] == yesterday and then["objectives"][0]["latest"]["value"] == 10
    assert now["objectives"][0]["latest"]["value"] == 20


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "twelve", "as_of": "DAY"}, "value"),
        ({"value": "12", "as_of": "DAY"}, "value"),
        ({"value": True, "as_of": "DAY"}, "value"),
        ({"value": 1e13, "as_of": "DAY"}, "value"),
        ({"as_of": "DAY"}, "value"),
        ({"value": 1, "as_of": "yesterday"}, "as_of"),
        ({"value": 1}, "as_of"),
        ({"value": 1, "as_of": "DAY", "colour": "red"}, "colour"),
    ],
)
def test_a_malformed_body_is_422_naming_the_field_and_records_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    measured(world)
    body = {k: day(world, -1) if v == "DAY" else v for k, v in body.items()}
    before = world.api.head()
    error = error_of(progress(world, "ana", body), 422, "invalid")
    assert field in error["fields"]
    assert world.api.head() == before


def test_nan_and_infinity_are_refused_as_values(world: World) -> None:
    measured(world)
    before = world.api.head()
    for raw in ('{"value": NaN, "as_of": "%s"}', '{"value": Infinity, "as_of": "%s"}'):
        response = world.api.client.post(
            f"/api/v1{world.path}/objectives/o1/progress",
            data=raw % day(world, -1),
            headers={
                "Authorization": f"Bearer {world.api.tokens[world.who('ana')]}",
                "Content-Type": "application/json",
            },
        )
        assert 400 <= response.status_code < 500 and response.status_code != 404, response.get_data(as_text=True)
    assert world.api.head() == before


@pytest.mark.parametrize(
    ("person", "objective", "body", "status", "says"),
    [
        ("ana", "o1", {"value": 1, "as_of": "TOMORROW"}, 422, "is in the future"),
        ("ana", "o1", {"value": 1, "as_of": "LONG AGO"}, 422, "is before the agreement starts"),
        ("ana", "o9", {"value": 1, "as_of": "DAY"}, 404, "objective_id: no such objective: o9"),
        ("ana", "o1", {"value": 1, "as_of": "DAY", "organisation_id": "nope"}, 409, "organisation_id"),
        ("lia", "o1", {"value": 1, "as_of": "DAY", "organisation_id": "GREEN"}, 403, "organisation_id"),
        ("olli", "o1", {"value": 1, "as_of": "DAY"}, 403, "only facilitators and the liaisons"),
        ("ana", "o1", {"value": 1, "as_of": "DAY", "supersedes": "p-none"}, 404, "supersedes"),
    ],
)
def test_each_refusal_names_the_field_and_records_nothing(
    world: World, person: str, objective: str, body: dict[str, Any], status: int, says: str
) -> None:
    measured(world)
    named = {"GREEN": world.green, "DAY": day(world, -1), "TOMORROW": day(world, 1), "LONG AGO": day(world, -101)}
    body = {k: named.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = world.api.head()
    codes = {403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid"}
    error = error_of(progress(world, person, body, objective), status, codes[status])
    assert says in error["message"]
    assert world.api.head() == before


def test_progress_after_the_agreement_ends_is_refused_naming_as_of_and_records_nothing(world: World) -> None:
    measured(world)
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"ends_on": day(world, -10)})
    assert progress(world, "ana", {"value": 4, "as_of": day(world, -10)}).status_code == 201  # its last day counts
    before = world.api.head()
    error = error_of(progress(world, "ana", {"value": 5, "as_of": day(world, -9)}), 422, "invalid")
    assert error["message"].startswith("as_of") and "is after the agreement ends" in error["message"]
    assert day(world, -10) in error["message"] and world.api.head() == before
    assert world.ok("GET", f"{world.path}/objectives", "ana")["objectives"][0]["latest"]["value"] == 4


def test_superseding_a_corrected_point_or_another_objectives_is_refused(world: World) -> None:
    measured(world)
    yesterday = day(world, -1)
    first = progress(world, "ana", {"value": 5, "as_of": yesterday}).json["id"]
    progress(world, "ana", {"value": 6, "as_of": yesterday, "supersedes": first})
    other = progress(world, "ana", {"value": 1, "as_of": yesterday}, objective="o2").json["id"]
    before = world.api.head()

    again = error_of(progress(world, "ana", {"value": 7, "as_of": yesterday, "supersedes": first}), 409, "conflict")
    across = error_of(progress(world, "ana", {"value": 7, "as_of": yesterday, "supersedes": other}), 409, "conflict")

    assert "already corrected" in again["message"] and "is of objective o2" in across["message"]
    assert world.api.head() == before


def test_reading_the_objectives_needs_a_member_reader(world: World) -> None:
    error_of(world.api.call("GET", f"{world.path}/objectives", world.who("olli")), 403, "forbidden")
    error_of(world.api.call("GET", "/coalitions/nope/objectives", world.who("ana")), 404, "not_found")
    error_of(world.api.call("GET", f"{world.path}/objectives?as_of=tomorrow", world.who("ana")), 422, "invalid")


def test_the_agreement_takes_indicators_and_refuses_bad_ones(world: World) -> None:
    patch = f"{world.path}/agreement"
    same = error_of(
        world.api.call("PATCH", patch, world.who("ana"), {"objectives": [{**SITES, "target": 0}]}), 422, "invalid"
    )
    word = error_of(
        world.api.call("PATCH", patch, world.who("ana"), {"objectives": [{**SITES, "baseline": "none"}]}),
        422,
        "invalid",
    )
    alone = error_of(
        world.api.call("PATCH", patch, world.who("ana"), {"objectives": [{"text": "Trees", "target": 10}]}),
        422,
        "invalid",
    )
    assert "target" in same["fields"]["objectives"]["0"] and "baseline" in word["fields"]["objectives"]["0"]
    assert alone["fields"]["objectives"]["0"]["baseline"] == ["give both a baseline and a target, or neither"]

    founded = world.ok(
        "POST",
        "/coalitions",
        "ana",
        {**AGREEMENT, "organisation_id": world.green, "objectives": [{k: v for k, v in SITES.items() if k != "id"}]},
    )
    [objective] = world.ok("GET", f"/coalitions/{founded['id']}", "ana")["agreement"]["objectives"]
    assert (objective["unit"], objective["baseline"], objective["target"]) == ("sites", 0, 40)


def test_a_retried_progress_post_gets_the_first_answer_and_records_once(world: World) -> None:
    measured(world)
    body, key = {"value": 3, "as_of": day(world, -1)}, {"Idempotency-Key": "progress-1"}
    path = f"{world.path}/objectives/o1/progress"
    first = world.api.call("POST", path, world.who("lia"), body, key)
    after_first = world.api.head()

    again = world.api.call("POST", path, world.who("lia"), body, key)

    assert (first.status_code, again.status_code) == (201, 201) and again.json == first.json
    assert world.api.head() == after_first


def test_the_audit_history_shows_who_recorded_progress_for_whom(world: World) -> None:
    measured(world)
    progress(world, "lia", {"value": 5, "as_of": day(world, -1)})

    [event] = world.ok("GET", f"{world.path}/events?type=ObjectiveProgressRecorded", "ana")["events"]

    assert (event["actor"], event["subject_organisation_id"]) == ("Lia Kowal", world.river)
    objective = "“Monitor water quality at 40 sites”"
    assert event["summary"] == f"Lia Kowal recorded 5 on objective {objective} as of {day(world, -1)}"
