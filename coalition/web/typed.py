"""Flask-WTF's form and Flask-Login's guard as the type checker sees them: neither ships type information.

The pages import `FlaskForm`, `login_required` and `SelectChoice` from here rather than from the
libraries, so that their forms and views are checked like the rest of the code. At run time these are
the libraries' own objects, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import flask_login
from wtforms import Field

# types-WTForms describes WTForms 3.2; `SelectChoice` (a select's option) came in 3.3.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

__all__ = ["FlaskForm", "SelectChoice", "add_error", "login_required"]

P = ParamSpec("P")
R = TypeVar("R")

if TYPE_CHECKING:
    from markupsafe import Markup
    from wtforms import Form

    class FlaskForm(Form):
        """Flask-WTF's form: a WTForms form that reads the request's data and carries a CSRF token."""

        def is_submitted(self) -> bool:
            """Whether the request posts (or puts, patches, deletes) data."""

        def validate_on_submit(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
            """Whether the request posts data and the data is valid."""

        def hidden_tag(self, *fields: Any) -> Markup:
            """The form's hidden fields (the CSRF token among them), rendered."""

else:
    from flask_wtf import FlaskForm


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """The view, for signed-in people only: anyone else is sent to sign in (Flask-Login's guard)."""
    return cast("Callable[P, R]", flask_login.login_required(view))


def add_error(field: Field, message: str) -> None:
    """Show `message` among the field's errors, after validation (which gives every field a list of them).

    The list is extended in place: a form list's errors hold the lists of its rows' fields.
    """
    if isinstance(field.errors, list):
        field.errors.append(message)
    else:  # never validated: the field still has its empty tuple
        field.errors = [*field.errors, message]
