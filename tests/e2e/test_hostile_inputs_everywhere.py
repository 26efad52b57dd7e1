"""Every hostile input to every API endpoint and page form taking text, dates or integers: a 4xx, nothing recorded.

The endpoints come from the OpenAPI document and the forms from the pages themselves (every page of
the url map, read as the world's people), so a new endpoint or form is covered without being listed.
One world per backend serves the whole table: nothing may be recorded, and the log and every table
are compared before and after.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, table

from coalition.web.api.checked import Checked
from tests.e2e.conftest import services
from tests.e2e.forms import Form, forms_of
from tests.e2e.pages import signed_in
from tests.e2e.world import World

SURROGATE = "Name \ud800 here"
BLANKS = ["\u200b\u2060\ufeff", "\u00a0\u200b\u3000", "\u2800\u3164"]
BIDI = "Acme \u202eevil\u202c"
DAYS = ["9999-12-31", "1899-12-31", "0001-01-01"]
MOMENTS = [
    "9999-12-31T23:59:59-14:00",
    "2200-12-31T23:00:00-14:00",
    "0001-01-01T00:00:00+14:00",
    "1899-12-31T23:59:59Z",
]
NOT_INTEGERS: list[Any] = [1.5, "1e3", True, "3", 2.0]
ONE_LINE = {"name", "title", "organisation_name"}  # names and titles: no bidirectional controls


def counts(world: World) -> dict[str, int]:
    """The log's length and the rows of every table."""
    engine = services(world.api.app).engine
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        rows = {name: connection.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names}
    return {"log": services(world.api.app).store.head()[0], **rows}


def a_statement(world: World, *, opened: bool) -> str:
    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers", "body": "We ask.", "language": "en"}
    )
    if opened:
        world.ok("POST", f"{world.path}/statements/{sid['id']}/open", "ana", {})
    return str(sid["id"])


# -- the API --------------------------------------------------------------------------------------


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        return _resolve(doc, schema["allOf"][0])
    return schema


def _cases(doc: dict[str, Any], schema: dict[str, Any]) -> Iterator[tuple[list[str], Any, str]]:
    """(where in the body, the hostile value, what must be said) for each field of a request schema."""
    for name, prop in _resolve(doc, schema).get("properties", {}).items():
        prop = _resolve(doc, prop)
        if prop.get("readOnly"):
            continue
        kind, form = prop.get("type"), prop.get("format")
        if kind == "string" and form == "date":
            yield from (([name], day, "1900") for day in DAYS)
        elif kind == "string" and form == "date-time":
            yield from (([name], moment, "1900") for moment in MOMENTS)
        elif kind == "string":
            yield [name], SURROGATE, "surrogate"
            if name not in Checked.opaque:  # a password, new or current, may be any characters
                yield from (([name], blank, "") for blank in BLANKS)
            if name in ONE_LINE:
                yield [name], BIDI, "bidirectional"
        elif kind == "integer":
            yield from (([name], number, "integer") for number in NOT_INTEGERS)
        elif kind == "array" and "properties" in _resolve(doc, prop.get("items", {})):
            for where, value, said in _cases(doc, prop["items"]):
                yield [name, "0", *where], value, said


def _body(where: list[str], value: Any) -> Any:
    """A body holding `value` at `where` (a list index is written "0")."""
    if not where:
        return value
    inner = _body(where[1:], value)
    return [inner] if where[0] == "0" else {where[0]: inner}


def _named(fields: Any, where: list[str]) -> bool:
    """Whether the 422's `fields` names the place `where`."""
    for key in where:
        if not isinstance(fields, dict) or key not in fields:
            return False
        fields = fields[key]
    return True


def _caller(path: str) -> str | None:
    if path in ("/users", "/tokens") or path.startswith("/password-resets"):
        return None
    return "bo" if path.startswith("/organisations") else "ana"


