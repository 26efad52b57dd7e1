"""Days and instants as the current language writes them (pages, e-mails): Flask-Babel's formats.

Instants are shown on the reader's clock: the zone Flask-Babel's time zone selector chose for the request
(`coalition.web.time_zones`), or the one `reading_zone` sets for an e-mail, named after the time ("20 Dec
2026, 19:00 Europe/Bucharest"; "... 17:00 UTC" for a reader on UTC). The instant is moved to that zone with
`zoneinfo` before Flask-Babel formats it (rebase off): pytz, which Flask-Babel would convert with, knows the
clocks' changes only until 2037, and the app takes deadlines until 2200.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytz
from flask import g, has_app_context
from flask_babel import format_date, format_time, get_timezone

from coalition.domain import zones
from coalition.domain.dates import readable_moment


def _as_date(value: Any) -> date:
    """A day, or the day of an instant (a datetime, or an ISO text with a time) on the reader's clock."""
    if isinstance(value, datetime):
        return _on_readers_clock(readable_moment(value)).date()
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) > 10 and text[10] in "T ":
        try:
            return _on_readers_clock(_as_datetime(text)).date()
        except ValueError:
            pass
    return date.fromisoformat(text[:10])


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return readable_moment(moment)  # one recorded out of range before the limits were kept: its nearest end


def _on_readers_clock(moment: datetime) -> datetime:
    return zones.utc_to_local(moment, reader_zone())


#: The one way pages write a day: the language's medium date ("Dec 20, 2026", "20 dec. 2026"), never a short one.
DAY = "medium"


def localised_day(value: Any) -> str:
    """A day (a date, or an ISO text the read models keep) as the reader's language writes it (`DAY`)."""
    return format_date(_as_date(value), DAY) if value else ""


def reader_zone() -> str:
    """The name of the zone instants are shown in now (the reader's; UTC outside a request)."""
    found = get_timezone() if has_app_context() else None
    return zones.zone_or_default(getattr(found, "zone", None) or getattr(found, "key", None))


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


def localised_moment(value: Any, named: bool = True) -> str:
    """An instant as the reader's language writes it, on the reader's clock: the day as `localised_day`, then the
    hour, then the zone ("Dec 20, 2026, 5:00 PM UTC"; "20 dec. 2026, 19:00 Europe/Bucharest"); `named` False
    leaves the zone out (a column whose heading names it)."""
    if not value:
        return ""
    moment = _on_readers_clock(_as_datetime(value))
    shown = f"{format_date(moment.date(), DAY)}, {format_time(moment, 'short', rebase=False)}"
    return f"{shown} {reader_zone()}" if named else shown


def written_moment(value: Any) -> str:
    """An instant written out in full for a letter or an e-mail, on the reader's clock, its day as `written_day`:
    "December 17, 2026, 17:00 UTC", "17 decembrie 2026, 19:00 Europe/Bucharest", "2026. december 17., 18:00 ..."."""
    if not value:
        return ""
    moment = _on_readers_clock(_as_datetime(value))
    return f"{format_date(moment.date(), WRITTEN)}, {moment:%H:%M} {reader_zone()}"


#: A day written out in a letter or an e-mail: the language's long date, as the PDFs write it
#: (`coalition.pdf.dates.day`). A pattern of our own ("d MMMM y") read wrong in Hungarian ("31 december 2028"
#: for "2028. december 31.") and Finnish ("7 joulukuuta" for "7. joulukuuta").
WRITTEN = "long"


def written_day(value: Any) -> str:
    """A day written out in full: "December 17, 2026", "17 decembrie 2026", "2026. december 17."."""
    return format_date(_as_date(value), WRITTEN) if value else ""
