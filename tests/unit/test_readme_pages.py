"""README's "Pages" section lists every page of the app, and only the app's paths, so that it stays true."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from werkzeug.routing import Rule

from coalition import create_app

README = Path(__file__).parent.parent.parent / "README.md"
#: A download or a feed (a file name's extension ends the path): not a page.
_FILE = re.compile(r"\.[a-z]+$")
#: The probes a load balancer asks (liveness, readiness): not pages.
PROBES = ("/healthz", "/readyz")


def _app() -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://"})


def html_page(rule: Rule) -> bool:
    """Whether a route is a page a person opens: GET, not the API, not a static file, a download or a probe."""
    return (
        "GET" in (rule.methods or set())
        and rule.endpoint != "static"
        and not rule.endpoint.startswith("api")
        and not _FILE.search(rule.rule)
        and rule.rule not in PROBES
    )


def listed_paths(readme: str) -> set[str]:
    """The paths in the first column of the table of README's "## Pages" section."""
    section = readme.split("\n## Pages\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


def test_every_page_of_the_app_is_listed_in_the_readme() -> None:
    app = _app()
    pages = {rule.rule for rule in app.url_map.iter_rules() if html_page(rule)}
    listed = listed_paths(README.read_text(encoding="utf-8"))

    assert len(pages) > 40  # the rule finds the pages (a broken filter would find none and pass)
    assert sorted(pages - listed) == [], "pages missing from README's Pages section"
    assert sorted(listed - {rule.rule for rule in app.url_map.iter_rules()}) == [], "README lists a path the app lacks"


def test_a_missing_page_is_noticed() -> None:
    readme = README.read_text(encoding="utf-8").replace("| `/verify` | anyone |", "| anyone |")

    assert "/verify" not in listed_paths(readme)
    assert "/verify" in listed_paths(README.read_text(encoding="utf-8"))


def test_downloads_api_and_probes_are_not_pages() -> None:
    rules = {rule.rule: rule for rule in _app().url_map.iter_rules()}

    assert not html_page(rules["/public/statements.atom"]) and not html_page(rules["/healthz"])
    assert not html_page(rules["/readyz"])
    assert not html_page(rules["/account/data.json"]) and not html_page(rules["/logout"])
    assert html_page(rules["/public/statements"])
