"""What the accessibility test walks: the demo world with a link of every kind, and every page of the url map.

Pages come from `app.url_map`, so a page added later is checked without anyone listing it: each route's
parameters are filled from the world (`Fillers`), and a GET route that is not an HTML page is named, with the
reason, in `NOT_PAGES`. A route that can be neither filled nor skipped fails the test, naming the parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coalition import demo
from coalition.accounts import emails, find_user
from coalition.accounts.resets import request_reset
from coalition.handlers import Context
from coalition.handlers.invitations import invite_organisation
from coalition.notify.compose import unsubscribe_token
from coalition.notify.tables import outbox
from tests.e2e.conftest import services
from tests.e2e.pages import submit

FACILITATOR, MEMBER = demo.PEOPLE["ioana"][0], demo.PEOPLE["marta"][0]
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]

#: The GET routes that are not HTML pages, and why (the JSON API is left out by its blueprint, `api.`).
NOT_PAGES = {
    "static": "stylesheet, script and icon files",
    "web.health": "a liveness check for the load balancer (JSON)",
    "web.ready": "a readiness check for the load balancer (JSON)",
    "privacy.download": "a JSON download of one's data",
    "audit.audit_csv": "a CSV download",
    "audit.member_csv": "a CSV download",
    "reports.report_pdf": "a PDF",
    "reports.public_report_pdf": "a PDF",
    "statements.pdf": "a PDF",
    "public.statement_pdf": "a PDF",
    "public.statements_feed": "an Atom feed",
}


@dataclass(frozen=True)
class World:
    """The demo's ids, and the links the e-mails carry (one of each kind, plus one that is no longer good)."""

    ids: dict[str, str]
    links: dict[str, str]
    report_id: str


def _mailed(app: Flask, prefix: str, pattern: str) -> str:
    """The token in the newest queued mail whose key starts with `prefix`."""
    with services(app).engine.connect() as connection:
        texts = connection.execute(
            select(outbox.c.text).where(outbox.c.key.like(f"{prefix}%")).order_by(outbox.c.created_at.desc())
        ).scalars()
        found = re.search(pattern + r"([A-Za-z0-9_-]+)", next(iter(texts)))
    assert found, f"no {prefix} mail with a link"
    return found.group(1)


def _published_report(app: Flask, coalition_id: str) -> str:
    """Publish the coalition's report as the facilitator, through the page's form; its public id."""
    client = signed_in(app, FACILITATOR)
    page = f"/coalitions/{coalition_id}/report"
    published = submit(client, page, f"{page}/publish", {"publish-language": "", "form_key": "1" * 32})
    assert published.status_code == 302, published.get_data(as_text=True)
    return str(published.headers["Location"]).rsplit("/", 1)[1]


def build(app: Flask) -> World:
    """The demo story, a published report, and a pending invitation, a reset, a verification and an unsubscribe."""
    today = date.today()
    ids = demo.load(services(app), today)
    report_id = _published_report(app, ids["coalition"])
    facilitator = find_user(services(app).engine, FACILITATOR)
    assert facilitator is not None
    with app.test_request_context():
        context = Context(services(app), facilitator.user_id, today)
        invite_organisation(context, ids["coalition"], email="contact@newcomers.example", locale="en")
        request_reset(services(app), MEMBER)
        with services(app).store.transaction(lock=False) as connection:
            now = services(app).store.clock()
            emails.send_verification(connection, facilitator.user_id, FACILITATOR, "Ioana", "en", now)
    links = {
        "invitations.show": _mailed(app, "invitation:", "/invitations/"),
        "resets.choose": _mailed(app, "password-reset:", "/reset/"),
        "account.confirm": _mailed(app, "email-verify:", "/verify-email/"),
        "notifications.unsubscribe_page": unsubscribe_token(
            str(app.config["SECRET_KEY"]), facilitator.user_id, "statement_opened"
        ),
    }
    return World(ids, links, report_id)


@dataclass
class Fillers:
    """The values each route parameter takes in the world; a route is visited with the first of each, then once
    more for every other value of one parameter (a statement in each state, a task in each state, ...)."""

    world: World
    by_name: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        ids = self.world.ids
        self.by_name = {
            "coalition_id": [ids["coalition"]],
            "statement_id": [ids["call"], ids["dredging"], ids["summit"]],  # published, open, draft
            "commitment_id": [ids["k_funding"], ids["k_summit"], ids["k_staff"]],  # fulfilled, withdrawn, pledged
            "task_id": [ids["t_sites"], ids["t_sampling"], ids["t_logo"]],  # done, accepted, dropped
            "evaluation_id": [ids["evaluation_spring"]],
            "organisation_id": [ids["ro"], ids["pl"]],
            "objective_id": ["o1", "o4"],  # one with progress, one that lost its host
            "language": ["ro"],
            "report_id": [self.world.report_id],
        }

    def values(self, endpoint: str, name: str) -> list[str]:
        """What `name` takes in `endpoint`; a link's token is good first, then one that is not (its error page)."""
        if name == "token":
            assert endpoint in self.world.links, f"{endpoint}: no link of this kind in the world (add one to build)"
            return [self.world.links[endpoint], "no-longer-good"]
        assert name in self.by_name, f"{endpoint}: no value for <{name}> in tests/e2e/accessibility.py Fillers"
        return self.by_name[name]

    def paths(self, app: Flask) -> list[str]:
        """Every HTML page of the app, filled."""
        found: list[str] = []
        with app.test_request_context():
            from flask import url_for

            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
                if "GET" not in (rule.methods or ()) or rule.endpoint.startswith("api.") or rule.endpoint in NOT_PAGES:
                    continue
                choices = {name: self.values(rule.endpoint, name) for name in sorted(rule.arguments)}
                first = {name: values[0] for name, values in choices.items()}
                variants = [first] + [{**first, name: v} for name, values in choices.items() for v in values[1:]]
                found += [url_for(rule.endpoint, **variant) for variant in variants]
        return found


def signed_in(app: Flask, email: str | None) -> FlaskClient:
    """A test client of the app, signed in as `email` (None: nobody)."""
    client = app.test_client()
    if email:
        signed = submit(client, "/login", "/login", {"email": email, "password": demo.PASSWORD})
        assert signed.status_code == 302, signed.get_data(as_text=True)
    return client


def distinct(app: Flask, email: str | None, paths: list[str]) -> list[str]:
    """The pages `email` is shown at these paths: not the ones that send them elsewhere (the page they are sent to
    is on the list itself), and only the first of each kind of error page (the same template each time)."""
    client, kept, errors = signed_in(app, email), [], set()
    for path in paths:
        answer = client.get(path)
        if 300 <= answer.status_code < 400:
            continue
        if answer.status_code >= 400:
            title = re.search(r"<title>(.*?)</title>", answer.get_data(as_text=True), re.S)
            kind = (answer.status_code, title.group(1) if title else "")
            if kind in errors:
                continue
            errors.add(kind)
        kept.append(path)
    return kept


def report(violations: dict[str, list[dict[str, Any]]]) -> str:
    """What to fix: per page, each rule broken with its help and the elements (selector and HTML) that break it."""
    lines: list[str] = []
    for where, found in violations.items():
        lines.append(f"== {where}")
        for violation in found:
            lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {node['target']}  {node['html'][:200]}")
                summary = node.get("failureSummary", "").replace("\n", " ")
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)
