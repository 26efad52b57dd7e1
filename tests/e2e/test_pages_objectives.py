"""An objective's page from the browser: its indicator, chart and status; recording and correcting progress;
as of a past day; the grid's progress column; the agreement forms' indicator fields."""

from __future__ import annotations

import re

from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_api_objectives import day, later, measured
from tests.e2e.world import World


def page(world: World, objective: str = "o1") -> str:
    return f"{world.path}/objectives/{objective}"


def action(world: World, objective: str = "o1") -> str:
    return f"{page(world, objective)}/progress"


def test_a_liaison_records_progress_and_sees_the_chart_and_status(world: World) -> None:
    measured(world)
    client = signed_in(world, "lia")
    before = text(client.get(page(world)))
    assert 'id="progress-value"' in before and "No progress recorded yet" in before

    sent = submit(client, page(world), action(world), {"value": "18", "as_of": day(world, 0), "note": "Spring round"})
    assert sent.status_code == 302

    shown = text(client.get(page(world)))
    assert "The progress is recorded." in shown
    assert '<figure class="chart chart-progress"' in shown and 'data-values="18"' in shown
    assert "on track" in shown and "45% of the way" in shown and "Spring round" in shown
    assert re.search(r"<table>.*18.*</table>", shown, re.S)  # the same figures for screen readers


def test_a_correction_from_the_page_supersedes_the_point(world: World) -> None:
    measured(world)
    first = world.ok("POST", f"{world.path}/objectives/o1/progress", "ana", {"value": 30, "as_of": day(world, -1)})
    client = signed_in(world, "ana")
    sent = submit(
        client, page(world), action(world), {"value": "3", "as_of": day(world, -1), "supersedes": first["id"]}
    )
    assert sent.status_code == 302
    shown = text(client.get(page(world)))
    assert "a correction" in shown and "corrected" in shown and "behind" in shown


def test_bad_input_on_the_page_is_400_or_refused_and_records_nothing(world: World) -> None:
    measured(world)
    client = signed_in(world, "lia")
    before = world.api.head()
    for data, says in (
        ({"value": "lots", "as_of": day(world, 0)}, "Give a number"),
        ({"value": "nan", "as_of": day(world, 0)}, "Give a number"),
        ({"value": "inf", "as_of": day(world, 0)}, "Give a number"),
        ({"value": "5", "as_of": "soon"}, "year-month-day"),
        ({"value": "5", "as_of": day(world, 3)}, "is in the future"),
        ({"value": "5", "as_of": day(world, 0), "organisation_id": world.green}, "their own organisation only"),
    ):
        response = submit(client, page(world), action(world), data)
        assert 400 <= response.status_code < 500, data
        assert says in text(response), (data, says)
    assert world.api.head() == before


def test_only_facilitators_and_liaisons_see_the_form_and_members_alone_read(world: World) -> None:
    measured(world)
    assert 'id="progress-value"' not in text(signed_in(world, "bo").get(page(world)))
    facilitator = text(signed_in(world, "ana").get(page(world)))
    assert 'id="progress-value"' in facilitator and '<option value="">The coalition as a whole</option>' in facilitator
    assert signed_in(world, "olli").get(page(world)).status_code == 403
    assert signed_in(world, "ana").get(page(world, "o9")).status_code == 404
    refused = submit(signed_in(world, "bo"), page(world), action(world), {"value": "5", "as_of": day(world, 0)})
    assert refused.status_code == 403


def test_the_page_as_of_a_past_day_and_the_grid_show_progress(world: World) -> None:
    measured(world)
    world.ok("POST", f"{world.path}/objectives/o1/progress", "lia", {"value": 10, "as_of": day(world, -1)})
    yesterday = day(world, 0)
    later(world, 2)
    world.ok("POST", f"{world.path}/objectives/o1/progress", "lia", {"value": 24, "as_of": day(world, 0)})
    client = signed_in(world, "bo")

    then = text(client.get(f"{page(world)}?date={yesterday}"))
    assert "As it stood at the end of" in then and 'data-values="10"' in then and 'id="progress-value"' not in then
    assert client.get(f"{page(world)}?date=someday").status_code == 400

    grid = text(client.get(f"{world.path}/grid"))
    assert "60% of the way" in grid and f'href="{page(world)}"' in grid
    assert "Reported: 24 sites on" in grid  # in River Watch's column: Lia recorded it for her organisation
    past = text(client.get(f"{world.path}/grid?date={yesterday}"))
    assert "25% of the way" in past and "60% of the way" not in past


