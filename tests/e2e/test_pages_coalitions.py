"""The coalition pages: my coalitions, and a coalition's home as members and facilitators see it."""

from __future__ import annotations

from tests.e2e.pages import signed_in
from tests.e2e.test_pages_statements import open_statement
from tests.e2e.world import World


def test_my_coalitions_lists_the_coalitions_of_the_organisations_i_act_for(world: World) -> None:
    mine = signed_in(world, "mo").get("/coalitions").get_data(as_text=True)
    outsider = signed_in(world, "olli").get("/coalitions").get_data(as_text=True)

    assert "Danube Rivers Coalition" in mine and f"/coalitions/{world.coalition}" in mine
    assert "Danube Rivers Coalition" not in outsider and "belongs to a coalition yet" in outsider


def test_the_coalition_home_shows_objectives_members_standing_roles_and_statements(world: World) -> None:
    open_statement(world)
    page = signed_in(world, "mo").get(f"/coalitions/{world.coalition}").get_data(as_text=True)

    assert "Monitor water quality at 40 sites" in page
    assert "Green Earth" in page and "River Watch" in page and "good standing" in page
    assert "Lia Kowal: liaison (River Watch)" in page
    assert "Clean rivers now" in page and "open for signature" in page
    assert "Recent activity" not in page  # the history is for facilitators


def test_facilitators_see_the_recent_activity(world: World) -> None:
    page = signed_in(world, "ana").get(f"/coalitions/{world.coalition}").get_data(as_text=True)

    assert "Recent activity" in page and "gave River Watch the task “Sample ten sites”" in page


def test_the_coalition_home_is_for_its_members_and_sign_in_comes_first(world: World) -> None:
    assert signed_in(world, "olli").get(f"/coalitions/{world.coalition}").status_code == 403
    assert signed_in(world, "mo").get("/coalitions/nope").status_code == 404
    assert world.api.app.test_client().get(f"/coalitions/{world.coalition}").status_code == 302


def test_facilitators_see_the_timeline_the_audit_and_the_tools_others_do_not(world: World) -> None:
    facilitator = signed_in(world, "ana").get(f"/coalitions/{world.coalition}").get_data(as_text=True)
    member = signed_in(world, "mo").get(f"/coalitions/{world.coalition}").get_data(as_text=True)

    assert 'class="chart chart-timeline' in facilitator and "chart-timeline" not in member
    assert (
        f"/coalitions/{world.coalition}/audit" in facilitator and f"/coalitions/{world.coalition}/audit" not in member
    )
    assert f"/coalitions/{world.coalition}/agreement" in facilitator and "/agreement" not in member
    assert "Draft a statement" in facilitator and "Draft a statement" not in member  # members may not draft here
    for page in (facilitator, member):  # every member reaches the shared pages from the coalition's navigation
        for place in ("members", "roles", "work", "grid"):
            assert f'href="/coalitions/{world.coalition}/{place}"' in page


def test_members_reach_their_own_commitment_history_and_facilitators_everyones(world: World) -> None:
    river = f"/coalitions/{world.coalition}/members/{world.river}/history"
    green = f"/coalitions/{world.coalition}/members/{world.green}/history"
    facilitator = signed_in(world, "ana").get(f"/coalitions/{world.coalition}").get_data(as_text=True)
    member = signed_in(world, "mo").get(f"/coalitions/{world.coalition}").get_data(as_text=True)

    assert river in facilitator and green in facilitator
    assert river in member and green not in member


def test_an_invited_organisation_is_led_to_the_join_page_not_to_a_forbidden_home(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "ana", {"organisation_id": world.oak})  # a facilitator's invitation
    mine = signed_in(world, "olli").get("/coalitions").get_data(as_text=True)

    assert f"/coalitions/{world.coalition}/join" in mine and "Your organisation is invited" in mine
