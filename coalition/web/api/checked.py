"""What every request body of the API is held to, whatever its endpoint (`coalition.domain.text`, `.dates`).

- `Checked`: the base of every request schema. A string field that shows nothing (only spaces or
  invisible characters) is refused by name, as empty. (Lone surrogates never get this far: the body
  is refused whole at the edge, `edge.json_body`.)
- `Trimmed`: a `Checked` schema that strips spaces around every string first.
- `one_line`: names and titles are one line, without bidirectional controls.
- `Day`, `Moment`: dates and date-times between 1900 and 2200, the offset applied safely.
- `Number`: a JSON number (never a string or a boolean), finite, within +-1e12 (`number()`).
- Integers are read with `fields.Integer(strict=True)`: `1.5`, `"3"`, `true` and `1e3` are refused, never rounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from coalition.domain import text
from coalition.domain.dates import RANGE_MESSAGE, day_in_range, moment_in_range
from coalition.domain.lines import has_line_break
from coalition.domain.policy.objectives import LARGEST

NAME = validate.Length(min=1, max=text.NAME)
TEXT = validate.Length(min=1, max=text.TEXT)
ID = validate.Length(min=1, max=text.ID)
EMAIL = validate.Length(max=text.EMAIL)


def one_line(value: str) -> None:
    """Names and titles are one line (`coalition.domain.lines`), without bidirectional controls."""
    if has_line_break(value):
        raise ValidationError("must be one line, without line breaks")
    if text.has_bidi_control(value):
        raise ValidationError(
            "must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069): remove them"
        )


class Checked(Schema):
    """A request body: every string field it loads must show something."""

    #: Fields that are not text for people to read (a password, new or current, may be any characters).
    opaque: ClassVar[frozenset[str]] = frozenset({"password", "current_password"})

    @validates_schema(skip_on_field_errors=False)
    def visible(self, data: dict[str, Any], **_: Any) -> None:
        """Refuse, by name, each string field holding only spaces or invisible characters."""
        errors: dict[str, list[str]] = {}
        for name, field in self.load_fields.items():
            value = data.get(name)
            if name in self.opaque or not isinstance(value, str):
                continue
            problem = text.visible_problem(value)
            if problem is not None:
                errors[field.data_key or name] = [problem]
        if errors:
            raise ValidationError(errors)


class Trimmed(Checked):
    """Strips spaces around every string field before validating, so "  " counts as empty."""

    @pre_load
    def strip(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}


class Day(fields.Date):
    """An ISO date between 1900 and 2200."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        day: date = super()._deserialize(value, attr, data, **kwargs)
        if not day_in_range(day):
            raise ValidationError(RANGE_MESSAGE)
        return day


class Moment(fields.AwareDateTime):
    """An ISO date-time between 1900 and 2200, in UTC and as written (UTC when it names no offset)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        if not moment_in_range(moment):
            raise ValidationError(RANGE_MESSAGE)
        return moment


class Number(fields.Float):
    """A JSON number (not a string, not true or false), finite and between -1e12 and 1e12."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, str | bool) or not isinstance(value, int | float):
            raise ValidationError("must be a number, such as 1200 or 12.5")
        return float(super()._deserialize(value, attr, data, **kwargs))


def number(**options: Any) -> Number:
    """A JSON number field, finite and within +-LARGEST (`coalition.domain.policy.objectives`)."""
    return Number(allow_nan=False, validate=validate.Range(min=-LARGEST, max=LARGEST), **options)
