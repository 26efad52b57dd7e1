"""The words of a PDF that depend on its language but not on our catalogue: days and country names as Babel writes
them, and links printed with their address (for `coalition.pdf.render`)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
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
