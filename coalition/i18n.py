"""The languages of the pages: chosen by the reader, remembered per user, else from the browser."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

import pycountry

from flask import Flask, request, session
from flask_babel import format_date, get_locale
from flask_login import current_user

from coalition.extensions import babel

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


@functools.cache
def _countries(locale: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def country_name(code: str | None) -> str:
    """A country's name in the reader's language (ISO 3166-1 alpha-2 code; the code itself if unknown)."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code or ""
    return _countries(str(get_locale() or "en")).gettext(country.name)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our catalogues and language choice; dates and countries per locale."""
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals.update(LOCALES=LOCALES, get_locale=get_locale)
    app.jinja_env.filters.update(format_date=format_date, country_name=country_name)
