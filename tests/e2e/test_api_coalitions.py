"""Organisations, coalitions, membership, roles, commitments and tasks through the API, errors included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coalition import create_app
from tests.e2e.conftest import migrate, services
from tests.e2e.world import AGREEMENT, TEST_CONFIG, Api, World, build_world, error_of


def at(api: Api, moment: datetime) -> None:
    """Set the store's clock: the time events are recorded at and the day commands are decided on."""
    services(api.app).store.clock = lambda: moment


# -- organisations ----------------------------------------------------------------------------------


def test_an_organisation_is_created_with_its_creator_as_administrator(api: Api) -> None:
    api.register("ana")
    created = api.ok(
        "POST",
        "/organisations",
        "ana",
        {
            "name": " Green Earth ",
            "country": "ro",
            "sector": "ngo",
            "mission": "Protect rivers",
            "website": "https://green.example",
        },
    )

    profile = api.ok("GET", f"/organisations/{created['id']}", "ana")

    assert (profile["name"], profile["country"], profile["version"]) == ("Green Earth", "RO", 1)
    assert [a["name"] for a in profile["administrators"]] == ["Ana Pop"]
    [event] = [e for e in services(api.app).store.read_all() if e.type == "OrganisationCreated"]
    assert event.metadata.organisation_id == created["id"] and event.metadata.actor_id


def test_an_invalid_organisation_names_each_field_and_records_nothing(api: Api) -> None:
    api.register("ana")
    before = api.head()

    error = error_of(
        api.call(
            "POST",
            "/organisations",
            "ana",
            {"name": "", "country": "XX", "sector": "church", "website": "not a url", "extra": 1},
        ),
        422,
        "invalid",
    )

    assert set(error["fields"]) == {"name", "country", "sector", "mission", "website", "extra"}
    assert "ISO 3166-1 alpha-2" in error["fields"]["country"][0]
    assert api.head() == before


def test_people_and_mandates_are_shown_to_the_organisations_own_people_only(world: World) -> None:
    own = world.ok("GET", f"/organisations/{world.river}", "mo")
    outsider = world.ok("GET", f"/organisations/{world.river}", "olli")

    assert {m["name"]: m["title"] for m in own["mandates"]} == {
        "Lia Kowal": "Programme Lead",
        "Mo Zielinski": "Executive Director",
    }
    assert all(m["valid_today"] for m in own["mandates"])
    assert "mandates" not in outsider and "administrators" not in outsider and outsider["name"] == "River Watch"


def test_a_revoked_mandate_no_longer_lets_its_holder_act(world: World) -> None:
    revoked = world.ok("DELETE", f"/organisations/{world.river}/mandates/{world.mandates['mo']}", "bo")

    assert revoked["id"] == world.mandates["mo"]
    response = world.api.call(
        "POST",
        f"{world.path}/commitments",
        world.who("mo"),
        {"organisation_id": world.river, "kind": "funding", "description": "Lab fees", "due_on": "2027-05-01"},
    )
    assert "you do not act for organisation" in error_of(response, 403, "forbidden")["message"]
    mandate = next(
        m for m in world.ok("GET", f"/organisations/{world.river}", "bo")["mandates"] if m["id"] == world.mandates["mo"]
    )
    assert mandate["revoked_on"] and not mandate["valid_today"]
    error_of(
        world.api.call("DELETE", f"/organisations/{world.river}/mandates/{world.mandates['mo']}", world.who("bo")),
        409,
        "conflict",
    )


@pytest.mark.parametrize(
    "path,body,status,code",
    [
        ("/organisations/nope", None, 404, "not_found"),
        ("/organisations/nope/mandates", {"email": "nobody@example.org", "title": "X"}, 404, "not_found"),
        (
            "/organisations/{river}/mandates",
            {"email": "mo@example.org", "title": "X", "valid_from": "2027-01-02", "valid_until": "2027-01-01"},
            409,
            "conflict",
        ),
        ("/organisations/{river}/administrators", {"email": "bo@example.org"}, 409, "conflict"),
        ("/organisations/{river}/mandates/nope", "DELETE", 404, "not_found"),
    ],
)
def test_organisation_errors(world: World, path: str, body: object, status: int, code: str) -> None:
    before = world.api.head()
    method = "DELETE" if body == "DELETE" else ("GET" if body is None else "POST")
    response = world.api.call(
        method, path.format(river=world.river), world.who("bo"), None if method != "POST" else body
    )

    error_of(response, status, code)
    assert world.api.head() == before


