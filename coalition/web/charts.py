"""Small charts drawn on the server as SVG: no script, nothing loaded from elsewhere, every text escaped.

Each chart is a `<figure>` holding an SVG image (scaled to its container by its viewBox, sized for
a 360 px wide phone) with a title and description for screen readers, and the same figures as a
visually hidden table. Charts take plain data; the labels default to translatable English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from coalition.charts.progress import ProgressLabels, progress_chart
from coalition.charts.svg import ACCENT, GRID, INK, MUTED, WIDTH, _day_text, _n, _open_svg, _text, _x_scale

#: The kinds of coalition events the timeline tells apart, with colours readers with colour blindness
#: can tell apart too (Okabe and Ito), in the order of the lanes and the legend.
KINDS: dict[str, str] = {
    "membership": "#0072b2",
    "commitment": "#009e73",
    "task": "#e69f00",
    "statement": "#cc79a7",
    "governance": "#d55e00",
    "monitoring": "#56b4e9",
}
_PREFIXES = (
    ("Member", "membership"),
    ("Invitation", "membership"),
    ("Commitment", "commitment"),
    ("Task", "task"),
    ("Statement", "statement"),
    ("Draft", "statement"),
    ("Translation", "statement"),
    ("Signature", "statement"),
    ("Role", "governance"),
    ("Agreement", "governance"),
    ("Coalition", "governance"),
    ("Objective", "monitoring"),
    ("Evaluation", "monitoring"),
)

Day = date | datetime | str
__all__ = [
    "ACCENT",
    "GRID",
    "INK",
    "KINDS",
    "MUTED",
    "WIDTH",
    "ProgressLabels",
    "SignatureLabels",
    "TimelineLabels",
    "history_points",
    "kind_of",
    "progress_chart",
    "signatures_over_time",
    "timeline",
]


@dataclass(frozen=True)
class SignatureLabels:
    """The words of the signatures chart; `description` summarises it in one sentence (composed if empty)."""

    title: Any = _l("Signatures over time")
    description: Any = ""
    day: Any = _l("Day")
    count: Any = _l("Organisations whose signature counts")
    empty: Any = _l("No signatures yet")
    format_day: Callable[[date], str] = field(default=_day_text)


@dataclass(frozen=True)
class TimelineLabels:
    """The words of the coalition timeline; `kinds` names each kind of event."""

    title: Any = _l("The coalition's events over time")
    description: Any = ""
    day: Any = _l("Day")
    empty: Any = _l("No events yet")
    kinds: Mapping[str, Any] = field(
        default_factory=lambda: {
            "membership": _l("Membership"),
            "commitment": _l("Commitments"),
            "task": _l("Tasks"),
            "statement": _l("Statements"),
            "governance": _l("Roles and agreement"),
            "monitoring": _l("Progress and evaluation"),
        }
    )
    format_day: Callable[[date], str] = field(default=_day_text)


def kind_of(event_type: str) -> str | None:
    """The timeline's kind of a coalition event type (MemberInvited: membership), or None for others."""
    if event_type in KINDS:
        return event_type
    return next((kind for prefix, kind in _PREFIXES if event_type.startswith(prefix)), None)


