"""Days and instants as the current language writes them (pages, e-mails): Flask-Babel's formats.

Instants are shown on the reader's clock: Flask-Babel converts them to the zone its time zone selector chose
for the request (`coalition.web.time_zones`), or the one `reading_zone` sets for an e-mail, and the zone is
named after the time ("20 Dec 2026, 19:00 Europe/Bucharest"; "... 17:00 UTC" for a reader on UTC).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytz
from flask import g, has_app_context
from flask_babel import format_date, format_datetime, format_time, get_timezone

from coalition.domain import zones
from coalition.domain.dates import readable_moment


def _as_date(value: Any) -> date:
    """A day, or an instant (a datetime, or an ISO text with a time) which `format_date` puts on the reader's clock."""
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) > 10 and text[10] in "T ":
        try:
            return _as_datetime(text)
        except ValueError:
            pass
    return date.fromisoformat(text[:10])


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return readable_moment(moment)  # one recorded out of range before the limits were kept: its nearest end


#: The one way pages write a day: the language's medium date ("Dec 20, 2026", "20 dec. 2026"), never a short one.
DAY = "medium"


def localised_day(value: Any) -> str:
    """A day (a date, or an ISO text the read models keep) as the reader's language writes it (`DAY`)."""
    return format_date(_as_date(value), DAY) if value else ""


def reader_zone() -> str:
    """The name of the zone instants are shown in now (the reader's; UTC outside a request)."""
    found = get_timezone() if has_app_context() else None
    return str(getattr(found, "zone", None) or zones.DEFAULT)


@contextmanager
def reading_zone(zone: str | None) -> Iterator[None]:
    """Show instants in `zone` (a recipient's, for an e-mail) inside the block, then as before.

    Flask-Babel's `force_locale` leaves the zone alone: its `get_timezone` keeps the chosen zone on the app
    context's `g._flask_babel.babel_tzinfo`, so that is set here, and put back after."""
    if not has_app_context():
        yield
        return
    get_timezone()  # makes the context Flask-Babel keeps its choices on
    kept = g._flask_babel
    before = getattr(kept, "babel_tzinfo", None)
    kept.babel_tzinfo = pytz.timezone(zones.zone_or_default(zone))
    try:
        yield
    finally:
        kept.babel_tzinfo = before


def localised_moment(value: Any) -> str:
    """An instant as the reader's language writes it, on the reader's clock: the day as `localised_day`, then the
    hour, then the zone ("Dec 20, 2026, 5:00 PM UTC"; "20 dec. 2026, 19:00 Europe/Bucharest")."""
    if not value:
        return ""
    moment = _as_datetime(value)
    return f"{format_date(moment, DAY)}, {format_time(moment, 'short')} {reader_zone()}"


def written_moment(value: Any) -> str:
    """An instant written out in full for a letter or an e-mail, on the reader's clock: "17 December 2026, 17:00
    UTC", "17 December 2026, 19:00 Europe/Bucharest"."""
    return f"{format_datetime(_as_datetime(value), 'd MMMM y, HH:mm')} {reader_zone()}" if value else ""


def written_day(value: Any) -> str:
    """A day written out in full: "17 December 2026" ("17 decembrie 2026")."""
    return format_date(_as_date(value), "d MMMM y") if value else ""