# -- coalitions -------------------------------------------------------------------------------------


def test_a_coalition_is_founded_with_its_founder_as_facilitator(world: World) -> None:
    coalition = world.ok("GET", world.path, "olli")

    assert coalition["agreement"]["name"] == "Danube Rivers Coalition"
    assert [o["objective_id"] for o in coalition["agreement"]["objectives"]] == ["o1", "o2"]
    assert {(m["name"], m["state"]) for m in coalition["members"]} == {
        ("Green Earth", "active"),
        ("River Watch", "active"),
    }
    assert {(r["name"], r["role"]) for r in coalition["roles"]} == {
        ("Ana Pop", "facilitator"),
        ("Lia Kowal", "liaison"),
    }
    assert world.api.call("GET", world.path, world.who("ana")).headers["ETag"] == f'"{coalition["version"]}"'


@pytest.mark.parametrize(
    "change,field",
    [
        ({"objectives": []}, "objectives"),
        ({"starts_on": "soon"}, "starts_on"),
        ({"organisation_id": None}, "organisation_id"),
        ({"objectives": [{"id": "o1", "text": "x"}]}, "objectives"),
        ({"name": "   "}, "name"),
    ],
)
def test_an_invalid_agreement_is_refused_field_by_field(world: World, change: dict, field: str) -> None:
    before = world.api.head()
    body = {**AGREEMENT, "organisation_id": world.green, **change}

    error = error_of(world.api.call("POST", "/coalitions", world.who("ana"), body), 422, "invalid")

    assert field in error["fields"]
    assert world.api.head() == before


def test_an_agreement_ending_before_it_starts_is_a_conflict(world: World) -> None:
    body = {**AGREEMENT, "organisation_id": world.green, "ends_on": "2025-01-01"}
    assert (
        "cannot end before it starts"
        in error_of(world.api.call("POST", "/coalitions", world.who("ana"), body), 409, "conflict")["message"]
    )


def test_amending_keeps_objective_ids_adds_new_ones_and_keeps_the_old_text_in_the_log(world: World) -> None:
    amended = world.ok(
        "PATCH",
        f"{world.path}/agreement",
        "ana",
        {
            "purpose": "Cleaner rivers, faster",
            "objectives": [{"id": "o1", "text": "Monitor water quality at 50 sites"}, {"text": "Train 20 volunteers"}],
        },
    )

    agreement = world.ok("GET", world.path, "ana")["agreement"]
    assert [(o["objective_id"], o["text"]) for o in agreement["objectives"]] == [
        ("o1", "Monitor water quality at 50 sites"),
        ("o3", "Train 20 volunteers"),
    ]
    assert agreement["name"] == "Danube Rivers Coalition" and agreement["purpose"] == "Cleaner rivers, faster"
    types = [e.type for e in services(world.api.app).store.read_stream(f"coalition-{world.coalition}")]
    assert types[0] == "CoalitionFounded" and types[-1] == "AgreementAmended" and amended["version"] == len(types)


@pytest.mark.parametrize(
    "body,status,code,message",
    [
        ({}, 422, "invalid", "send at least one field"),
        ({"objectives": [{"text": "Only this"}]}, 409, "conflict", "served by commitments or tasks"),
        ({"objectives": [{"id": "o9", "text": "X"}]}, 404, "not_found", "no such objective: o9"),
        ({"name": "Danube Rivers Coalition"}, 409, "conflict", "nothing to amend"),
    ],
)
def test_amendment_errors(world: World, body: dict, status: int, code: str, message: str) -> None:
    before = world.api.head()
    error = error_of(world.api.call("PATCH", f"{world.path}/agreement", world.who("ana"), body), status, code)
    assert message in error["message"] + str(error["fields"])
    assert world.api.head() == before


