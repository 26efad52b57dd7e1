"""One common objective's progress chart, drawn on the server as SVG like the other charts (`coalition.web.charts`).

The recorded values as a line, the planned straight path from (the agreement's start, baseline) to
(target date, target) dashed, the target as a line across; corrected points as hollow rings. An accessible
figure with a title and description, and the same figures as a visually hidden table. It needs no request
(outside one, days are ISO and numbers plain), so the partnership report's PDF draws it too. Reach it as
`coalition.web.charts.progress_chart`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import has_request_context
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from coalition.charts.svg import ACCENT, GRID, MUTED, WIDTH, _day_text, _n, _open_svg, _text, _x_scale
from coalition.domain.coalition_state import ProgressPoint
from coalition.domain.policy.objectives import ObjectiveLike, current_points

#: A printed chart marks each point with a dot up to this many points.
PRINTED_DOTS = 12
#: A band above the plot for the target's name, its baseline this far from the top: nothing is drawn there, so the
#: name can collide neither with the rising planned path nor with a point (a correction's ring at the top).
LABEL_BAND, LABEL_BASELINE = 28, 14
PLAN = "#0072b2"  # the planned path and the target (Okabe and Ito blue, apart from the accent green)


def _number_text(value: float) -> str:
    """A value as the reader's locale writes it (plain outside a request)."""
    if has_request_context():
        return str(format_decimal(value, format="#,##0.##"))
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class ProgressLabels:
    """The words of an objective's progress chart."""

    title: Any = _l("Progress towards the target")
    description: Any = ""
    day: Any = _l("Day")
    value: Any = _l("Value")
    note: Any = _l("Note")
    corrected: Any = _l("corrected")
    planned: Any = _l("Planned path")
    target: Any = _l("Target")
    recorded: Any = _l("Recorded")
    empty: Any = _l("No progress recorded yet")
    format_day: Callable[[date], str] = field(default=_day_text)
    format_number: Callable[[float], str] = field(default=_number_text)


def _empty(ident: str, labels: ProgressLabels) -> Markup:
    return Markup(
        f'<figure class="chart chart-progress chart-empty" id="{ident}">'
        + _open_svg(ident, 60, labels.title, labels.description or labels.empty)
        + _text(WIDTH / 2, 34, labels.empty, "middle", "chart-empty-text", "bold")
        + "</svg></figure>"
    )


