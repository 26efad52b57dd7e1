"""Every page passes axe-core's WCAG 2.2 AA rules, at desktop and phone widths, in English and Romanian.

The pages are the url map's (tests/e2e/accessibility.py fills their parameters from the demo world), seen
logged out, by the coalition's facilitator, and by a member (whose pages carry what only members see: the sign
form, their own pledges). A redirect or an error page already checked in this context is not checked again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask

from coalition import demo
from coalition.accounts import find_user
from coalition.handlers import Context
from tests.conftest import missing
from tests.e2e.accessibility import FACILITATOR, MEMBER, NOT_PAGES, TAGS, Fillers, World, build, distinct, report
from tests.e2e.browser import Site
from tests.e2e.conftest import services

WIDTHS = (1280, 360)
#: What a reader may unfold is checked unfolded (axe leaves out what is not shown: closed work, technical details).
OPEN_DETAILS = "document.querySelectorAll('details').forEach((d) => { d.open = true; })"
SET_LANGUAGE = """async (code) => {
  const form = document.querySelector('form[action$="/language"]');
  const data = new FormData(form);
  data.set('locale', code);
  await fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'});
}"""


#: Forms sent empty, to check how their errors are shown (one of each shape: sign-in, a long form, a fieldset).
REFUSED_SIGNED_OUT = ["/login", "/register"]
REFUSED = ["/coalitions/{coalition}/statements/new", "/coalitions/{coalition}/evaluations/new", "/coalitions/new"]
EMPTIED = """(form) => {
  form.noValidate = true;
  form.querySelectorAll('input:not([type=hidden]), textarea').forEach((field) => { field.value = ''; });
}"""
RUN_AXE = "(options) => axe.run(document, options)"
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's script, as axe-playwright-python bundles it (put in each page once, run at each width)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python is not installed (pip install -e '.[test]')")
    return str(Axe().axe_script)


def _sign_in(page: Any, site: Site, email: str) -> None:
    page.goto(site.url + "/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(demo.PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert "/login" not in page.url, f"{email} could not sign in"


def _members_own(path: str) -> bool:
    """The pages a member sees otherwise than the facilitator: the coalition's and organisations' (the account
    pages are the same for everyone)."""
    return path.startswith(("/coalitions/", "/organisations")) or path in ("/", "/responsibilities")


@pytest.fixture
def check(browser: Any, site: Site, axe: str) -> Iterator[Any]:
    """`check(person, language, paths, refused, typed)`: axe's violations on each page as that person (None: signed
    out), on each form of `refused` sent empty, and on the answer to each of `typed` ((page, field's name, text,
    optionally {other field's name: text}): the text typed in that field, its form sent), at each width (the page
    is laid out again at the next width, not loaded again), keyed by what was checked."""
    opened: list[Any] = []

    def axe_at_each_width(page: Any, where: str, found: dict[str, Any]) -> None:
        page.evaluate(OPEN_DETAILS)
        page.evaluate(axe)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            violations = page.evaluate(RUN_AXE, OPTIONS)["violations"]
            if violations:
                found[f"{where} at {width} px"] = violations
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    def run(
        person: str | None,
        language: str,
        paths: list[str],
        refused: list[str],
        typed: tuple[tuple[Any, ...], ...] = (),
    ) -> dict[str, Any]:
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale=language)
        opened.append(context)
        page = context.new_page()
        if person:
            _sign_in(page, site, person)
        else:
            page.goto(site.url + "/")
        page.evaluate(SET_LANGUAGE, language)
        found: dict[str, Any] = {}
        for path in paths:
            response = page.goto(site.url + path)
            assert response is not None and page.url == site.url + path, f"{path} sent {person} to {page.url}"
            assert page.locator("html").get_attribute("lang") == language, f"{path} is not in {language}"
            axe_at_each_width(page, f"{path} as {person or 'anyone'} ({response.status})", found)
        for path in refused:  # the form's errors, as the server answers a form sent empty
            page.goto(site.url + path)
            form = page.locator("main form:not(.inline)").first
            form.evaluate(EMPTIED)
            with page.expect_navigation():
                form.locator("button[type=submit]").last.click()
            assert page.locator("main [aria-invalid=true]").count(), f"{path}: an empty form was not refused"
            axe_at_each_width(page, f"{path} sent empty, as {person or 'anyone'}", found)
        for path, name, text, *others in typed:
            page.goto(site.url + path)
            for other, value in (others[0] if others else {}).items():  # the form's other required fields
                page.locator(f"main [name={other}]").fill(value)
            field = page.locator(f"main [name={name}]")
            field.fill(text)
            with page.expect_navigation():
                field.press("Enter")
            axe_at_each_width(page, f"{path} with {name} {text!r} sent, as {person or 'anyone'}", found)
        return found

    yield run
    for context in opened:
        context.close()


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ro"])
def test_every_page_passes_axe_at_both_widths(site: Site, check: Any, language: str) -> None:
    started = time.monotonic()
    world = build(site.app)
    paths = Fillers(world).paths(site.app)
    shown = {
        None: distinct(site.app, None, paths),
        FACILITATOR: distinct(site.app, FACILITATOR, paths),
        MEMBER: distinct(site.app, MEMBER, [p for p in paths if _members_own(p)]),
    }
    refused = {None: REFUSED_SIGNED_OUT, FACILITATOR: [p.format(**world.ids) for p in REFUSED], MEMBER: []}
    violations: dict[str, Any] = {}
    for person, pages in shown.items():
        violations |= check(person, language, pages, refused[person])
    checked = sum(map(len, shown.values())) + sum(map(len, refused.values()))
    took = time.monotonic() - started
    print(f"{checked} pages x {len(WIDTHS)} widths checked in {language} in {took:.1f} s")
    assert not violations, f"in {language}:\n" + report(violations)


def test_every_get_route_is_a_page_filled_from_the_world_or_named_as_not_a_page(site: Site) -> None:
    world = build(site.app)
    paths = Fillers(world).paths(site.app)  # fails naming a parameter the world cannot fill
    endpoints = {rule.endpoint for rule in site.app.url_map.iter_rules()}
    assert set(NOT_PAGES) <= endpoints, set(NOT_PAGES) - endpoints
    assert f"/coalitions/{world.ids['coalition']}/statements/{world.ids['summit']}" in paths
    assert f"/public/reports/{world.report_id}" in paths and "/reset/no-longer-good" in paths


def test_a_page_the_world_cannot_fill_is_named() -> None:
    ids = dict.fromkeys(["coalition", "call", "dredging", "summit", "k_funding", "k_summit", "k_staff"], "x")
    ids |= dict.fromkeys(["t_sites", "t_sampling", "t_logo", "evaluation_spring", "ro", "pl"], "x")
    app = Flask(__name__)
    app.add_url_rule("/petitions/<petition_id>", "petitions.show", lambda petition_id: "")
    with pytest.raises(AssertionError, match="petitions.show: no value for <petition_id>"):
        Fillers(World(ids, {}, "r")).paths(app)


@pytest.mark.slow
def test_the_audit_filters_of_a_large_coalition_pass_axe(
    site: Site, check: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names to type instead of menus (the limit lowered to one organisation): a name that fits several, with its
    choices and its refusal, and one chosen, whose id is sent back beside its name."""
    from coalition.web.pages import audit

    monkeypatch.setattr(audit, "LISTED", 1)
    world = build(site.app)
    history = f"/coalitions/{world.ids['coalition']}/audit"
    paths = [
        f"{history}?organisation=a&person=a",
        f"{history}?organisation=zz",
        f"{history}?organisation_id={world.ids['ro']}",
    ]

    violations = check(FACILITATOR, "en", paths, [])

    assert not violations, report(violations)


@pytest.mark.slow
def test_inviting_by_name_where_too_many_are_outside_for_a_menu_passes_axe(
    site: Site, check: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invitation as a name to type (the limit lowered to one organisation outside the coalition): the page,
    a name that fits several (their buttons and the refusal), and one that fits none."""
    from coalition.handlers import organisations
    from coalition.web.pages.membership import members

    monkeypatch.setattr(members, "LISTED", 1)
    world = build(site.app)
    facilitator = find_user(services(site.app).engine, FACILITATOR)
    assert facilitator is not None
    with site.app.test_request_context():
        context = Context(services(site.app), facilitator.user_id, date.today())
        for name in ("Lake Guardians", "Lake Watch Network", "Lakeshore Alliance"):
            organisations.create_organisation(context, name=name, country="RO", sector="ngo", mission="Lakes")
    page = f"/coalitions/{world.ids['coalition']}/members"

    violations = check(FACILITATOR, "en", [page], [], ((page, "organisation", "lake"), (page, "organisation", "zz")))

    assert not violations, report(violations)


@pytest.mark.slow
def test_giving_a_role_by_name_where_too_many_are_active_for_a_menu_passes_axe(
    site: Site, check: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The roles page where the organisation is a name to type (the limit lowered to one active member): the page,
    a name that fits several (the short menu and the refusal), and one that fits none."""
    from coalition.web import member_choice

    monkeypatch.setattr(member_choice, "LISTED", 1)
    world = build(site.app)
    page = f"/coalitions/{world.ids['coalition']}/roles"

    violations = check(
        FACILITATOR,
        "en",
        [page],
        [],
        tuple((page, "organisation_name", text, {"email": "someone@example.org"}) for text in ("a", "zz")),
    )

    assert not violations, report(violations)


@pytest.mark.slow
def test_reassigning_a_task_by_name_where_too_many_are_active_for_a_menu_passes_axe(
    site: Site, check: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task's page where the organisation it goes to is a name to type (the limit lowered to one active member):
    the page, a name that fits several (the short menu and the refusal), and one that fits none."""
    from coalition.web import member_choice

    monkeypatch.setattr(member_choice, "LISTED", 1)
    world = build(site.app)
    page = f"/coalitions/{world.ids['coalition']}/tasks/{world.ids['t_sampling']}"

    violations = check(FACILITATOR, "en", [page], [], tuple((page, "organisation_name", text) for text in ("a", "zz")))

    assert not violations, report(violations)
