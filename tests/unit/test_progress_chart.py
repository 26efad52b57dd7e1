"""The progress chart: drawn without a request (a PDF reuses it), well-formed, escaped, corrections as rings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from coalition.domain.coalition_state import Objective, ProgressPoint
from coalition.web.charts import ProgressLabels, progress_chart

SVG = "{http://www.w3.org/2000/svg}"
TREES = Objective("o1", "Plant trees", None, date(2025, 12, 31), "trees", 0.0, 10_000.0)
CUT = Objective("o2", "Cut emissions", None, date(2025, 12, 31), "t", 100.0, 60.0)


def point(progress_id: str, value: float, day: date, **more: str) -> ProgressPoint:
    return ProgressPoint(progress_id, "o1", value, day, "u-ana", **more)


def test_the_line_joins_the_current_points_and_a_correction_is_a_ring() -> None:
    points = [
        point("p1", 1_000, date(2025, 3, 1)),
        point("p2", 9_000, date(2025, 5, 1), note="<b>typo</b>"),
        point("p3", 2_000, date(2025, 5, 1), supersedes="p2"),
    ]
    markup = str(progress_chart(TREES, points, date(2025, 1, 1), until=date(2025, 6, 1)))
    figure = ET.fromstring(markup)

    line = next(e for e in figure.iter(f"{SVG}path") if e.get("class") == "chart-line")
    assert (line.get("data-values"), line.get("data-days")) == ("1000 2000", "2025-03-01 2025-05-01")
    rings = [e for e in figure.iter(f"{SVG}circle") if e.get("class") == "chart-corrected"]
    assert [r.get("data-day") for r in rings] == ["2025-05-01"]
    assert "&lt;b&gt;typo&lt;/b&gt;" in markup and "<b>typo" not in markup  # the note is escaped
    assert "Latest value 2,000 trees on 2025-05-01; target 10,000 trees by 2025-12-31." in markup
    assert len(list(figure.iter("table"))) == 1 and "(corrected)" in markup


def test_the_planned_path_runs_from_baseline_at_the_start_to_target_on_its_date_both_ways() -> None:
    for objective, rises in ((TREES, True), (CUT, False)):
        figure = ET.fromstring(str(progress_chart(objective, [], date(2025, 1, 1))))
        plan = next(e for e in figure.iter(f"{SVG}line") if e.get("class") == "chart-plan")
        start, end = float(plan.get("y1", 0)), float(plan.get("y2", 0))
        assert (end < start) == rises  # SVG's y grows downwards
        assert float(plan.get("x1", 0)) < float(plan.get("x2", 0))


def test_an_objective_without_indicator_or_points_says_so() -> None:
    bare = Objective("o3", "A brief")
    markup = str(progress_chart(bare, [], date(2025, 1, 1), ProgressLabels(empty="Nothing yet")))
    assert "chart-empty" in markup and "Nothing yet" in markup


def test_a_printed_chart_has_no_tooltips_no_hidden_table_and_dots_only_for_a_few_points() -> None:
    few = [point(f"p{n}", 100.0 * n, date(2025, 1, 1 + n)) for n in range(3)]
    many = [point(f"p{n}", 10.0 * n, date(2025, 1, 1 + n)) for n in range(20)]
    printed = ET.fromstring(str(progress_chart(TREES, few, date(2025, 1, 1), printed=True)))
    crowded = ET.fromstring(str(progress_chart(TREES, many, date(2025, 1, 1), printed=True)))

    assert len(list(printed.iter(f"{SVG}circle"))) == 3 and not list(printed.iter("table"))
    assert all(not list(c) for c in printed.iter(f"{SVG}circle"))  # no <title> inside a dot
    assert not list(crowded.iter(f"{SVG}circle"))
    line = next(e for e in crowded.iter(f"{SVG}path") if e.get("class") == "chart-line")
    assert len(line.get("data-values", "").split()) == 20  # the line still joins every point


def test_the_target_is_named_above_its_line_so_a_long_name_cannot_run_into_the_rising_path() -> None:
    for objective in (TREES, CUT):
        labels = ProgressLabels(target="Целева стойност")
        figure = ET.fromstring(str(progress_chart(objective, [], date(2025, 1, 1), labels)))
        line = next(e for e in figure.iter(f"{SVG}line") if e.get("class") == "chart-target")
        label = next(e for e in figure.iter(f"{SVG}text") if e.get("class") == "chart-goal")
        assert float(label.get("y", 0)) < float(line.get("y1", 0))  # SVG's y grows downwards: above the line
        assert float(label.get("y", 0)) >= 11  # and still inside the chart