def test_every_hostile_input_to_every_api_endpoint_is_refused_and_recorded_nowhere(world: World) -> None:
    statement = a_statement(world, opened=False)
    ids = {
        "coalition_id": world.coalition,
        "organisation_id": world.river,
        "commitment_id": world.commitment,
        "task_id": world.task,
        "statement_id": statement,
        "language": "ro",
    }
    doc = world.api.client.get("/api/v1/openapi.json").json
    before, wrong, tried = counts(world), [], set()
    for template, operations in doc["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            fixed = {  # a path parameter with fixed values (a membership action): its first value
                p["name"]: p["schema"]["enum"][0]
                for p in operation.get("parameters", [])
                if "enum" in p.get("schema", {})
            }
            path = re.sub(r"\{(\w+)\}", lambda m, known={**ids, **fixed}: known.get(m.group(1), "unknown"), template)
            person = _caller(template)
            cases = [*_cases(doc, content["application/json"]["schema"]), (["key \udfff"], "value", "surrogate")]
            for where, value, said in cases:
                tried.add((method, template))
                headers = {"Content-Type": "application/json"}
                if person is not None:
                    headers["Authorization"] = f"Bearer {world.api.tokens[world.who(person)]}"
                response = world.api.client.open(
                    f"/api/v1{path}", method=method.upper(), data=json.dumps(_body(where, value)), headers=headers
                )
                error = (response.json or {}).get("error", {})
                if said == "surrogate":
                    ok = response.status_code == 400 and "surrogate" in error.get("message", "")
                else:
                    ok = response.status_code == 422 and _named(error.get("fields"), where)
                    messages = json.dumps(error.get("fields"))
                    ok = ok and said in messages
                if not ok:
                    wrong.append((method.upper(), template, where, repr(value), response.status_code, error))
    assert not wrong, "\n".join(map(str, wrong))
    assert counts(world) == before
    bodies = {(m, t) for t, ops in doc["paths"].items() for m, op in ops.items() if "requestBody" in op}
    assert bodies - tried == {("post", "/verify")}  # a PDF upload: no JSON, no text


# -- the pages ------------------------------------------------------------------------------------

PEOPLE = ("ana", "bo", "lia", "mo")  # the facilitator, River Watch's administrator, its liaison, an endorser
#: The pages' post routes no form of the world shows, and why none of them takes hostile text.
UNSEEN = {
    "/coalitions/<coalition_id>/join": "a choice of organisation, no text (olli's page; select only)",
    "/coalitions/<coalition_id>/statements/<statement_id>/publish": "a place of issue (test_statement_place)",
    "/coalitions/<coalition_id>/invitations/<invitation_id>/revoke": "a button",
    "/organisations/<organisation_id>/invitations/<invitation_id>/revoke": "a button",
    "/coalitions/<coalition_id>/webhooks/<webhook_id>/remove": "a button",
    "/unsubscribe/<token>": "a button, reached from an e-mail's link",
    "/invitations/<token>": "reached from an e-mail's link (its organisation form is the one at /organisations)",
    "/reset/<token>": "reached from an e-mail's link; a password only (the accounts' rules)",
    "/verify-email/<token>": "a button, reached from an e-mail's link",
    "/account/verification": "a button, shown while the address is not verified (the world's people verified theirs)",
    "/account/sessions/end-others": "a button, shown when another session goes on",
    "/organisations/<organisation_id>/administrators/<user_id>/remove": "a button, shown beside a second administrator",
    "/coalitions/<coalition_id>/members/<organisation_id>/verification/withdraw": "a button, once verified",
    # its reason is tried in tests/e2e/test_pages_ending.py (blank, bidirectional controls)
    "/coalitions/<coalition_id>/close": "shown once no statement, task, round or pledge is open (the world's task is)",
}


def _pages(world: World, statements: list[str], rounds: list[str] = []) -> list[str]:  # noqa: B006 (read only)
    """Every page of the url map without parameters we cannot fill, filled with the world's ids."""
    ids = {
        "evaluation_id": rounds,
        "coalition_id": [world.coalition],
        "organisation_id": [world.river, world.green],
        "commitment_id": [world.commitment],
        "task_id": [world.task],
        "statement_id": statements,
        "language": ["ro"],
        "objective_id": ["o1"],
    }
    pages: list[str] = []
    for rule in world.api.app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/api/", "/static")) or "." in rule.rule:
            continue
        if any(argument not in ids for argument in rule.arguments):
            continue
        combos: list[dict[str, str]] = [{}]
        for argument in sorted(rule.arguments):
            combos = [{**combo, argument: value} for combo in combos for value in ids[argument]]
        for combo in combos:
            pages.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m, c=combo: c[m.group(1)], rule.rule))
    return sorted(set(pages))


