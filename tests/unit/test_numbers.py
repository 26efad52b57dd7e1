"""Numbers typed the reader's way: a decimal comma where the language writes one, never a group silently dropped."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from coalition.web.numbers import parse_number, shown_number


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    Babel(app)
    return app


@pytest.mark.parametrize(
    ("locale", "typed", "read"),
    [
        ("en", "12.5", "12.5"),
        ("en", "1,200.5", "1200.5"),
        ("pl", "12,5", "12.5"),
        ("pl", "1 200,5", "1200.5"),  # a typed space groups as the language's non-breaking one
        ("pl", "12.5", "12.5"),  # the plain way, which people type in every language
        ("ro", "1.200,5", "1200.5"),
        ("ro", "12.5", "12.5"),
        ("hu", "-3,25", "-3.25"),
        ("bg", " 12,5 ", "12.5"),
        ("fi", "1 200", "1200"),
    ],
)
def test_a_number_is_read_as_the_readers_language_writes_it(app: Flask, locale: str, typed: str, read: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert parse_number(typed) == Decimal(read)


@pytest.mark.parametrize(("locale", "typed"), [("en", "12,5"), ("en", "lots"), ("pl", "1.200,5"), ("hu", "")])
def test_a_group_in_the_wrong_place_or_no_number_is_refused_not_guessed(app: Flask, locale: str, typed: str) -> None:
    with app.test_request_context(), force_locale(locale), pytest.raises(InvalidOperation):
        parse_number(typed)  # English "12,5" is not 125


def test_a_stored_figure_is_shown_back_the_readers_way(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("pl"):
            assert (shown_number(1200.5), shown_number(60.0)) == ("1200,5", "60")
            assert parse_number(shown_number(1200.5)) == Decimal("1200.5")
        with force_locale("en"):
            assert shown_number(1200.5) == "1200.5"
