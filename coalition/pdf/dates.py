"""The words of a PDF that depend on its language but not on our catalogue: days and country names as Babel writes
them, and links printed with their address (for `coalition.pdf.render`)."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from markupsafe import Markup

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
