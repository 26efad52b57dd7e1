"""What the server-drawn charts share: the drawing's units and colours, and how a text, a figure's opening and a
day axis are written (`coalition.web.charts`, `coalition.charts.progress`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import has_request_context
from flask_babel import format_date
from markupsafe import escape

#: The drawing's own units; the SVG scales to the width of its container.
WIDTH = 300
INK, MUTED, GRID, ACCENT = "#1d2733", "#5b6776", "#d9dde3", "#0b6e4f"


def _day_text(day: date) -> str:
    """The date as the reader's locale writes it (ISO outside a request)."""
    return str(format_date(day)) if has_request_context() else day.isoformat()


def _n(value: float) -> str:
    """A coordinate, to one decimal, without a trailing .0."""
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, content: Any, anchor: str = "start", css: str = "", weight: str = "") -> str:
    bold = ' font-weight="700"' if weight else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" class="{css}" fill="{INK if weight else MUTED}"'
        f' font-size="12"{bold}>{escape(str(content))}</text>'
    )


def _open_svg(ident: str, height: int, title: Any, description: Any) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="chart-svg" font-family="inherit">'
        f'<title id="{ident}-title">{escape(str(title))}</title>'
        f'<desc id="{ident}-desc">{escape(str(description))}</desc>'
    )


def _x_scale(first: date, last: date, left: float, right: float) -> Callable[[date], float]:
    span = (last - first).days
    if span == 0:
        return lambda day: left
    return lambda day: left + (right - left) * (day - first).days / span