def test_a_stale_if_match_is_a_conflict_and_a_current_one_succeeds(world: World) -> None:
    seen = world.api.call("GET", world.path, world.who("ana")).headers["ETag"]
    world.ok(
        "POST",
        f"{world.path}/commitments/{world.commitment}/reschedule",
        "bo",
        {"due_on": "2027-05-31", "reason": "Late hiring"},
    )
    before = world.api.head()

    stale = world.api.call(
        "PATCH", f"{world.path}/agreement", world.who("ana"), {"purpose": "New"}, headers={"If-Match": seen}
    )
    assert "has changed" in error_of(stale, 409, "conflict")["message"] and world.api.head() == before

    fresh = world.api.call("GET", world.path, world.who("ana")).headers["ETag"]
    assert (
        world.api.call(
            "PATCH", f"{world.path}/agreement", world.who("ana"), {"purpose": "New"}, headers={"If-Match": fresh}
        ).status_code
        == 200
    )
    error_of(
        world.api.call(
            "PATCH",
            f"{world.path}/agreement",
            world.who("ana"),
            {"purpose": "Newer"},
            headers={"If-Match": "yesterday"},
        ),
        400,
        "bad_request",
    )


# -- membership and roles ---------------------------------------------------------------------------


def test_a_request_to_join_is_approved_and_an_invitation_accepted(api: Api) -> None:
    w = build_world(api)
    asked = w.ok("POST", f"{w.path}/members", "olli", {"organisation_id": w.oak})
    assert asked["state"] == "requested"
    assert w.ok("POST", f"{w.path}/members/{w.oak}/approve", "ana", {})["state"] == "active"

    other = build_world(api, tag="-2")
    invited = other.ok("POST", f"{other.path}/members", "ana", {"organisation_id": other.oak})
    assert invited["state"] == "invited"
    assert other.ok("POST", f"{other.path}/members/{other.oak}/accept", "olli")["state"] == "active"


def test_suspension_reinstatement_and_leaving(world: World) -> None:
    assert (
        world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed three calls"})[
            "state"
        ]
        == "suspended"
    )
    refused = world.api.call(
        "POST",
        f"{world.path}/commitments",
        world.who("bo"),
        {"organisation_id": world.river, "kind": "funding", "description": "X", "due_on": "2027-01-01"},
    )
    assert "only active members pledge" in error_of(refused, 409, "conflict")["message"]
    assert (
        world.ok("POST", f"{world.path}/members/{world.river}/reinstate", "ana", {"reason": "Back on track"})["state"]
        == "active"
    )
    # River Watch's open commitment and task are disposed of as it leaves (coalition.domain.ending)
    dispositions = [
        {"item": world.commitment, "action": "withdraw", "reason": "We merge"},
        {"item": world.task, "action": "hand_over", "to": world.green, "reason": "Green Earth carries on"},
    ]
    body = {"reason": "Merging", "dispositions": dispositions}
    assert world.ok("POST", f"{world.path}/members/{world.river}/leave", "bo", body)["state"] == "left"
    roles = world.ok("GET", world.path, "ana")["roles"]
    assert [r["role"] for r in roles] == ["facilitator"]  # leaving ended River Watch's liaison role


@pytest.mark.parametrize(
    "action,body,status,code,message",
    [
        ("suspend", {}, 422, "invalid", "reason"),
        ("suspend", {"reason": "  "}, 422, "invalid", "reason"),
        ("approve", {}, 409, "conflict", "is active, not requested"),
        ("reinstate", {"reason": "x"}, 409, "conflict", "is active, not suspended"),
        ("expel", {}, 404, "not_found", "no membership action 'expel'"),
    ],
)
def test_membership_errors(world: World, action: str, body: dict, status: int, code: str, message: str) -> None:
    before = world.api.head()
    error = error_of(
        world.api.call("POST", f"{world.path}/members/{world.river}/{action}", world.who("ana"), body), status, code
    )
    assert message in error["message"] + str(error["fields"])
    assert world.api.head() == before


def test_membership_conflicts_and_unknowns(world: World) -> None:
    assert (
        "already a member"
        in error_of(
            world.api.call("POST", f"{world.path}/members", world.who("bo"), {"organisation_id": world.river}),
            409,
            "conflict",
        )["message"]
    )
    error_of(
        world.api.call("POST", f"{world.path}/members", world.who("ana"), {"organisation_id": "nope"}), 404, "not_found"
    )
    error_of(
        world.api.call("POST", "/coalitions/nope/members", world.who("ana"), {"organisation_id": world.oak}),
        404,
        "not_found",
    )
    error_of(
        world.api.call("POST", f"{world.path}/members/{world.oak}/approve", world.who("ana"), {}), 404, "not_found"
    )


