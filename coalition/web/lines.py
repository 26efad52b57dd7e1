"""The pages' side of the one-line rule for names and titles (`coalition.domain.lines`, `coalition.domain.text`)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from coalition.domain.lines import has_line_break
from coalition.domain.text import has_bidi_control


class OneLine:
    """A form field's validator: the text must be one line, without bidirectional controls."""

    def __call__(self, form: Any, field: Any) -> None:
        if has_line_break(field.data):
            raise ValidationError(_l("Write it on one line, without line breaks."))
        if isinstance(field.data, str) and has_bidi_control(field.data):
            raise ValidationError(
                _l(
                    "Remove the bidirectional control characters (U+202A to U+202E, U+2066 to U+2069): "
                    "they make a name show differently from what it says."
                )
            )
