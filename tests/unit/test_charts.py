"""The SVG charts: what they draw matches the data, every text is escaped, and empty data says so."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

from markupsafe import Markup

from coalition.web.charts import KINDS, SignatureLabels, TimelineLabels, kind_of, signatures_over_time, timeline

SVG = "{http://www.w3.org/2000/svg}"
TOP, BOTTOM, RIGHT = 24, 160, 290  # the signatures chart's plot area, in its own units


def parse(markup: Markup) -> ET.Element:
    """The figure as XML (the charts are well-formed)."""
    return ET.fromstring(str(markup))


def line_of(figure: ET.Element) -> ET.Element:
    return next(e for e in figure.iter(f"{SVG}path") if e.get("class") == "chart-line")


def counts_drawn(path: str, highest: int) -> list[int]:
    """The counts the step line's vertical moves reach, read back from their y coordinates."""
    return [round((BOTTOM - float(v)) * highest / (BOTTOM - TOP)) for v in re.findall(r"V([\d.]+)", path)]


def test_the_step_line_rises_and_falls_with_the_counts() -> None:
    points = [(date(2026, 5, 1), 1), (date(2026, 5, 3), 4), (date(2026, 5, 4), 2), (date(2026, 5, 9), 3)]
    figure = parse(signatures_over_time(points))
    line = line_of(figure)

    assert counts_drawn(line.get("d", ""), 4) == [1, 4, 2, 3]
    assert line.get("data-counts") == "1 4 2 3"
    assert line.get("data-days") == "2026-05-01 2026-05-03 2026-05-04 2026-05-09"
    assert line.get("d", "").startswith(f"M30 {BOTTOM} ")  # from zero on the first day
    horizontal = [float(h) for h in re.findall(r"H([\d.]+)", line.get("d", ""))]
    assert horizontal == sorted(horizontal) and horizontal[-1] == RIGHT  # left to right, to the last day


def test_the_last_count_of_a_day_wins_and_points_may_come_unsorted() -> None:
    points = [(datetime(2026, 5, 2, 9), 2), (date(2026, 5, 1), 1), ("2026-05-02T18:00:00+00:00", 1)]
    line = line_of(parse(signatures_over_time(points)))

    assert line.get("data-counts") == "1 1" and line.get("data-days") == "2026-05-01 2026-05-02"


def test_the_current_count_and_the_first_and_last_dates_are_labelled() -> None:
    figure = parse(signatures_over_time([(date(2026, 5, 1), 2), (date(2026, 5, 3), 5)], until=date(2026, 5, 20)))
    texts = {e.get("class"): e.text for e in figure.iter(f"{SVG}text")}

    assert texts["chart-now"] == "5"
    assert (texts["chart-first"], texts["chart-last"]) == ("2026-05-01", "2026-05-20")
    assert figure.find(f"{SVG}svg/{SVG}desc").text == "Signatures that count: 2 on 2026-05-01, 5 on 2026-05-20."


def test_the_figure_is_an_accessible_scalable_image_with_a_data_table() -> None:
    figure = parse(signatures_over_time([(date(2026, 5, 1), 1), (date(2026, 5, 2), 2)]))
    svg = figure.find(f"{SVG}svg")

    assert svg.get("role") == "img" and svg.get("width") == "100%" and svg.get("viewBox") == "0 0 300 190"
    assert svg.get("aria-labelledby") == "signatures-chart-title signatures-chart-desc"
    assert svg.find(f"{SVG}title").text == "Signatures over time"
    hidden = figure.find("div")
    assert hidden.get("class") == "visually-hidden"  # a 1 px box the table cannot widen
    table = hidden.find("table")
    assert [(r.find("th").text, r.find("td").text) for r in table.iter("tr") if r.find("td") is not None] == [
        ("2026-05-01", "1"),
        ("2026-05-02", "2"),
    ]


def test_hostile_labels_are_escaped() -> None:
    hostile = '<script>alert("x")</script>'
    markup = signatures_over_time(
        [(date(2026, 5, 1), 1)], SignatureLabels(title=hostile, count=hostile, format_day=lambda day: hostile)
    )

    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert parse(markup).find(f"{SVG}svg/{SVG}title").text == hostile  # shown as the text it is


