"""The languages of the pages: chosen by the reader, remembered per user, else from the browser."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path
from typing import Any

import pycountry
from babel import Locale, support
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_number, get_locale, get_translations
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


def _translations() -> support.NullTranslations:
    """The catalogue of the locale in force, as `flask_babel.get_translations` finds it, kept beside the locale.

    A page asks for hundreds of messages, and Flask-Babel resolves the domain, the locale and its cache for each
    (about 15 µs a message). Here that happens once per locale in force: `force_locale` (a mail in its
    reader's language, inside a request) sets a new locale object, which finds the cache stale."""
    state = g.get("_flask_babel") if g else None  # outside an app context: Flask-Babel's empty catalogue below
    locale = getattr(state, "babel_locale", None)
    kept: tuple[Locale, support.NullTranslations] | None = getattr(state, "coalition_translations", None)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept[1]
    translations: support.NullTranslations = get_translations()
    state = g.get("_flask_babel") if g else None  # get_translations made it, and the locale, if they were not there yet
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.coalition_translations = (state.babel_locale, translations)
    return translations


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our catalogues, language and time zone choice; dates and countries per locale."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=time_zones.select_time_zone,
        default_translation_directories=str(TRANSLATIONS),
    )
    time_zones.init_app(app)
    # The i18n extension's callables, which Flask-Babel installed: the same, with the catalogue found once per locale.
    environment: Any = app.jinja_env
    environment.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(LOCALES=LOCALES, get_locale=get_locale, reader_zone=reader_zone)
    app.jinja_env.filters.update(
        format_date=format_date,
        number=format_number,  # a count as the reader's language writes it: "3,001", "3.001", "3 001"
        country_name=localised_country,
        day=localised_day,
        moment=localised_moment,
        language_name=language_name,
    )