def page_forms(world: World) -> list[tuple[str, FlaskClient, str, Form]]:
    """(person, their session, the page, a post form on it) for every form the world's people see."""
    statements = [a_statement(world, opened=False), a_statement(world, opened=True), a_statement(world, opened=True)]
    world.ok("POST", f"{world.path}/statements/{statements[2]}/signatures", "lia", {"organisation_id": world.river})
    endorser = {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"}
    world.ok("POST", f"{world.path}/roles", "ana", endorser)
    # an open evaluation round: its answer and close forms show (the open form shows too, saying one is open)
    rounds = [
        world.ok("POST", f"{world.path}/evaluations", "ana", {"title": "Review", "closes_on": "2099-12-31"})["id"]
    ]
    found: dict[tuple[str, tuple[str, ...]], tuple[str, FlaskClient, str, Form]] = {}
    for person in PEOPLE:
        client = signed_in(world, person)
        for page in _pages(world, statements, rounds):
            response = client.get(page)
            if response.status_code != 200 or "text/html" not in response.content_type:
                continue
            for form in forms_of(page, response.get_data(as_text=True)):
                key = (form.action, tuple(f.name for f in form.fields))
                found.setdefault(key, (person, client, page, form))
    return list(found.values())


def _rule_of(world: World, action: str) -> str:
    """The url map's rule a form posts to."""
    adapter = world.api.app.url_map.bind("localhost")
    endpoint, _ = adapter.match(action.split("?")[0], method="POST")
    return next(r.rule for r in world.api.app.url_map.iter_rules(endpoint) if "POST" in (r.methods or ()))


def _hostile(form: Form) -> Iterator[tuple[str, str]]:
    for field in form.texts():
        for blank in BLANKS[:2]:
            yield field.name, blank
        if field.name.rsplit("-", 1)[-1] in ONE_LINE:
            yield field.name, BIDI
    for field in form.named("date"):
        yield from ((field.name, day) for day in DAYS[:2])
    for field in form.named("datetime-local"):
        yield field.name, "9999-12-31T23:59"
    for field in form.named("number"):
        yield from ((field.name, number) for number in ("1.5", "1e3"))


def test_every_hostile_input_to_every_page_form_shows_the_form_again_and_records_nothing(world: World) -> None:
    forms = page_forms(world)
    seen = {_rule_of(world, form.action) for _, _, _, form in forms}
    posts = {
        r.rule
        for r in world.api.app.url_map.iter_rules()
        if "POST" in (r.methods or ()) and not r.rule.startswith("/api/")
    }
    assert posts - seen == set(UNSEEN), sorted(posts - seen)  # every other form was found, so it is tried below
    before, wrong, tried = counts(world), [], set()
    for person, client, page, form in forms:
        for name, value in _hostile(form):
            tried.add(form.action.split("?")[0])
            response = client.post(form.action, data={**form.data(), name: value})
            if response.status_code not in (400, 422) or "<form" not in response.get_data(as_text=True):
                wrong.append((person, page, form.action, name, repr(value), response.status_code))
    assert not wrong, "\n".join(map(str, wrong))
    assert counts(world) == before
    assert len(tried) >= 15, sorted(tried)


# -- sending a form twice -------------------------------------------------------------------------

#: Forms that end something go last, so that the others still find what they act on.
ENDING = (
    "/sign",
    "/amend",
    "/open",
    "/withdraw",
    "/suspend",
    "/drop",
    "/remove",
    "/revoke",
    "/leave",
    "/close",
    "/publish",
    "/end",  # ending a session: this browser's own signs its person out, so last of all
)
#: Forms of signing in and out, registering, choosing a language and asking for a reset (the accounts' own rules).
ACCOUNT_DOORS = ("/logout", "/language", "/login", "/register", "/forgot-password")
#: The forms that must record (and so must record once when sent twice).
RECORDING = {
    "/organisations",
    "/organisations/<organisation_id>/administrators",
    "/organisations/<organisation_id>/mandates",
    "/coalitions/new",
    "/coalitions/<coalition_id>/agreement",
    "/coalitions/<coalition_id>/roles",
    "/coalitions/<coalition_id>/invitations",
    "/coalitions/<coalition_id>/commitments",
    "/coalitions/<coalition_id>/commitments/<commitment_id>/fulfil",
    "/coalitions/<coalition_id>/tasks",
    "/coalitions/<coalition_id>/tasks/<task_id>/reassign",
    "/coalitions/<coalition_id>/statements/new",
    "/coalitions/<coalition_id>/statements/<statement_id>/open",
    "/coalitions/<coalition_id>/statements/<statement_id>/sign",
    "/coalitions/<coalition_id>/statements/<statement_id>/amend",
    "/coalitions/<coalition_id>/statements/<statement_id>/endorse",
    "/coalitions/<coalition_id>/statements/<statement_id>/withdraw",
    "/coalitions/<coalition_id>/members/<organisation_id>/<action>",  # suspend, leave, ...
}


def _last(action: str) -> int:
    """Where a form goes in the order of sending: those that end something last, closing a statement at the end."""
    return next((place + 1 for place, ending in enumerate(ENDING) if action.endswith(ending)), 0)


def _filled(world: World, form: Form, number: int) -> dict[str, str]:
    """The form as a person would fill it in: every text given something sensible (and changed, if it had some)."""
    data = form.data()
    for field in form.named("select"):
        if world.river in field.options:
            data[field.name] = world.river  # where the liaison, the assignee below, acts
        if "endorser" in field.options:
            data[field.name] = "endorser"  # a facilitator more would change who may do what below
    for index, field in enumerate(form.fields):
        if data.get(field.name, "").strip():
            if field.kind in ("text", "textarea") and field.name.rsplit("-", 1)[-1] in ("title", "body", "purpose"):
                data[field.name] += " (changed)"
            continue
        if field.inputmode == "decimal":
            data[field.name] = str(index)  # a number; a baseline and its target differ
        elif field.kind == "email" and "/organisations" not in form.action:
            data[field.name] = world.email("lia")  # someone who acts for River Watch
        elif field.kind == "email":
            data[field.name] = f"someone-{number}@example.org"
        elif field.kind in ("text", "textarea", "search"):
            data[field.name] = "Filled in by the test"
        elif field.kind == "url":
            data[field.name] = "https://example.org/hook"
        elif field.kind == "date":
            data[field.name] = "2027-06-30"
        elif field.kind == "datetime-local":
            data[field.name] = "2027-06-30T12:00"
        elif field.kind == "number":
            data[field.name] = "1"
    return data


def test_a_form_sent_twice_records_once_and_leads_where_the_first_sending_led(world: World) -> None:
    forms = sorted(page_forms(world), key=lambda found: _last(found[3].action))
    recorded, wrong = set(), []
    for number, (person, client, page, form) in enumerate(forms):
        if form.action in ACCOUNT_DOORS:
            continue
        if "form_key" not in form.data():
            wrong.append((page, form.action, "carries no one-time key"))
            continue
        data, before = _filled(world, form, number), counts(world)
        first = client.post(form.action, data=data)
        after = counts(world)
        if first.status_code != 302 or after == before:
            continue  # refused as filled in here, or records nothing (sign-in, a preview): nothing to repeat
        recorded_here = _rule_of(world, form.action)
        recorded.add(recorded_here)
        again = client.post(form.action, data=data)
        if (again.status_code, again.location, counts(world)) != (302, first.location, after):
            wrong.append((person, form.action, again.status_code, again.location, first.location))
        elif recorded_here in RECORDING and "already been sent" not in client.get(again.location).get_data(
            as_text=True
        ):
            wrong.append((person, form.action, "does not say the form had already been sent"))
    assert not wrong, "\n".join(map(str, wrong))
    assert RECORDING <= recorded, sorted(RECORDING - recorded)
