"""Days and instants as the current language writes them (pages, e-mails): Flask-Babel's formats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime, format_time

from coalition.domain.dates import readable_moment


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return readable_moment(moment)  # one recorded out of range before the limits were kept: its nearest end


#: The one way pages write a day: the language's medium date ("Dec 20, 2026", "20 dec. 2026"), never a short one.
DAY = "medium"


def localised_day(value: Any) -> str:
    """A day (a date, or an ISO text the read models keep) as the reader's language writes it (`DAY`)."""
    return format_date(_as_date(value), DAY) if value else ""


def localised_moment(value: Any) -> str:
    """An instant (UTC) as the reader's language writes it: the day as `localised_day`, then the hour, marked UTC
    ("Dec 20, 2026, 5:00 PM UTC"; "20 dec. 2026, 17:00 UTC")."""
    if not value:
        return ""
    moment = _as_datetime(value)
    return f"{format_date(moment, DAY)}, {format_time(moment, 'short')} UTC"


def written_moment(value: Any) -> str:
    """An instant (UTC) written out in full for a letter or an e-mail: "17 December 2026, 17:00 UTC"."""
    return f"{format_datetime(_as_datetime(value), 'd MMMM y, HH:mm')} UTC" if value else ""


def written_day(value: Any) -> str:
    """A day written out in full: "17 December 2026" ("17 decembrie 2026")."""
    return format_date(_as_date(value), "d MMMM y") if value else ""