def test_roles_need_an_active_member_and_the_last_facilitator_stays(world: World) -> None:
    not_member = world.api.call(
        "POST",
        f"{world.path}/roles",
        world.who("ana"),
        {"email": world.email("olli"), "organisation_id": world.oak, "role": "endorser"},
    )
    assert "only active members hold roles" in error_of(not_member, 409, "conflict")["message"]
    wrong_org = world.api.call(
        "POST",
        f"{world.path}/roles",
        world.who("ana"),
        {"email": world.email("olli"), "organisation_id": world.river, "role": "endorser"},
    )
    assert "does not act for organisation" in error_of(wrong_org, 409, "conflict")["message"]
    error_of(
        world.api.call(
            "POST",
            f"{world.path}/roles",
            world.who("ana"),
            {"email": world.email("mo"), "organisation_id": world.river, "role": "chair"},
        ),
        422,
        "invalid",
    )

    facilitator = next(r["role_id"] for r in world.ok("GET", world.path, "ana")["roles"] if r["role"] == "facilitator")
    last = world.api.call("DELETE", f"{world.path}/roles/{facilitator}", world.who("ana"))
    assert "at least one facilitator" in error_of(last, 409, "conflict")["message"]
    error_of(world.api.call("DELETE", f"{world.path}/roles/nope", world.who("ana")), 404, "not_found")

    second = world.ok(
        "POST",
        f"{world.path}/roles",
        "ana",
        {"email": world.email("mo"), "organisation_id": world.river, "role": "facilitator"},
    )
    assert world.ok("DELETE", f"{world.path}/roles/{facilitator}", "mo")["id"] == facilitator
    assert [r["name"] for r in world.ok("GET", world.path, "mo")["roles"] if r["role"] == "facilitator"] == [
        "Mo Zielinski"
    ] and second["id"]


# -- commitments and tasks --------------------------------------------------------------------------


def test_a_commitment_is_fulfilled_and_then_cannot_be_withdrawn(world: World) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "lia", {"note": "Contracts on file"})

    again = world.api.call(
        "POST", f"{world.path}/commitments/{world.commitment}/withdraw", world.who("bo"), {"reason": "Changed our mind"}
    )
    assert "a fulfilled commitment cannot be withdrawn" in error_of(again, 409, "conflict")["message"]


def test_a_withdrawn_commitment_cannot_be_fulfilled(world: World) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Budget cut"})
    before = world.api.head()

    refused = world.api.call(
        "POST", f"{world.path}/commitments/{world.commitment}/fulfil", world.who("bo"), {"note": "Done after all"}
    )

    assert "a withdrawn commitment cannot be fulfilled" in error_of(refused, 409, "conflict")["message"]
    assert world.api.head() == before


@pytest.mark.parametrize(
    "body,fields",
    [
        (
            {"kind": "prayers", "description": "", "due_on": "31/03/2027", "quantity": -1},
            {"kind", "description", "due_on", "quantity", "organisation_id"},
        ),
    ],
)
def test_an_invalid_pledge_names_each_field(world: World, body: dict, fields: set) -> None:
    error = error_of(world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body), 422, "invalid")
    assert set(error["fields"]) == fields


@pytest.mark.parametrize(
    "path,body,status,code",
    [
        ("/commitments/nope/fulfil", {"note": "x"}, 404, "not_found"),
        (
            "/commitments",
            {
                "organisation_id": "{river}",
                "kind": "funding",
                "description": "X",
                "due_on": "2027-01-01",
                "objective": "o9",
            },
            404,
            "not_found",
        ),
        ("/tasks/nope/accept", {}, 404, "not_found"),
        (
            "/tasks",
            {
                "title": "T",
                "description": "D",
                "organisation_id": "{river}",
                "due_on": "2027-01-01",
                "commitment_id": "nope",
            },
            404,
            "not_found",
        ),
        (
            "/tasks",
            {
                "title": "T",
                "description": "D",
                "organisation_id": "{river}",
                "due_on": "2027-01-01",
                "assignee_email": "olli@example.org",
            },
            409,
            "conflict",
        ),
        ("/tasks/{task}/drop", {}, 422, "invalid"),
        ("/tasks/{task}/complete", "not an object", 400, "bad_request"),
    ],
)
def test_work_errors(world: World, path: str, body: object, status: int, code: str) -> None:
    before = world.api.head()
    if isinstance(body, dict):
        body = {k: v.format(river=world.river) if isinstance(v, str) else v for k, v in body.items()}
    person = "bo" if path == "/commitments" else "ana"  # River Watch pledges; the facilitator does the rest
    response = world.api.call("POST", world.path + path.format(task=world.task), world.who(person), body)
    error_of(response, status, code)
    assert world.api.head() == before