# -- the agreement forms' indicators ----------------------------------------------------------------------

AMEND = {
    "name": "Danube Rivers Coalition",
    "purpose": "Cleaner rivers",
    "starts_on": "2026-01-01",
    "ends_on": "2028-12-31",
    "cooperation_mechanism": "Monthly calls",
    "benefit_sharing": "Joint credit",
    "objectives-0-objective_id": "o1",
    "objectives-0-text": "Monitor water quality at 40 sites",
    "objectives-0-target_date": "2027-06-30",
    "objectives-1-objective_id": "o2",
    "objectives-1-text": "Publish a joint policy brief",
}


def test_the_amend_form_takes_an_indicator_and_shows_it_again(world: World) -> None:
    client = signed_in(world, "ana")
    path = f"{world.path}/agreement"
    indicator = {"objectives-1-unit": "t CO2", "objectives-1-baseline": "100", "objectives-1-target": "60.5"}
    response = submit(client, path, path, {**AMEND, **indicator})

    assert response.status_code == 302
    [_, brief] = world.ok("GET", world.path, "ana")["agreement"]["objectives"]
    assert (brief["unit"], brief["baseline"], brief["target"]) == ("t CO2", 100, 60.5)
    again = text(client.get(path))
    assert 'value="t CO2"' in again and 'value="60.5"' in again


def test_the_agreement_forms_refuse_a_bad_indicator_and_record_nothing(world: World) -> None:
    client = signed_in(world, "ana")
    path = f"{world.path}/agreement"
    before = world.api.head()
    for typed, says in (
        ({"objectives-0-baseline": "5", "objectives-0-target": "5"}, "The target must differ from the baseline."),
        ({"objectives-0-baseline": "a few"}, "Enter a number, such as 40 or 12.5."),
        ({"objectives-0-baseline": "0", "objectives-0-target": "nan"}, "Enter a number, such as 40 or 12.5."),
        ({"objectives-0-baseline": "0", "objectives-0-target": "1e400"}, "Enter a number, such as 40 or 12.5."),
        ({"objectives-0-target": "40"}, "Give both a baseline and a target, or neither."),
    ):
        response = submit(client, path, path, {**AMEND, **typed})
        assert response.status_code == 400 and says in text(response), typed
    founding = {k: v for k, v in AMEND.items() if "objective_id" not in k}
    response = submit(
        client,
        "/coalitions/new",
        "/coalitions/new",
        {**founding, "organisation_id": world.green, "objectives-0-baseline": "1", "objectives-0-target": "1"},
    )
    assert response.status_code == 400 and "The target must differ from the baseline." in text(response)
    assert world.api.head() == before


def test_a_polish_reader_types_a_decimal_comma_and_sees_it_back(world: World) -> None:
    """Polish (like Romanian, Finnish, Bulgarian, Hungarian) writes 12,5: the page reads it and shows it so."""
    measured(world)
    client = signed_in(world, "lia")
    with client.session_transaction() as session:
        session["locale"] = "pl"
    sent = submit(client, page(world), action(world), {"value": "12,5", "as_of": day(world, 0)})
    assert sent.status_code == 302
    [point] = [p for o in world.ok("GET", f"{world.path}/objectives", "ana")["objectives"] for p in o["points"]]
    assert point["value"] == 12.5

    facilitator = signed_in(world, "ana")
    with facilitator.session_transaction() as session:
        session["locale"] = "pl"
    path = f"{world.path}/agreement"
    indicator = {"objectives-1-unit": "t CO2", "objectives-1-baseline": "1 200,5", "objectives-1-target": "60,5"}
    assert submit(facilitator, path, path, {**AMEND, **indicator}).status_code == 302
    [_, brief] = world.ok("GET", world.path, "ana")["agreement"]["objectives"]
    assert (brief["baseline"], brief["target"]) == (1200.5, 60.5)
    again = text(facilitator.get(path))
    assert 'value="1200,5"' in again and 'value="60,5"' in again
