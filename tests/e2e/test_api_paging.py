"""Reads that do not grow with the coalition: the standing, the coalition's members and a statement's signatures
a page at a time (`?limit=&after=`, keyset on the organisation id), with the total and the key of the next page."""

from __future__ import annotations

from tests.e2e.world import World, error_of


def test_the_standing_comes_a_page_at_a_time_in_organisation_order_until_next_after_is_null(world: World) -> None:
    whole = world.ok("GET", f"{world.path}/standing", "ana")
    assert whole["total"] == len(whole["members"]) >= 2 and whole["next_after"] is None

    seen, after = [], None
    while True:
        query = f"?limit=1&after={after}" if after else "?limit=1"
        page = world.ok("GET", f"{world.path}/standing{query}", "ana")
        assert len(page["members"]) == 1 and page["total"] == whole["total"]
        seen += [m["organisation_id"] for m in page["members"]]
        after = page["next_after"]
        if after is None:
            break
        assert after == seen[-1]

    assert seen == sorted(m["organisation_id"] for m in whole["members"])
    assert sorted(seen) == seen and len(set(seen)) == len(seen)


def test_a_page_after_the_last_member_is_empty(world: World) -> None:
    last = max(m["organisation_id"] for m in world.ok("GET", f"{world.path}/standing", "ana")["members"])

    page = world.ok("GET", f"{world.path}/standing?after={last}", "ana")

    assert page["members"] == [] and page["next_after"] is None and page["total"] >= 2


def test_a_bad_limit_is_refused_naming_the_field(world: World) -> None:
    for bad in ("0", "1001", "many"):
        error = error_of(world.api.call("GET", f"{world.path}/standing?limit={bad}", world.who("ana")), 422, "invalid")
        assert "limit" in str(error), error


def test_the_coalition_comes_whole_without_limit_with_its_members_counted_by_state(world: World) -> None:
    whole = world.ok("GET", world.path, "ana")

    assert whole["members_next_after"] is None
    assert whole["members_total"] == len(whole["members"]) == sum(whole["member_counts"].values()) >= 2
    for state, count in whole["member_counts"].items():
        assert count == sum(1 for m in whole["members"] if m["state"] == state), state


def test_the_coalition_comes_a_page_of_members_at_a_time_each_with_its_members_roles(world: World) -> None:
    whole = world.ok("GET", world.path, "ana")

    seen, roles, after = [], [], None
    while True:
        query = f"?limit=1&after={after}" if after else "?limit=1"
        page = world.ok("GET", f"{world.path}{query}", "ana")
        assert len(page["members"]) == 1 and page["members_total"] == whole["members_total"]
        assert page["member_counts"] == whole["member_counts"] and page["agreement"] == whole["agreement"]
        ids = {m["organisation_id"] for m in page["members"]}
        assert {r["organisation_id"] for r in page["roles"]} <= ids
        seen += [m["organisation_id"] for m in page["members"]]
        roles += page["roles"]
        after = page["members_next_after"]
        if after is None:
            break
        assert after == seen[-1]

    assert seen == sorted(m["organisation_id"] for m in whole["members"])
    assert sorted(r["role_id"] for r in roles) == sorted(r["role_id"] for r in whole["roles"])
    by_id = {m["organisation_id"]: m for m in whole["members"]}
    last = world.ok("GET", f"{world.path}?limit=1000", "ana")
    assert last["members"] == [by_id[o] for o in seen] and last["members_next_after"] is None


def test_a_coalition_page_needs_a_good_limit_and_after_only_with_limit(world: World) -> None:
    for query, field in (("?limit=0", "limit"), ("?limit=1001", "limit"), ("?after=x", "after")):
        error = error_of(world.api.call("GET", f"{world.path}{query}", world.who("ana")), 422, "invalid")
        assert field in str(error), (query, error)


def test_a_member_that_only_asked_to_join_is_counted_and_paged_like_the_others(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})  # a request to join
    whole = world.ok("GET", world.path, "ana")
    assert whole["member_counts"].get("requested") == 1 and whole["members_total"] == len(whole["members"]) == 3

    seen, after = [], None
    while True:
        page = world.ok("GET", f"{world.path}?limit=2" + (f"&after={after}" if after else ""), "ana")
        seen += page["members"]
        after = page["members_next_after"]
        if after is None:
            break
    assert sorted(seen, key=lambda m: m["organisation_id"]) == sorted(
        whole["members"], key=lambda m: m["organisation_id"]
    )
    assert [m["organisation_id"] for m in seen] == sorted(m["organisation_id"] for m in seen)
    assert {m["organisation_id"]: m["state"] for m in seen}[world.oak] == "requested"
