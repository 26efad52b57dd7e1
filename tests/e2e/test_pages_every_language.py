"""Every page in every language: the demo walked through Flask's test client in each language with a catalogue,
signed out and as the facilitator. A page that raises in one language only (a translation that does not format,
a plural form missing) is a 500 there and nowhere else; each page must answer below 500, in its language."""

from __future__ import annotations

import re

import pytest

from coalition.web.i18n import LOCALES
from tests.e2e.accessibility import FACILITATOR, Fillers, build, distinct, signed_in
from tests.e2e.browser import Site
from tests.e2e.browser import site as site  # noqa: F401  (fixture)
from tests.e2e.pages import submit


@pytest.mark.slow
def test_every_page_answers_in_each_language_signed_out_and_as_the_facilitator(site: Site) -> None:  # noqa: F811
    world = build(site.app)
    paths = Fillers(world).paths(site.app)
    wrong: list[str] = []
    said: set[str] = set()
    for person in (None, FACILITATOR):
        pages = distinct(site.app, person, paths)
        for language in (code for code in LOCALES if code != "en"):
            client = signed_in(site.app, person)
            chosen = submit(client, "/", "/language", {"locale": language, "next": "/"})
            assert chosen.status_code in (302, 303), chosen.get_data(as_text=True)
            for path in pages:
                answer = client.get(path)
                html = answer.get_data(as_text=True)
                spoken = re.search(r'<html lang="([^"]+)"', html)
                said.add(spoken.group(1) if spoken else "")
                if answer.status_code >= 500 or (spoken and spoken.group(1) != language):
                    wrong.append(f"{language} {person or 'signed out'} {path}: {answer.status_code}")
    assert len(pages) > 50 and said == set(LOCALES) - {"en"}  # every page asked for was drawn, in each language
    assert not wrong, "\n".join(wrong)
