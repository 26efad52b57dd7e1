"""Names and titles are one line: they go into e-mail subjects and headers, PDFs and lists, where a line break
(CR, LF, or Unicode's other line and paragraph separators) would break the line or forge another. The one
definition, asked by the API's schemas, the pages' forms and the handlers."""

from __future__ import annotations

import re

LINE_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")


def has_line_break(value: str | None) -> bool:
    """True when `value` holds a line break of any kind."""
    return bool(value) and LINE_BREAK.search(value or "") is not None
