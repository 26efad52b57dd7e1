"""A statement's signatures a page at a time over the API (`…/signatures?limit=&after=`), and the statement read
that embeds only their first page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_api_statements import opened
from tests.e2e.world import World, error_of


@pytest.fixture
def path(world: World) -> str:
    """An open statement signed by River Watch, then Green Earth."""
    found = opened(world)
    world.ok("POST", f"{found}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    world.ok("POST", f"{found}/signatures", "ana", {"organisation_id": world.green})
    return found


def page(world: World, path: str, query: str = "", person: str = "mo") -> dict[str, Any]:
    return dict(world.ok("GET", f"{path}/signatures{query}", person))


def test_the_signatures_come_a_page_at_a_time_first_signed_first(world: World, path: str) -> None:
    first = page(world, path, "?limit=1")
    second = page(world, path, f"?limit=1&after={first['next_after']}")

    assert (first["total"], second["total"]) == (2, 2)
    assert [s["organisation_id"] for s in first["signatures"] + second["signatures"]] == [world.river, world.green]
    assert second["next_after"] is None
    assert first["signatures"][0]["counts"] is True and first["signatures"][0]["status"] == "signed"


def test_the_default_page_holds_them_all_here(world: World, path: str) -> None:
    body = page(world, path)

    assert body["total"] == 2 and len(body["signatures"]) == 2 and body["next_after"] is None
    assert body["position"] is None


def test_a_withdrawn_and_re_signed_signature_is_not_skipped_by_a_reader_paging_past_it(world: World, path: str) -> None:
    first = page(world, path, "?limit=1")
    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "A mistake"})
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    rest = page(world, path, f"?limit=5&after={first['next_after']}")

    assert [s["organisation_id"] for s in rest["signatures"]] == [world.green, world.river]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?limit=ten", "limit"),
        ("?after=nothing-like-a-key", "after"),
        ("?after=" + "x" * 300 + "~y", "after"),
        ("?as_of=yesterday-ish", "as_of"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it_and_nothing_changes(
    world: World, path: str, query: str, field: str
) -> None:
    before = world.ok("GET", path, "ana")
    error = error_of(world.api.call("GET", f"{path}/signatures{query}", world.who("mo")), 422, "invalid")

    assert field in error["fields"]
    assert world.ok("GET", path, "ana") == before


def test_unknown_statements_and_coalitions_are_404(world: World, path: str) -> None:
    other = path.rsplit("/", 1)[0] + "/no-such-statement"
    error_of(world.api.call("GET", f"{other}/signatures", world.who("mo")), 404, "not_found")
    elsewhere = path.replace(world.coalition, "no-such-coalition")
    assert world.api.call("GET", f"{elsewhere}/signatures", world.who("mo")).status_code == 404


@pytest.mark.parametrize("person", ["olli", None])
def test_who_may_not_read_the_statement_may_not_read_its_signatures(
    world: World, path: str, person: str | None
) -> None:
    who = None if person is None else world.who(person)
    statement = world.api.call("GET", path, who)
    signatures = world.api.call("GET", f"{path}/signatures", who)

    assert statement.status_code in (401, 403, 404)
    assert (signatures.status_code, signatures.json["error"]["code"]) == (
        statement.status_code,
        statement.json["error"]["code"],
    )


def test_the_statement_embeds_the_first_page_and_links_the_next(world: World, path: str) -> None:
    body = world.ok("GET", f"{path}?signatures=1", "mo")
    following = str(body["signatures_next"])
    rest = world.ok("GET", following.removeprefix("/api/v1"), "mo")

    assert [s["organisation_id"] for s in body["signatures"]] == [world.river]
    assert body["signatures_total"] == 2 and body["summary"] == {"organisations": 2, "countries": 2}
    assert [s["organisation_id"] for s in rest["signatures"]] == [world.green] and rest["next_after"] is None


def test_the_statement_embeds_them_all_when_they_fit_and_none_on_request(world: World, path: str) -> None:
    whole = world.ok("GET", path, "mo")
    bare = world.ok("GET", f"{path}?signatures=0", "mo")

    assert len(whole["signatures"]) == 2 and whole["signatures_next"] is None
    assert bare["signatures"] == [] and bare["signatures_total"] == 2 and "/signatures" in bare["signatures_next"]
    error = error_of(world.api.call("GET", f"{path}?signatures=-1", world.who("mo")), 422, "invalid")
    assert "signatures" in error["fields"]


def test_as_of_pages_the_signatures_as_they_stood(world: World, path: str) -> None:
    signed = max(s["position"] for s in page(world, path)["signatures"])
    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "A mistake"})
    now, then = page(world, path), page(world, path, f"?as_of={signed}")

    assert {s["organisation_id"]: s["status"] for s in now["signatures"]}[world.river] == "withdrawn"
    assert {s["organisation_id"]: s["status"] for s in then["signatures"]}[world.river] == "signed"
    assert then["position"] == signed and then["total"] == 2


def test_the_paged_resource_is_in_the_openapi_document(world: World) -> None:
    spec = world.api.client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/coalitions/{coalition_id}/statements/{statement_id}/signatures"]["get"]
    names = {p["name"] for p in operation["parameters"]}

    assert {"limit", "after", "as_of"} <= names
