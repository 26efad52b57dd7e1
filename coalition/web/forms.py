"""What every page form shares: its text and dates checked as the API checks them, and a one-time key.

`PageForm` is the base of every form of the pages (`tests/e2e/test_hostile_inputs_everywhere.py` checks
that none is missed). On top of each form's own validators, it refuses, on the field and in the
reader's language, what `coalition.domain.text` and `coalition.domain.dates` refuse for the API: text
that shows nothing (only spaces or invisible characters), unpaired surrogates, dates outside 1900-2200.

`form_key()` (a template global) renders the one-time key every form carries beside its CSRF token;
`sent_form_key()` reads it back, and the pages' `perform` makes it the command's idempotency key.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import abort, flash, request
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import Field, FieldList, FormField, HiddenField, PasswordField, StringField

from coalition.domain import text
from coalition.domain.dates import day_in_range, moment_in_range
from coalition.web.typed import FlaskForm, add_error

FORM_KEY = "form_key"

#: Above this many organisations (or people), a page asks for a name to type instead of offering each in a menu:
#: the history's filters by who, the organisation to invite. The page keeps its size however large the coalition
#: or the platform grows.
LISTED = 200
#: How many of those a typed name fits are offered to choose from.
OFFERED = 10
_KEY = re.compile(r"[0-9a-f]{32}")


def form_key() -> Markup:
    """A hidden input with a new one-time key, rendered in every form beside its CSRF token."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FORM_KEY, uuid.uuid4().hex)


def sent_form_key() -> str | None:
    """The idempotency key of the form this request sends (None: it sent none); a malformed one is a 400."""
    sent = request.form.get(FORM_KEY) if request.method == "POST" else None
    if not sent:
        return None
    if not _KEY.fullmatch(sent):
        flash(_("This form's one-time key is damaged: reload the page and send the form again."), "error")
        abort(400)
    return f"form:{sent}"


def _fields(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FieldList):
            yield from _fields(field.entries)
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def field_problem(field: Field, dates: bool = True) -> str | None:
    """What the field holds that no form takes, in the reader's language (None: nothing); `dates`: check them."""
    data = field.data
    if isinstance(field, StringField) and not isinstance(field, (PasswordField, HiddenField)):
        if isinstance(data, str) and text.has_lone_surrogate(data):
            return str(_("This holds a character that cannot be stored (an unpaired surrogate): type it again."))
        if isinstance(data, str) and data and text.is_blank(data):
            return str(_("Write some visible text: this holds only spaces or invisible characters."))
    elif not dates:
        return None
    elif isinstance(data, datetime):
        if not moment_in_range(data):
            return str(_("Give a date between 1900-01-01 and 2200-12-31."))
    elif isinstance(data, date) and not day_in_range(data):
        return str(_("Give a date between 1900-01-01 and 2200-12-31."))
    return None


class PageForm(FlaskForm):
    """A page form: its own validators, then the checks every form shares (`field_problem`)."""

    #: Whether its dates are held to 1900-2200: not a filter of what was recorded, whose days are read as the
    #: API's history filters read them (`coalition.web.reading`).
    checks_dates = True

    def validate(self, extra_validators: Any = None) -> bool:
        """The form's validators, then text and dates checked as the API checks them."""
        valid = super().validate(extra_validators)
        for field in _fields(self):
            if field.errors:
                continue
            problem = field_problem(field, self.checks_dates)
            if problem is not None:
                add_error(field, problem)
                valid = False
        return bool(valid)
