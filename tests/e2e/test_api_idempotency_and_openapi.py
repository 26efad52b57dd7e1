"""Retried commands (Idempotency-Key) and the OpenAPI document."""

from __future__ import annotations

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
    world.api.call("POST", f"{world.path}/commitments", world.who("bo"), {**PLEDGE, "organisation_id": world.river},
                   key)
    before = world.api.head()

    other = world.api.call("POST", f"{world.path}/commitments", world.who("bo"),
                           {**PLEDGE, "description": "Bus hire", "organisation_id": world.river}, key)

    assert "already used for a different request" in error_of(other, 422, "invalid")["fields"]["Idempotency-Key"][0]
    assert world.api.head() == before


def test_keys_belong_to_their_user(world: World) -> None:
    key = {"Idempotency-Key": "same-key"}
    bo = world.api.call("POST", f"{world.path}/commitments", world.who("bo"), {**PLEDGE, "organisation_id": world.river},
                        key)
    mo = world.api.call("POST", f"{world.path}/commitments", world.who("mo"), {**PLEDGE, "organisation_id": world.river},
                        key)

    assert (bo.status_code, mo.status_code) == (201, 201) and bo.json["id"] != mo.json["id"]


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_a_malformed_key_is_a_bad_request(world: World, key: str) -> None:
    before = world.api.head()
    response = world.api.call("POST", f"{world.path}/commitments", world.who("bo"),
                              {**PLEDGE, "organisation_id": world.river}, {"Idempotency-Key": key})
    assert "Idempotency-Key" in error_of(response, 400, "bad_request")["message"]
    assert world.api.head() == before


def test_concurrent_twins_with_one_key_record_one_commitment(world: World) -> None:
    key = {"Idempotency-Key": "twins"}
    answers: list[Any] = []

    def send() -> None:
        client = world.api.app.test_client()
        answers.append(world.api.__class__(client, world.api.tokens).call(
            "POST", f"{world.path}/commitments", world.who("bo"), {**PLEDGE, "organisation_id": world.river}, key))

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
