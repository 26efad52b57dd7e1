"""Input meant to break things gets a clear 4xx and changes nothing (each case once caused a 500)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.world import World, error_of


@pytest.mark.parametrize(
    "as_of", ["²", "9" * 5000, "9999-12-31", "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00+05:00", "-1"]
)
def test_unreadable_or_out_of_range_as_of_is_invalid(world: World, as_of: str) -> None:
    response = world.api.call("GET", f"{world.path}/standing?as_of={as_of}", world.who("ana"))
    assert "as_of" in error_of(response, 422, "invalid")["fields"]


@pytest.mark.parametrize(
    "query,field",
    [
        ("until=9999-12-31", "until"),
        ("since=0001-01-01T00:00:00%2B05:00", "since"),
        ("after=99999999999999999999999", "after"),
    ],
)
def test_out_of_range_history_filters_are_invalid(world: World, query: str, field: str) -> None:
    for path in ("events", "events.csv"):
        response = world.api.call("GET", f"{world.path}/{path}?{query}", world.who("ana"))
        assert field in error_of(response, 422, "invalid")["fields"]


@pytest.mark.parametrize("if_match", ["²", "9" * 5000, '"-3"'])
def test_an_unreadable_if_match_is_a_bad_request(world: World, if_match: str) -> None:
    before = world.api.head()
    response = world.api.client.patch(
        f"/api/v1{world.path}/agreement",
        json={"purpose": "X"},
        headers={
            "Authorization": f"Bearer {world.api.tokens[world.who('ana')]}",
            "If-Match": if_match.encode("utf-8").decode("latin-1"),
        },
    )
    assert "If-Match" in error_of(response, 400, "bad_request")["message"]
    assert world.api.head() == before


def test_an_objective_sent_in_an_amendment_still_needs_its_text(world: World) -> None:
    for person in ("ana", "olli"):
        response = world.api.call("PATCH", f"{world.path}/agreement", world.who(person), {"objectives": [{"id": "o1"}]})
        assert "objectives" in error_of(response, 422, "invalid")["fields"]


@pytest.mark.parametrize("path", ["/users", "/organisations"])
def test_a_deeply_nested_body_is_a_bad_request(world: World, path: str) -> None:
    body = "[" * 5000 + "]" * 5000
    response = world.api.client.post(
        f"/api/v1{path}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.api.tokens[world.who('ana')]}"},
    )
    error_of(response, 400, "bad_request")


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/organisations", {"name": "A\u0000", "country": "RO", "sector": "ngo", "mission": "M"}),
        ("POST", "/organisations", {"name": "A", "country": "RO", "sector": "ngo", "mission": "M", "x\u0000": 1}),
        ("GET", "/coalitions/a%00b", None),
        ("GET", "/coalitions/{c}/events?actor=a%00b", None),
    ],
)
def test_nul_characters_are_refused_before_they_reach_the_database(
    world: World, method: str, path: str, body: object
) -> None:
    before = world.api.head()
    response = world.api.call(method, path.format(c=world.coalition), world.who("ana"), body)
    assert "NUL" in error_of(response, 400, "bad_request")["message"]
    assert world.api.head() == before


def test_the_longest_idempotency_key_is_kept(world: World) -> None:
    key = {"Idempotency-Key": "k" * 200}
    body = {"organisation_id": world.river, "kind": "funding", "description": "Lab fees", "due_on": "2027-05-01"}
    first = world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body, key)
    again = world.api.call("POST", f"{world.path}/commitments", world.who("bo"), body, key)
    assert (first.status_code, again.status_code, again.json) == (201, 201, first.json)


def test_strings_where_objects_belong_and_wrong_types_are_invalid(world: World) -> None:
    before = world.api.head()
    for body in (
        {
            "name": 5,
            "purpose": [],
            "objectives": "many",
            "starts_on": 2026,
            "organisation_id": {},
            "cooperation_mechanism": None,
            "benefit_sharing": True,
        },
        {"objectives": [[1]], "name": "x" * 300},
    ):
        response = world.api.call("POST", "/coalitions", world.who("ana"), body)
        assert error_of(response, 422, "invalid")["fields"]
    assert world.api.head() == before
    assert json.loads(world.api.call("GET", world.path, world.who("ana")).get_data())["id"] == world.coalition


def test_a_form_part_without_a_name_is_not_a_server_error(world: World) -> None:
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nhello\r\n--B--\r\n"  # no name="..." on the part

    response = world.api.client.post("/api/v1/verify", data=body, content_type="multipart/form-data; boundary=B")

    assert "`file`" in error_of(response, 400, "bad_request")["message"]


def test_a_retry_with_an_unreadable_if_match_is_a_bad_request_too(world: World) -> None:
    path, body = f"/api/v1{world.path}/agreement", {"purpose": "Cleaner rivers, measured"}
    headers = {"Authorization": f"Bearer {world.api.tokens[world.who('ana')]}", "Idempotency-Key": "amend-once"}
    assert world.api.client.patch(path, json=body, headers=headers).status_code == 200
    before = world.api.head()

    response = world.api.client.patch(path, json=body, headers={**headers, "If-Match": "yesterday"})

    assert "If-Match" in error_of(response, 400, "bad_request")["message"]
    assert world.api.head() == before