def _table(points: list[ProgressPoint], superseded: set[str], labels: ProgressLabels, unit: str) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(labels.format_day(p.as_of))}</th>'
        f"<td>{escape(labels.format_number(p.value))}{escape(unit)}"
        + (f" ({escape(str(labels.corrected))})" if p.progress_id in superseded else "")
        + f"</td><td>{escape(p.note or '')}</td></tr>"
        for p in sorted(points, key=lambda p: p.as_of)
    )
    return (
        f'<div class="visually-hidden"><table><caption>{escape(str(labels.title))}</caption><thead><tr>'
        f'<th scope="col">{escape(str(labels.day))}</th><th scope="col">{escape(str(labels.value))}</th>'
        f'<th scope="col">{escape(str(labels.note))}</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def progress_chart(
    objective: ObjectiveLike,
    points: Iterable[ProgressPoint],
    starts_on: date,
    labels: ProgressLabels | None = None,
    *,
    unit: str | None = None,
    until: date | None = None,
    ident: str = "progress-chart",
    printed: bool = False,
) -> Markup:
    """An objective's recorded values against its planned straight path (see the module's docstring).

    `points`: every point recorded on the objective, corrections and the points they supersede included;
    `starts_on`: the agreement's start; `until`: the last day to show (today, or the as-of day), if later.
    `printed`: for paper (the partnership report's PDF), where nothing hovers and nobody reads a hidden table: no
    tooltip per point, no table, and a dot per point only while there are few (PRINTED_DOTS; the line says the rest).
    """
    labels = labels or ProgressLabels()
    listed = list(points)
    shown = current_points(listed)
    superseded = {p.supersedes for p in listed if p.supersedes}
    unit = unit if unit is not None else getattr(objective, "unit", None)
    suffix = f" {unit}" if unit else ""
    baseline, target, due = objective.baseline, objective.target, objective.target_date
    if not listed and (baseline is None or target is None):
        return _empty(ident, labels)
    days = [p.as_of for p in listed] + [d for d in (due, until) if d is not None]
    first, last = min([starts_on, *days]), max([starts_on, *days])
    values = [p.value for p in listed] + [v for v in (baseline, target) if v is not None]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    indicated = baseline is not None and target is not None
    height, left, right, top, bottom = 200, 44, WIDTH - 12, LABEL_BAND if indicated else 16, 164
    x = _x_scale(first, last, left, right)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    latest = shown[-1] if shown else None
    description = labels.description or (
        _l(
            "Latest value %(value)s on %(day)s; target %(target)s by %(due)s.",
            value=labels.format_number(latest.value) + suffix,
            day=labels.format_day(latest.as_of),
            target=labels.format_number(target) + suffix if target is not None else "-",
            due=labels.format_day(due) if due else "-",
        )
        if latest
        else labels.empty
    )
    parts = [f'<figure class="chart chart-progress" id="{ident}">', _open_svg(ident, height, labels.title, description)]
    for value in (low + pad, high - pad):
        parts.append(
            f'<line x1="{left}" y1="{_n(y(value))}" x2="{right}" y2="{_n(y(value))}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 4, y(value) + 4, labels.format_number(value), "end", "chart-tick"))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}" stroke-width="1"/>')
    if baseline is not None and target is not None:
        end = due or last
        parts.append(
            f'<line class="chart-plan" x1="{_n(x(starts_on))}" y1="{_n(y(baseline))}" x2="{_n(x(end))}" '
            f'y2="{_n(y(target))}" stroke="{PLAN}" stroke-width="2" stroke-dasharray="5 4"/>'
        )
        parts.append(
            f'<line class="chart-target" x1="{left}" y1="{_n(y(target))}" x2="{right}" y2="{_n(y(target))}" '
            f'stroke="{PLAN}" stroke-width="1" stroke-opacity="0.6"/>'
        )
        # Named in the band above the plot (`LABEL_BAND`): beside its line a long name ran into the rising path,
        # above it into a point near the top.
        goal = f"{labels.target}: {labels.format_number(target)}{suffix}"
        parts.append(_text(left + 4, LABEL_BASELINE, goal, "start", "chart-goal", "bold"))
    dots = not printed or len(listed) <= PRINTED_DOTS
    for point in listed if dots else ():
        if point.progress_id in superseded:
            parts.append(
                f'<circle class="chart-corrected" cx="{_n(x(point.as_of))}" cy="{_n(y(point.value))}" r="3.5" '
                f'fill="none" stroke="{MUTED}" stroke-width="1.5" data-day="{point.as_of.isoformat()}"><title>'
                f"{escape(labels.format_day(point.as_of))}: {escape(labels.format_number(point.value))}{escape(suffix)}"
                f" ({escape(str(labels.corrected))})</title></circle>"
            )
    if shown:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_n(x(p.as_of))} {_n(y(p.value))}" for i, p in enumerate(shown))
        parts.append(
            f'<path class="chart-line" d="{path}" fill="none" stroke="{ACCENT}" stroke-width="3" '
            f'stroke-linejoin="round" data-days="{" ".join(p.as_of.isoformat() for p in shown)}" '
            f'data-values="{" ".join(f"{p.value:g}" for p in shown)}"/>'
        )
        for p in shown if dots else ():
            parts.append(
                f'<circle cx="{_n(x(p.as_of))}" cy="{_n(y(p.value))}" r="4" fill="{ACCENT}" '
                f'data-day="{p.as_of.isoformat()}" data-value="{p.value:g}"><title>'
                f"{escape(labels.format_day(p.as_of))}: {escape(labels.format_number(p.value))}{escape(suffix)}"
                "</title></circle>"
            )
    parts.append(_text(left, bottom + 18, labels.format_day(first), "start", "chart-first"))
    parts.append(_text(right, bottom + 18, labels.format_day(last), "end", "chart-last"))
    parts.append("</svg>")
    legend = [(ACCENT, "", labels.recorded)]
    if baseline is not None and target is not None:
        legend += [(PLAN, ' stroke-dasharray="3 2"', labels.planned)]
    parts.append(
        '<ul class="chart-legend">'
        + "".join(
            f'<li><svg viewBox="0 0 16 12" width="16" height="12" aria-hidden="true" focusable="false">'
            f'<line x1="0" y1="6" x2="16" y2="6" stroke="{colour}" stroke-width="3"{dash}/></svg> '
            f"{escape(str(name))}</li>"
            for colour, dash, name in legend
        )
        + "</ul>"
    )
    if not printed:
        parts.append(_table(listed, superseded, labels, suffix))
    parts.append("</figure>")
    drawn = "".join(parts)
    return Markup(re.sub(r"<title>[^<]*</title></circle>", "</circle>", drawn) if printed else drawn)
