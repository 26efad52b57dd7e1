"""The languages of the pages: chosen by the reader, remembered per user, else from the browser."""

from __future__ import annotations

from pathlib import Path


from flask import Flask, request, session
from flask_babel import format_date, get_locale
from flask_login import current_user

from coalition.extensions import babel
from coalition.statement_reads import country_name

#: The languages the pages are translated into, each named in itself.
LOCALES = {"en": "English", "ro": "Română"}
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """The reader's language: the one they chose (kept in their account and session), else their browser's."""
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    stored = getattr(current_user, "locale", None) if current_user else None
    if stored in LOCALES:
        return str(stored)
    return request.accept_languages.best_match(LOCALES) or "en"


def localised_country(code: str | None) -> str:
    """A country's name in the reader's language."""
    return country_name(code, str(get_locale() or "en"))


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our catalogues and language choice; dates and countries per locale."""
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals.update(LOCALES=LOCALES, get_locale=get_locale)
    app.jinja_env.filters.update(format_date=format_date, country_name=localised_country)
