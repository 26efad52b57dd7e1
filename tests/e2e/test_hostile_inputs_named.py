"""The hostile inputs the issue names, one by one, and the rules that keep every new endpoint and form covered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict
from wtforms import DateField, StringField

from coalition.web.api.checked import Checked, Day, Moment
from coalition.web.api.openapi import _operation_of
from coalition.web.forms import PageForm
from coalition.web.typed import FlaskForm
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_hostile_inputs_everywhere import counts
from tests.e2e.world import AGREEMENT, PASSWORD, World, error_of


def test_a_lone_surrogate_is_a_bad_request_on_users_and_tokens_without_signing_in(world: World) -> None:
    before = counts(world)
    for path, body in (
        ("/users", '{"email": "x@example.org", "password": "a long enough one", "name": "Ana \\ud800"}'),
        ("/tokens", '{"email": "x\\udc00@example.org", "password": "anything at all"}'),
    ):
        response = world.api.client.post(f"/api/v1{path}", data=body, content_type="application/json")
        assert "unpaired surrogates" in error_of(response, 400, "bad_request")["message"]
    assert counts(world) == before


def test_a_deadline_that_overflows_in_utc_is_refused_and_the_pages_stay_readable(world: World) -> None:
    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    before = counts(world)
    response = world.api.call(
        "POST", f"{world.path}/statements/{sid}/open", world.who("ana"), {"deadline": "9999-12-31T23:59:59-14:00"}
    )
    assert error_of(response, 422, "invalid")["fields"] == {"deadline": ["must be between 1900-01-01 and 2200-12-31"]}
    assert counts(world) == before
    client = signed_in(world, "ana")
    for page in (f"{world.path}/statements/{sid}", f"{world.path}/agreement"):
        assert client.get(page).status_code == 200


@pytest.mark.parametrize("threshold", [1.5, "1", True, 1e3])
def test_a_threshold_that_is_not_an_integer_is_refused_not_rounded(world: World, threshold: Any) -> None:
    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    response = world.api.call("POST", f"{world.path}/statements/{sid}/open", world.who("ana"), {"threshold": threshold})
    assert error_of(response, 422, "invalid")["fields"] == {"threshold": ["Not a valid integer."]}


def test_51_objectives_are_refused_by_the_api_as_by_the_page(world: World) -> None:
    objectives = [{"text": f"Objective {n}"} for n in range(51)]
    before = counts(world)
    founded = world.api.call(
        "POST", "/coalitions", world.who("ana"), {**AGREEMENT, "organisation_id": world.green, "objectives": objectives}
    )
    amended = world.api.call("PATCH", f"{world.path}/agreement", world.who("ana"), {"objectives": objectives})
    for response in (founded, amended):
        assert error_of(response, 422, "invalid")["fields"] == {"objectives": ["name at most 50 common objectives"]}
    assert counts(world) == before


@pytest.mark.parametrize(
    "due,said",
    [("2001-05-01", "before the coalition's cooperation starts (2026-01-01)"), ("2199-05-01", "at most 25 years")],
)
def test_due_dates_before_the_coalition_or_decades_ahead_are_refused_by_the_api_and_the_pages(
    world: World, due: str, said: str
) -> None:
    client = signed_in(world, "ana")  # signing in records a session: counted from here on
    before = counts(world)
    task = {"title": "Sample", "description": "Spring", "organisation_id": world.river, "due_on": due}
    pledge = {"organisation_id": world.river, "kind": "funding", "description": "Fees", "due_on": due}
    for path, person, body in (("tasks", "ana", task), ("commitments", "bo", pledge)):
        response = world.api.call("POST", f"{world.path}/{path}", world.who(person), body)
        assert said in error_of(response, 422, "invalid")["message"]
    page = submit(client, f"{world.path}/work", f"{world.path}/tasks", task)
    assert page.status_code == 422 and said in text(page).replace("&#39;", "'")
    assert counts(world) == before


@pytest.mark.parametrize("key", ["zzz", "0" * 33, "<script>", "0" * 31 + "G"])
def test_a_damaged_one_time_key_is_a_bad_request_that_records_nothing(world: World, key: str) -> None:
    data = {"organisation_id": world.river, "kind": "funding", "description": "Fees", "due_on": "2027-05-01"}
    client = signed_in(world, "bo")  # signing in records a session: counted from here on
    before = counts(world)
    response = submit(client, f"{world.path}/work", f"{world.path}/commitments", {**data, "form_key": key})
    assert response.status_code == 400 and "one-time key is damaged" in text(response).replace("&#39;", "'")
    assert counts(world) == before


def test_a_caller_id_is_kept_beside_ours_on_the_pages_too(world: World) -> None:
    client = signed_in(world, "bo")
    data = {"organisation_id": world.river, "kind": "funding", "description": "Fees", "due_on": "2027-05-01"}
    client.environ_base["HTTP_X_REQUEST_ID"] = "page-trace-7"
    response = submit(client, f"{world.path}/work", f"{world.path}/commitments", data)
    assert response.status_code == 302
    last = list(world.api.app.extensions["coalition"].store.read_all())[-1].metadata
    assert last.request_id == "page-trace-7" and last.correlation_id != "page-trace-7"


# -- every schema and every form ------------------------------------------------------------------


def _schemas(schema: Schema) -> list[Schema]:
    found = [schema]
    for field in schema.load_fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        inner = field.value_field if isinstance(field, fields.Dict) and field.value_field else inner
        if isinstance(inner, fields.Nested):
            found += _schemas(inner.schema)
    return found


def test_every_request_body_is_checked_with_strict_integers_and_bounded_dates(app: Flask) -> None:
    loose = []
    for endpoint, view in app.view_functions.items():
        operation = _operation_of(view)
        if operation is None or operation.request is None:
            continue
        for schema in _schemas(operation.request()):
            if not isinstance(schema, Checked):
                loose.append((endpoint, type(schema).__name__, "is not a Checked schema"))
            for name, field in schema.load_fields.items():
                if isinstance(field, fields.Integer) and not field.strict:
                    loose.append((endpoint, name, "reads 1.5 as 1: use fields.Integer(strict=True)"))
                if isinstance(field, fields.DateTime) and not isinstance(field, Moment):
                    loose.append((endpoint, name, "takes any date-time: use Moment"))
                if isinstance(field, fields.Date) and not isinstance(field, Day):
                    loose.append((endpoint, name, "takes any date: use Day"))
    assert not loose, loose


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_page_form_is_a_page_form(app: Flask) -> None:
    forms = {form for form in _subclasses(FlaskForm) if form.__module__.startswith("coalition.")}
    assert len(forms) > 20
    assert {form for form in forms if not issubclass(form, PageForm)} == set()


class _Sample(PageForm):
    class Meta:
        csrf = False

    name = StringField()
    on = DateField()


@pytest.mark.parametrize(
    "sent,said",
    [
        ({"name": "Ana \ud800"}, "unpaired surrogate"),
        ({"name": "\u200b\u2060"}, "only spaces or invisible characters"),
        ({"name": "Ana", "on": "9999-12-31"}, "between 1900-01-01 and 2200-12-31"),
    ],
)
def test_a_page_form_refuses_what_the_api_refuses(app: Flask, sent: dict[str, str], said: str) -> None:
    with app.test_request_context(method="POST"):
        form = _Sample(formdata=MultiDict(sent))
        assert not form.validate()
        assert said in json.dumps(form.errors, ensure_ascii=False)


def test_a_deadline_recorded_out_of_range_before_these_limits_is_read_as_2200_not_a_server_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta, timezone

    from coalition.domain import statement_decisions
    from coalition.handlers import Context, statements
    from tests.e2e.conftest import services

    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    monkeypatch.setattr(statement_decisions, "moment_in_range", lambda moment: True)  # as the domain was before
    legacy = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    context = Context(services(world.api.app), world.users["ana"], datetime.now().date())
    statements.open_for_signature(context, world.coalition, sid, deadline=legacy)
    assert list(services(world.api.app).store.read_all())[-1].payload["deadline"] == "9999-12-31T23:59:59-14:00"

    client = signed_in(world, "ana")
    for page in (f"{world.path}/statements/{sid}", f"{world.path}/agreement", "/", f"{world.path}"):
        assert client.get(page).status_code == 200, page
    assert "Signing closes Dec 31, 2200" in text(client.get(f"{world.path}/statements/{sid}"))  # the range's end
    assert (
        world.ok("GET", f"{world.path}/statements/{sid}", "ana")["deadline"] == "9999-12-31T23:59:59-14:00"
    )  # as recorded


def test_the_domain_refuses_a_deadline_out_of_range_whatever_the_edge(world: World) -> None:
    from datetime import datetime, timedelta, timezone

    from coalition.domain.base import Invalid
    from coalition.handlers import Context, statements
    from tests.e2e.conftest import services

    sid = world.ok("POST", f"{world.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    context = Context(services(world.api.app), world.users["ana"], datetime.now().date())
    late = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    with pytest.raises(Invalid, match="between 1900-01-01 and 2200-12-31"):
        statements.open_for_signature(context, world.coalition, sid, deadline=late)


def test_the_password_form_sent_twice_changes_it_once_and_leads_to_the_account_again(world: World) -> None:
    client = signed_in(world, "ana")
    new = "otter lantern quarry 7 violet"
    data = {
        "password-current": PASSWORD,
        "password-password": new,
        "password-again": new,
        "form_key": "a" * 32,
    }
    first = submit(client, "/account", "/account/password", data)
    assert first.status_code == 302 and first.location == "/account"
    after = counts(world)
    again = submit(client, "/account", "/account/password", data)  # its current password is no longer right
    assert (again.status_code, again.location, counts(world)) == (302, "/account", after)
    assert "already been sent" in text(client.get("/account"))
