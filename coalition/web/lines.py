"""The pages' side of the one-line rule for names and titles (`coalition.domain.lines`): a form validator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from coalition.domain.lines import has_line_break


class OneLine:
    """A form field's validator: the text must be one line."""

    def __call__(self, form: Any, field: Any) -> None:
        if has_line_break(field.data):
            raise ValidationError(_l("Write it on one line, without line breaks."))