def test_no_signatures_make_a_clear_empty_figure() -> None:
    markup = signatures_over_time([])
    figure = parse(markup)

    assert "chart-empty" in figure.get("class", "")
    assert [e.text for e in figure.iter(f"{SVG}text")] == ["No signatures yet"]
    assert figure.find(f"{SVG}svg/{SVG}desc").text == "No signatures yet"
    assert not list(figure.iter(f"{SVG}path")) and figure.find("div") is None


def test_a_single_day_runs_across_the_chart() -> None:
    figure = parse(signatures_over_time([(date(2026, 5, 1), 3)]))

    assert line_of(figure).get("d") == f"M30 {BOTTOM} V{TOP} H{RIGHT}"
    assert [e.get("class") for e in figure.iter(f"{SVG}text")].count("chart-last") == 0  # one date, said once


def test_events_are_grouped_by_day_and_kind() -> None:
    events = [
        ("2026-01-10T09:00:00Z", "CoalitionFounded"),
        ("2026-01-10", "MembershipRequested"),
        ("2026-01-12", "MembershipApproved"),
        ("2026-01-12", "MemberInvited"),
        (date(2026, 2, 1), "TaskCreated"),
        (date(2026, 2, 1), "StatementSigned"),
        (date(2026, 2, 1), "OrganisationCreated"),
    ]  # not a coalition event: left out
    figure = parse(timeline(events))
    dots = {
        (c.get("data-day"), c.get("data-kind")): int(c.get("data-count", 0))
        for c in figure.iter(f"{SVG}circle")
        if c.get("data-kind")
    }

    assert dots == {
        ("2026-01-10", "governance"): 1,
        ("2026-01-10", "membership"): 1,
        ("2026-01-12", "membership"): 2,
        ("2026-02-01", "task"): 1,
        ("2026-02-01", "statement"): 1,
    }
    first = next(c for c in figure.iter(f"{SVG}circle") if c.get("data-day") == "2026-01-10")
    last = next(c for c in figure.iter(f"{SVG}circle") if c.get("data-day") == "2026-02-01")
    assert float(first.get("cx")) < float(last.get("cx"))
    assert [li.text.strip() if li.text else "".join(li.itertext()).strip() for li in figure.iter("li")] == [
        "Membership",
        "Commitments",
        "Tasks",
        "Statements",
        "Roles and agreement",
        "Progress and evaluation",
    ]


def test_each_kind_has_its_own_lane_and_colour() -> None:
    figure = parse(timeline([(date(2026, 1, 1), kind) for kind in KINDS]))
    dots = [c for c in figure.iter(f"{SVG}circle") if c.get("data-kind")]

    assert len({c.get("cy") for c in dots}) == len(KINDS) and len({c.get("fill") for c in dots}) == len(KINDS)
    assert {c.get("data-kind"): c.get("fill") for c in dots} == KINDS


def test_the_timeline_escapes_its_labels_and_says_when_it_is_empty() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    markup = timeline([(date(2026, 1, 1), "task")], TimelineLabels(kinds={"task": hostile}))
    assert "<img" not in markup and "&lt;img" in markup

    empty = parse(timeline([(date(2026, 1, 1), "OrganisationCreated")]))
    assert "chart-empty" in empty.get("class", "") and [e.text for e in empty.iter(f"{SVG}text")] == ["No events yet"]


def test_event_types_map_to_kinds() -> None:
    assert [
        kind_of(t)
        for t in (
            "MemberSuspended",
            "InvitationAccepted",
            "CommitmentRescheduled",
            "TaskDropped",
            "DraftRevised",
            "SignatureWithdrawn",
            "RoleRemoved",
            "AgreementAmended",
            "ObjectiveProgressRecorded",
            "EvaluationClosed",
            "MandateGranted",
        )
    ] == [
        "membership",
        "membership",
        "commitment",
        "task",
        "statement",
        "statement",
        "governance",
        "governance",
        "monitoring",
        "monitoring",
        None,
    ]


def test_the_count_axis_has_evenly_spaced_whole_ticks_up_to_the_highest_count() -> None:
    figure = parse(signatures_over_time([(date(2026, 5, 1), 5), (date(2026, 5, 2), 22)]))
    ticks = [int(e.text) for e in figure.iter(f"{SVG}text") if e.get("class") == "chart-tick"]

    assert ticks == [0, 6, 12, 18, 24]
    assert counts_drawn(line_of(figure).get("d", ""), 24) == [5, 22]