def test_a_task_is_accepted_completed_and_then_cannot_be_dropped(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/accept", "lia")
    world.ok("POST", f"{world.path}/tasks/{world.task}/complete", "lia", {"note": "Samples at the lab"})

    refused = world.api.call("POST", f"{world.path}/tasks/{world.task}/drop", world.who("ana"), {"reason": "x"})
    assert "is done, not open or accepted" in error_of(refused, 409, "conflict")["message"]


def test_a_reassigned_task_moves_to_the_new_organisation_in_the_views(world: World) -> None:
    world.ok(
        "POST",
        f"{world.path}/tasks/{world.task}/reassign",
        "ana",
        {"organisation_id": world.green, "assignee_email": world.email("ana"), "reason": "River Watch is full"},
    )

    standing = {m["name"]: m for m in world.ok("GET", f"{world.path}/standing", "ana")["members"]}
    assert standing["Green Earth"]["tasks"]["open"]["count"] == 1
    assert standing["River Watch"]["tasks"]["open"]["count"] == 0


def test_every_call_without_a_token_is_unauthorized(world: World) -> None:
    error_of(world.api.call("GET", world.path), 401, "unauthorized")
    error_of(world.api.call("POST", "/coalitions", None, AGREEMENT), 401, "unauthorized")


def test_commands_record_who_acted_for_which_organisation_and_the_request_id(world: World) -> None:
    response = world.api.call(
        "POST",
        f"{world.path}/commitments/{world.commitment}/fulfil",
        world.who("ana"),
        {"note": "Checked on site"},
        {"X-Request-Id": "req-42"},
    )

    last = list(services(world.api.app).store.read_all())[-1]
    assert last.type == "CommitmentFulfilled"
    assert (last.metadata.actor_id, last.metadata.organisation_id) == (world.users["ana"], world.green)
    assert last.metadata.correlation_id == response.headers["X-Request-Id"] != "req-42"  # ours, never the caller's
    assert last.metadata.request_id == "req-42"  # the caller's, kept beside it
    world.ok("POST", f"{world.path}/tasks/{world.task}/accept", "lia")
    made_up = list(services(world.api.app).store.read_all())[-1].metadata
    assert made_up.correlation_id and made_up.correlation_id != last.metadata.correlation_id
    assert made_up.request_id is None


def test_dates_in_commands_use_the_day_the_store_records(api: Api) -> None:
    at(api, datetime(2027, 5, 10, 9, 0, tzinfo=UTC))
    w = build_world(api)
    w.ok("POST", f"{w.path}/commitments/{w.commitment}/fulfil", "bo", {"note": "Done"})

    fulfilled = list(services(api.app).store.read_all())[-1]
    assert fulfilled.payload["fulfilled_on"] == "2027-05-10"


def test_the_etag_labels_the_body_even_when_the_read_models_lag(database_url: str) -> None:
    migrate(database_url)
    app = create_app({"DATABASE_URL": database_url, **TEST_CONFIG, "PROJECTIONS": "worker"})
    try:
        w = build_world(Api(app.test_client()))
        services(app).runner.catch_up()
        seen = w.api.call("GET", w.path, w.who("ana"))
        w.ok(
            "POST", f"{w.path}/commitments/{w.commitment}/reschedule", "bo", {"due_on": "2027-06-30", "reason": "Late"}
        )

        lagging = w.api.call("GET", w.path, w.who("ana"))
        assert lagging.headers["ETag"] == seen.headers["ETag"] and lagging.json == seen.json
        stale = w.api.call(
            "PATCH",
            f"{w.path}/agreement",
            w.who("ana"),
            {"purpose": "New"},
            headers={"If-Match": lagging.headers["ETag"]},
        )
        error_of(stale, 409, "conflict")
    finally:
        services(app).engine.dispose()
