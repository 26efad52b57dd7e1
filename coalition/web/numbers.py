"""Numbers typed into the pages as the reader's language writes them.

Polish, Finnish, Bulgarian, Hungarian and Romanian write a decimal comma ("12,5") and group thousands with a
space or a full stop ("1 200,5", "1.200,5"); English writes "1,200.5". A form field here reads the reader's way
first, strictly (Babel's CLDR symbols: a group in the wrong place is not silently dropped, so "12,5" in English
is refused rather than read as 125), then the plain way every language's people also type ("12.5"), and shows a
stored value back the reader's way. WTForms' own `use_locale` parses leniently, which is why it is not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, get_group_symbol, parse_decimal
from flask_babel import get_locale
from wtforms import DecimalField, FloatField

_SPACES = re.compile(r"[ \u00a0\u202f]")
#: WTForms' own words where a field gives none of ours (translated by WTForms' catalogue, not extracted into ours).
_FLOAT, _DECIMAL = "Not a valid float value.", "Not a valid decimal value."


def _reader() -> Locale:
    return get_locale() or Locale("en")


def parse_number(typed: str) -> Decimal:
    """`typed` as the reader's language writes a number, or as a plain "12.5"; InvalidOperation if neither."""
    cleaned = typed.strip()
    locale = _reader()
    group = get_group_symbol(locale)
    if _SPACES.fullmatch(group):
        cleaned = _SPACES.sub(group, cleaned)  # a typed space is the language's (non-breaking) group space
    try:
        return Decimal(parse_decimal(cleaned, locale=locale, strict=True))
    except (NumberFormatError, ValueError):
        return Decimal(cleaned)


def shown_number(value: Any) -> str:
    """A stored figure as the reader's language writes it, without grouping (so it reads back as typed)."""
    return format_decimal(value, format="0.############", locale=_reader())


def _read_into(field: Any, valuelist: list[Any], convert: Callable[[Decimal], Any], fallback: str) -> None:
    """A number field's `process_formdata`: the typed text read the reader's way, then `convert`ed."""
    if not valuelist:
        return
    try:
        field.data = convert(parse_number(str(valuelist[0])))
    except (InvalidOperation, ValueError, TypeError) as exc:
        field.data = None
        raise ValueError(getattr(field, "invalid_value_message", None) or field.gettext(fallback)) from exc


def _shown(field: Any) -> str:
    """A number field's `_value`: what was typed, else the stored figure the reader's way."""
    if field.raw_data:
        return str(field.raw_data[0])
    return "" if field.data is None else shown_number(field.data)


class LocalFloatField(FloatField):
    """A FloatField that reads "12,5" where the reader's language writes that."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        _read_into(self, valuelist, float, _FLOAT)

    def _value(self) -> str:
        return _shown(self)


class LocalDecimalField(DecimalField):
    """A DecimalField that reads "12,5" where the reader's language writes that."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        _read_into(self, valuelist, Decimal, _DECIMAL)

    def _value(self) -> str:
        return _shown(self)