def _as_day(value: Day) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _ticks(top: int) -> list[int]:
    """Up to five evenly spaced whole numbers from 0 to at least `top`, for the count axis."""
    step = max(1, -(-top // 4))
    return list(range(0, -(-top // step) * step + 1, step))


# -- signatures over time ------------------------------------------------------------------------------


def signatures_over_time(
    points: Iterable[tuple[Day, int]],
    labels: SignatureLabels | None = None,
    *,
    until: Day | None = None,
    ident: str = "signatures-chart",
) -> Markup:
    """A step line of how many organisations' signatures counted at the end of each day.

    `points` are (day, count) pairs, one per day the count may have changed (the last of a day wins);
    the line runs on at the last count until `until` (e.g. today) when that is later.
    """
    labels = labels or SignatureLabels()
    by_day = {_as_day(day): max(0, int(count)) for day, count in sorted(points, key=lambda p: _as_day(p[0]))}
    height, left, right, top, bottom = 190, 30, WIDTH - 10, 24, 160
    if not by_day:
        return Markup(
            f'<figure class="chart chart-signatures chart-empty" id="{ident}">'
            + _open_svg(ident, 120, labels.title, labels.description or labels.empty)
            + f'<line x1="{left}" y1="90" x2="{right}" y2="90" stroke="{GRID}" stroke-width="2"/>'
            + _text(WIDTH / 2, 60, labels.empty, "middle", "chart-empty-text", "bold")
            + "</svg></figure>"
        )
    days = sorted(by_day)
    end = max(days[-1], _as_day(until)) if until is not None else days[-1]
    ticks = _ticks(max(1, *by_day.values()))
    highest = ticks[-1]
    x = _x_scale(days[0], end, left, right)

    def y(count: int) -> float:
        return bottom - (bottom - top) * count / highest

    path = [f"M{_n(x(days[0]))} {_n(y(0))}"]
    for index, day in enumerate(days):
        path += [f"H{_n(x(day))}"] if index else []
        path.append(f"V{_n(y(by_day[day]))}")
    path.append(f"H{_n(x(end) if end > days[0] else right)}")
    current = by_day[days[-1]]
    description = labels.description or _l(
        "Signatures that count: %(first)d on %(start)s, %(last)d on %(end)s.",
        first=by_day[days[0]],
        start=labels.format_day(days[0]),
        last=current,
        end=labels.format_day(end),
    )
    parts = [
        f'<figure class="chart chart-signatures" id="{ident}">',
        _open_svg(ident, height, labels.title, description),
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" y1="{_n(y(tick))}" x2="{right}" y2="{_n(y(tick))}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y(tick) + 4, tick, "end", "chart-tick"))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}" stroke-width="1"/>')
    parts.append(
        f'<path class="chart-line" d="{" ".join(path)}" fill="none" stroke="{ACCENT}" stroke-width="3" '
        f'stroke-linejoin="round" data-days="{" ".join(d.isoformat() for d in days)}" '
        f'data-counts="{" ".join(str(by_day[d]) for d in days)}"/>'
    )
    for day in days:
        parts.append(
            f'<circle cx="{_n(x(day))}" cy="{_n(y(by_day[day]))}" r="3.5" fill="{ACCENT}" '
            f'data-day="{day.isoformat()}" data-count="{by_day[day]}"><title>'
            f"{escape(labels.format_day(day))}: {by_day[day]}</title></circle>"
        )
    parts.append(_text(right, y(current) - 8, current, "end", "chart-now", "bold"))  # above the line's end
    parts.append(_text(left, bottom + 18, labels.format_day(days[0]), "start", "chart-first"))
    if end > days[0]:
        parts.append(_text(right, bottom + 18, labels.format_day(end), "end", "chart-last"))
    parts.append("</svg>")
    rows = "".join(f'<tr><th scope="row">{escape(labels.format_day(d))}</th><td>{by_day[d]}</td></tr>' for d in days)
    parts.append(
        f'<div class="visually-hidden"><table><caption>{escape(str(labels.title))}</caption><thead><tr>'
        f'<th scope="col">{escape(str(labels.day))}</th><th scope="col">{escape(str(labels.count))}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div></figure>"
    )
    return Markup("".join(parts))


# -- the coalition's timeline --------------------------------------------------------------------------


def timeline(
    events: Iterable[tuple[Day, str]],
    labels: TimelineLabels | None = None,
    *,
    ident: str = "timeline-chart",
    counted: Iterable[tuple[Day, str, int]] = (),
) -> Markup:
    """A horizontal timeline: per day, a dot in the lane of each kind of event that happened, sized by how many.

    `events` are (day, kind) pairs; a kind is one of KINDS or an event type name (see `kind_of`);
    events of other types are left out. `counted`: (day, kind, how many) of events already counted, drawn
    with them.
    """
    labels = labels or TimelineLabels()
    counts: Counter[tuple[date, str]] = Counter()
    for day, what, number in [*((day, what, 1) for day, what in events), *counted]:
        kind = kind_of(what)
        if kind is not None:
            counts[(_as_day(day), kind)] += number
    lane, left, right, top = 22, 12, WIDTH - 12, 8
    bottom = top + lane * len(KINDS)
    height = bottom + 26
    legend = "".join(
        f'<li><svg viewBox="0 0 12 12" width="12" height="12" aria-hidden="true" focusable="false">'
        f'<circle cx="6" cy="6" r="5" fill="{colour}"/></svg> {escape(str(labels.kinds.get(kind, kind)))}</li>'
        for kind, colour in KINDS.items()
    )
    if not counts:
        return Markup(
            f'<figure class="chart chart-timeline chart-empty" id="{ident}">'
            + _open_svg(ident, 60, labels.title, labels.description or labels.empty)
            + _text(WIDTH / 2, 34, labels.empty, "middle", "chart-empty-text", "bold")
            + "</svg></figure>"
        )
    days = sorted({day for day, _ in counts})
    x = _x_scale(days[0], days[-1], left + 8, right - 8) if len(days) > 1 else (lambda day: WIDTH / 2)
    total = sum(counts.values())
    description = labels.description or _l(
        "Events recorded from %(start)s to %(end)s: %(total)d.",
        start=labels.format_day(days[0]),
        end=labels.format_day(days[-1]),
        total=total,
    )
    parts = [f'<figure class="chart chart-timeline" id="{ident}">', _open_svg(ident, height, labels.title, description)]
    for index, (kind, colour) in enumerate(KINDS.items()):
        middle = top + lane * index + lane / 2
        parts.append(
            f'<line x1="{left}" y1="{_n(middle)}" x2="{right}" y2="{_n(middle)}" stroke="{GRID}" '
            f'stroke-width="1" data-lane="{kind}"/>'
        )
        for (day, what), count in sorted(counts.items()):
            if what == kind:
                radius = min(9.0, 3.5 + 1.5 * (count - 1))
                name = escape(str(labels.kinds.get(kind, kind)))
                parts.append(
                    f'<circle cx="{_n(x(day))}" cy="{_n(middle)}" r="{_n(radius)}" fill="{colour}" '
                    f'fill-opacity="0.85" data-day="{day.isoformat()}" data-kind="{kind}" '
                    f'data-count="{count}"><title>{escape(labels.format_day(day))}: {name} ({count})'
                    "</title></circle>"
                )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}" stroke-width="1"/>')
    parts.append(_text(left, bottom + 18, labels.format_day(days[0]), "start", "chart-first"))
    if len(days) > 1:
        parts.append(_text(right, bottom + 18, labels.format_day(days[-1]), "end", "chart-last"))
    parts.append(f'</svg><ul class="chart-legend">{legend}</ul>')
    head = "".join(f'<th scope="col">{escape(str(labels.kinds.get(kind, kind)))}</th>' for kind in KINDS)
    rows = "".join(
        f'<tr><th scope="row">{escape(labels.format_day(day))}</th>'
        + "".join(f"<td>{counts.get((day, kind), 0)}</td>" for kind in KINDS)
        + "</tr>"
        for day in days
    )
    parts.append(
        f'<div class="visually-hidden"><table><caption>{escape(str(labels.title))}</caption><thead><tr>'
        f'<th scope="col">{escape(str(labels.day))}</th>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
        "</figure>"
    )
    return Markup("".join(parts))


def history_points(entries: Sequence[Any]) -> list[tuple[str, str]]:
    """The timeline's (day, event type) pairs from audit history entries (anything with recorded_at and type)."""
    return [(entry.recorded_at[:10], entry.type) for entry in entries]
