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


def test_the_activity_chart_counts_each_days_events_as_the_log_holds_them_built_or_rebuilt(world: World) -> None:
    """The counts the activity projection keeps (`coalition_activity`) are the log's own, day by day and type by
    type, as each append adds to them and as a rebuild makes them again; the home reads them, not the log."""
    from datetime import UTC, datetime, time, timedelta

    import sqlalchemy as sa

    from projections.audit import Filters, by_day_and_type, coalition_log, count
    from tests.e2e.conftest import services

    kept = services(world.api.app)
    pledge = {"organisation_id": world.river, "kind": "funding", "description": "Lab costs", "objective": "o1",
              "due_on": "2031-01-31"}  # fmt: skip
    midnight = datetime.combine(datetime.now(UTC).date() + timedelta(days=3), time(), UTC)  # within tokens' lives
    first, second = (midnight - timedelta(days=1)).date().isoformat(), midnight.date().isoformat()
    for day in (midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)):  # either side of a midnight
        kept.store.clock = lambda day=day: day  # type: ignore[misc]
        for _ in range(2):
            world.ok("POST", f"{world.path}/commitments", "bo", pledge)
    day = sa.func.substr(coalition_log.c.recorded_at, 1, 10)
    grouped = (
        sa.select(day, coalition_log.c.type, sa.func.count())
        .where(coalition_log.c.coalition_id == world.coalition)
        .group_by(day, coalition_log.c.type)
        .order_by(day, coalition_log.c.type)
    )
    with kept.engine.connect() as connection:
        as_appended = by_day_and_type(connection, world.coalition)
        from_the_log = [tuple(row) for row in connection.execute(grouped)]
    assert as_appended == from_the_log
    assert (first, "CommitmentPledged", 2) in as_appended and (second, "CommitmentPledged", 2) in as_appended

    kept.runner.rebuild(["activity"])
    assert all(table.agrees for table in kept.runner.check(["activity"]))
    with kept.engine.connect() as connection:
        assert by_day_and_type(connection, world.coalition) == as_appended
        # the audit page's count of matching events, when only types narrow them, adds the kept counts up
        log = coalition_log.c
        for types in ((), ("CommitmentPledged",), ("CommitmentPledged", "TaskCreated", "NoSuchType")):
            rows = sa.select(sa.func.count()).where(log.coalition_id == world.coalition)
            rows = rows.where(log.type.in_(types)) if types else rows
            assert count(connection, world.coalition, Filters(types=types)) == connection.execute(rows).scalar_one()
        assert count(connection, world.coalition, Filters(types=("CommitmentPledged",))) >= 5
        assert count(connection, world.coalition, Filters(types=("NoSuchType",))) == 0
    # Events the counts missed (appended during an upgrade by the code before them, which moved the audit log's
    # checkpoint but not theirs) are counted by the next append's catch-up
    from projections import checkpoints

    with kept.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM coalition_activity"))
        connection.execute(sa.update(checkpoints).where(checkpoints.c.name == "activity").values(position=0))
    world.ok("POST", f"{world.path}/commitments", "bo", pledge)
    with kept.engine.connect() as connection:
        caught_up = by_day_and_type(connection, world.coalition)
    assert (second, "CommitmentPledged", 3) in caught_up and len(caught_up) == len(as_appended)
    page = signed_in(world, "ana").get(world.path).get_data(as_text=True)
    assert f'datetime="{second}' in page or f">{second}<" in page  # the chart's last day, drawn from the counts
