"""The templates' gettext callables find the catalogue once per locale, and a locale forced inside a request (a mail
in its reader's language) is never answered from the catalogue of the request's own."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_babel import force_locale

STATE = '{{ pgettext("member state", "active") }} / {{ _("nothing overdue") }}'


def test_a_forced_locale_inside_a_request_reads_its_own_catalogue_and_the_request_gets_its_back(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "ro"}):
        before = render_template_string(STATE)
        with force_locale("pl"):
            forced = render_template_string(STATE)
            with force_locale("en"):
                english = render_template_string(STATE)
        after = render_template_string(STATE)

    assert before == after == "activă / nimic în întârziere"
    assert forced == "aktywna / brak zaległości"
    assert forced != before
    assert english == "active / nothing overdue"


def test_each_request_reads_its_own_language(app: Flask) -> None:
    said = {}
    for language in ("ro", "pl", "en", "ro"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            said.setdefault(language, set()).add(render_template_string(STATE))

    assert {language: len(texts) for language, texts in said.items()} == {"ro": 1, "pl": 1, "en": 1}
    assert len({next(iter(texts)) for texts in said.values()}) == 3


def test_a_template_rendered_outside_any_request_or_app_context_reads_the_source_text(app: Flask) -> None:
    """As Flask-Babel's own callables: no context, no catalogue (English, the messages as written)."""
    assert app.jinja_env.from_string(STATE).render() == "active / nothing overdue"
