"""Names and titles are one line: they go into e-mail subjects, headers, PDFs and lists, where a line break
(CR, LF, or Unicode's other line and paragraph separators) would break the line or forge another."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

LINE_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")


def has_line_break(value: str | None) -> bool:
    """True when `value` holds a line break of any kind."""
    return bool(value) and LINE_BREAK.search(value or "") is not None


class OneLine:
    """A form field's validator: the text must be one line."""

    def __call__(self, form: Any, field: Any) -> None:
        if has_line_break(field.data):
            raise ValidationError(_l("Write it on one line, without line breaks."))
