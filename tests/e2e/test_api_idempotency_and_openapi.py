"""Retried commands (Idempotency-Key) and the OpenAPI document."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from tests.e2e.conftest import services
from tests.e2e.world import Api, World, error_of

PLEDGE = {"kind": "funding", "description": "Lab fees", "due_on": "2027-05-01"}


def test_a_retried_post_gets_the_first_answer_and_appends_nothing(world: World) -> None:
    body = {**PLEDGE, "organisation_id": world.river}
    key = {"Idempotency-Key": "pledge-lab-fees-1"}
    first = world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body, key)
    after_first = world.api.head()

    again = world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body, key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert world.api.head() == after_first


def test_a_retried_action_is_not_refused_as_already_done(world: World) -> None:
    key = {"Idempotency-Key": "fulfil-1"}
    path = f"{world.path}/commitments/{world.commitment}/fulfil"
    first = world.api.call("POST", path, world.who("bo"), {"note": "Hired"}, key)

    again = world.api.call("POST", path, world.who("bo"), {"note": "Hired"}, key)

    assert again.status_code == 200 and again.json == first.json
    without_key = world.api.call("POST", path, world.who("bo"), {"note": "Hired"})
    error_of(without_key, 409, "conflict")


def test_a_key_reused_for_a_different_request_is_refused(world: World) -> None:
    key = {"Idempotency-Key": "k-1"}
    world.api.call(
        "POST", f"{world.path}/commitments", world.who("bo"), {**PLEDGE, "organisation_id": world.river}, key
    )
    before = world.api.head()

    other = world.api.call(
        "POST",
        f"{world.path}/commitments",
        world.who("bo"),
        {**PLEDGE, "description": "Bus hire", "organisation_id": world.river},
        key,
    )

    assert "already used for a different request" in error_of(other, 422, "invalid")["fields"]["Idempotency-Key"][0]
    assert world.api.head() == before


def test_keys_belong_to_their_user(world: World) -> None:
    key = {"Idempotency-Key": "same-key"}
    bo = world.api.call(
        "POST", f"{world.path}/commitments", world.who("bo"), {**PLEDGE, "organisation_id": world.river}, key
    )
    mo = world.api.call(
        "POST", f"{world.path}/commitments", world.who("mo"), {**PLEDGE, "organisation_id": world.river}, key
    )

    assert (bo.status_code, mo.status_code) == (201, 201) and bo.json["id"] != mo.json["id"]


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_a_malformed_key_is_a_bad_request(world: World, key: str) -> None:
    before = world.api.head()
    response = world.api.call(
        "POST",
        f"{world.path}/commitments",
        world.who("bo"),
        {**PLEDGE, "organisation_id": world.river},
        {"Idempotency-Key": key},
    )
    assert "Idempotency-Key" in error_of(response, 400, "bad_request")["message"]
    assert world.api.head() == before


def test_concurrent_twins_with_one_key_record_one_commitment(world: World) -> None:
    key = {"Idempotency-Key": "twins"}
    answers: list[Any] = []

    def send() -> None:
        client = world.api.app.test_client()
        answers.append(
            world.api.__class__(client, world.api.tokens).call(
                "POST", f"{world.path}/commitments", world.who("bo"), {**PLEDGE, "organisation_id": world.river}, key
            )
        )

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {a.status_code for a in answers} == {201}
    assert len({a.json["id"] for a in answers}) == 1
    pledges = [e for e in services(world.api.app).store.read_all() if e.type == "CommitmentPledged"]
    assert len(pledges) == 2  # the world's own and this one, once


# -- the OpenAPI document ---------------------------------------------------------------------------


def test_the_openapi_document_describes_every_api_route(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json

    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    for rule in api.app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)


def test_the_openapi_document_takes_its_bodies_from_the_schemas(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json

    pledge = document["paths"]["/coalitions/{coalition_id}/commitments"]["post"]
    schema_ref = pledge["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"organisation_id", "kind", "description", "due_on"}
    assert schema["properties"]["kind"]["enum"][0] == "funding"
    assert {"201", "401", "403", "404", "409", "422"} <= set(pledge["responses"])
    assert pledge["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/users"]["post"]
    headers = {p["name"] for p in pledge["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key", "If-Match"}
    revoke = document["paths"]["/tokens/{token_id}"]["delete"]  # authenticated, but not a coalition command
    assert not [p for p in revoke["parameters"] if p["in"] == "header"]


def operation(api: Api, path: str, method: str) -> dict[str, Any]:
    """What the OpenAPI document says of one operation."""
    return dict(api.client.get("/api/v1/openapi.json").json["paths"][path][method])


def test_a_wrong_password_is_a_documented_401(api: Api) -> None:
    response = api.client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": "not the password"})

    error_of(response, 401, "unauthorized")
    assert "401" in operation(api, "/tokens", "post")["responses"]


@pytest.mark.parametrize(
    "path,headers,media",
    [
        ("/events.csv", {}, "text/csv"),
        ("/events?format=csv", {}, "text/csv"),
        ("/events", {"Accept": "text/csv"}, "text/csv"),
        ("/events", {}, "application/json"),
    ],
)
def test_the_history_is_documented_in_each_media_type_it_answers_in(
    world: World, path: str, headers: dict[str, str], media: str
) -> None:
    response = world.api.call("GET", f"{world.path}{path}", world.who("ana"), headers=headers)

    assert response.status_code == 200 and response.mimetype == media
    content = operation(world.api, "/coalitions/{coalition_id}" + path.partition("?")[0], "get")["responses"]["200"]
    assert media in content["content"]
    assert set(content["content"]) == ({"text/csv"} if path.endswith(".csv") else {"application/json", "text/csv"})


@pytest.mark.parametrize(
    "header,value,accepted",
    [
        ("If-Match", '"3"', True),
        ("If-Match", "3", True),
        ("If-Match", 'W/"3"', True),
        ("If-Match", "yesterday", False),
        ("If-Match", '"-3"', False),
        ("If-Match", "9" * 19, False),
        ("If-Match", "{}", False),
        ("Idempotency-Key", "retry 1", True),
        ("Idempotency-Key", "k" * 200, True),
        ("Idempotency-Key", "k" * 201, False),
    ],
)
def test_the_retry_headers_are_documented_as_strictly_as_they_are_read(
    world: World, header: str, value: str, accepted: bool
) -> None:
    pledge = operation(world.api, "/coalitions/{coalition_id}/commitments", "post")
    schema = next(p["schema"] for p in pledge["parameters"] if p["name"] == header)

    response = world.api.call(
        "POST",
        f"{world.path}/commitments",
        world.who("bo"),
        {**PLEDGE, "organisation_id": world.river},
        {header: value},
    )

    assert (response.status_code != 400) == accepted, response.get_data(as_text=True)
    documented = re.fullmatch(schema["pattern"], value) is not None and len(value) <= schema.get("maxLength", 200)
    assert documented == accepted


def test_bodies_past_the_limit_and_the_rate_limited_doors_are_documented(make_app: Any, database_url: str) -> None:
    client = make_app(database_url, MAX_CONTENT_LENGTH=100).test_client()

    error_of(
        client.post("/api/v1/users", data="x" * 200, content_type="application/json"), 413, "request_entity_too_large"
    )
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "413" in paths["/users"]["post"]["responses"]
    assert "413" in paths["/organisations/{organisation_id}/mandates/{mandate_id}"]["delete"]["responses"]  # a command
    assert "413" not in paths["/me"]["get"]["responses"]
    assert "429" in paths["/tokens"]["post"]["responses"] and "429" in paths["/users"]["post"]["responses"]
    assert "429" not in paths["/organisations"]["post"]["responses"]


def test_a_twin_recorded_while_this_request_decided_makes_this_answer_a_replay(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, body = {"Idempotency-Key": "overtaken"}, {**PLEDGE, "organisation_id": world.river}
    app_services = services(world.api.app)
    real, twin, overtaken = app_services.append, [], []

    def append(new_events: Any, **kwargs: Any) -> Any:
        if not overtaken:  # the first request has decided; its twin overtakes it and is recorded first
            overtaken.append(True)
            twin.append(world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body, key))
        return real(new_events, **kwargs)

    monkeypatch.setattr(app_services, "append", append)
    first = world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body, key)

    assert twin[0].status_code == 201 and "Idempotent-Replayed" not in twin[0].headers
    assert first.status_code == 201 and first.headers["Idempotent-Replayed"] == "true"
    assert first.json == twin[0].json
    pledges = [e for e in app_services.store.read_all() if e.type == "CommitmentPledged"]
    assert len(pledges) == 2  # the world's own and this one, once
