"""The words of a PDF that depend on its language but not on our catalogue: days and country names as Babel writes
them, and links printed with their address (for `coalition.pdf.render`)."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from markupsafe import Markup

from coalition.domain import zones

if TYPE_CHECKING:
    from babel import Locale


def _locale(language: str) -> Locale:
    """Babel's locale for `language` (English where Babel does not know it)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def day(moment: datetime, language: str, form: str = "long") -> str:
    """The day of `moment` (in UTC) as `language` writes it, e.g. "4 decembrie 2026"."""
    from babel.dates import format_date

    return format_date((moment.astimezone(UTC) if moment.tzinfo else moment).date(), form, locale=_locale(language))


def date_in(value: date, language: str, form: str = "medium") -> str:
    """A calendar day as `language` writes it in the pages' one format ("Mar 31, 2027", "31 mar. 2027")."""
    from babel.dates import format_date

    return format_date(value, form, locale=_locale(language))


def number_in(value: float, language: str) -> str:
    """A figure as `language` writes it, without needless decimals ("1,200.5", "1.200,5", "1 200,5")."""
    from babel.numbers import format_decimal

    return format_decimal(round(value, 2), locale=_locale(language))


def moment(when: datetime, language: str, zone: str | None) -> str:
    """An instant in UTC and, beside it, on the clock of `zone` (a coalition's), 24-hour as a certificate writes
    it: "20 December 2026, 17:00 UTC (19:00 Europe/Bucharest)"; the zone's day too where it is another
    ("..., 23:30 UTC (21 December 2026, 01:30 Europe/Bucharest)"); UTC alone for a zone of UTC."""
    from babel.dates import format_date

    utc = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    locale = _locale(language)
    text = f"{format_date(utc.date(), 'long', locale=locale)}, {utc:%H:%M} UTC"
    zone = zones.zone_or_default(zone)
    if zone == zones.DEFAULT:
        return text
    local = zones.utc_to_local(utc, zone)
    day_there = "" if local.date() == utc.date() else f"{format_date(local.date(), 'long', locale=locale)}, "
    return f"{text} ({day_there}{local:%H:%M} {zone})"


def country(code: str, language: str) -> str:
    """The country's name in `language` (from the ISO code); "" where there is no code."""
    return str(_locale(language).territories.get(code.upper(), code)) if code else ""


_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)


def printed_links(body: Markup) -> Markup:
    """The rendered statement with each link whose text is not its address marked `print-url`, so the PDF prints
    the address after the text (statement.css); the HTML is the Markdown renderer's, already safe."""

    def mark(match: re.Match[str]) -> str:
        href, rest, inner = match.groups()
        address = html.unescape(href)
        shown = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        if shown in (address, address.removeprefix("mailto:")):
            return match[0]
        return f'<a class="print-url" href="{href}"{rest}>{inner}</a>'

    return Markup(_LINK.sub(mark, str(body)))
