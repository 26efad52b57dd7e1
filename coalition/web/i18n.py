"""The languages of the pages: chosen by the reader, remembered per user, else from the browser."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

import pycountry
from babel import Locale
from flask import Flask, has_request_context, request, session
from flask_babel import format_date, get_locale
from flask_login import current_user

from coalition.domain.statement import LANGUAGES
from coalition.infra.extensions import babel
from coalition.infra.formats import localised_day, localised_moment, reader_zone
from coalition.reads.statements import country_name
from coalition.web import time_zones

TRANSLATIONS = Path(__file__).parent.parent / "translations"


def _translated_locales() -> dict[str, str]:
    """English (the source) and every language with a compiled catalogue, each named in itself."""
    codes = sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo"))
    return {code: str(Locale.parse(code).get_display_name(code)).capitalize() for code in ["en", *codes]}


#: The languages the pages are translated into, each named in itself ({"en": "English", "ro": "Română", ...}).
LOCALES = _translated_locales()


def select_locale() -> str | None:
    """The reader's language: the one they chose (kept in their account and session), else their browser's.

    None outside a request (a command, a job): Flask-Babel then uses the default, English."""
    if not has_request_context():
        return None
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    stored = getattr(current_user, "locale", None) if current_user else None
    if stored in LOCALES:
        return str(stored)
    return request.accept_languages.best_match(LOCALES) or "en"


def request_locale() -> str:
    """The language of this request's reader (as the pages choose it), for what is sent on their behalf."""
    return select_locale() or "en"


def localised_country(code: str | None) -> str:
    """A country's name in the reader's language."""
    return country_name(code, str(get_locale() or "en"))


@functools.cache
def _language_names(locale: str) -> dict[str, str]:
    names = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[locale], fallback=True)
    found = {code: pycountry.languages.get(alpha_2=code) for code in LANGUAGES}
    return {code: names.gettext(language.name) if language else code for code, language in found.items()}


def language_name(code: str) -> str:
    """A statement language's name in the reader's language (ro: "Romanian", or "română" to a Romanian reader)."""
    return _language_names(str(get_locale() or "en")).get(code, code)


def language_choices(exclude: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
    """(code, "Name (code)") for every statement language, by name in the reader's language."""
    names = _language_names(str(get_locale() or "en"))
    return sorted(
        ((code, f"{name} ({code})") for code, name in names.items() if code not in exclude),
        key=lambda choice: choice[1].casefold(),
    )


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our catalogues, language and time zone choice; dates and countries per locale."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=time_zones.select_time_zone,
        default_translation_directories=str(TRANSLATIONS),
    )
    time_zones.init_app(app)
    app.jinja_env.globals.update(LOCALES=LOCALES, get_locale=get_locale, reader_zone=reader_zone)
    app.jinja_env.filters.update(
        format_date=format_date,
        country_name=localised_country,
        day=localised_day,
        moment=localised_moment,
        language_name=language_name,
    )
