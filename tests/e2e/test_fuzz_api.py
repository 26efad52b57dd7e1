"""The API under fuzzing (schemathesis): whatever a client sends, the answer is one the OpenAPI document
promises (a documented status, media type and body shape) and never a 5xx.

Requests go in-process (WSGI) to the world of `tests.e2e.world` plus a draft and an open statement;
path parameters and id-like body fields often take the world's real ids, so fuzzed bodies get past
"no such coalition" into the handlers' rules.

No stateful tests: the document declares no OpenAPI links. schemathesis infers some from the response
schemas, but its state machine then runs against one world that every scenario changes, so Hypothesis
sees a replayed scenario take another path and stops (FlakyStrategyDefinition); a fresh world per
scenario would be the machinery that links are meant to spare.

Budget (2 cores): about 35 s on SQLite and 10 s for the PostgreSQL reads. The cases are the same on
every run (a fixed seed, derandomized); a failure prints the request as a curl command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.schemas import BaseSchema

from tests.e2e.world import PASSWORD, World

#: No example database (it would leave a .hypothesis folder behind) and no time limit per case. Bodies with
#: texts of 20,000 characters are slow to generate on a busy CI machine: that is the fuzzer's cost, not a fault.
BASE = settings(
    deadline=None, derandomize=True, database=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
CONFORMS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
pytestmark = pytest.mark.slow  # minutes of generated requests: CI runs them, `make check` does not
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)

#: Path parameters and body fields that mostly take one of the world's values (named by `Target.ids`).
BINDINGS = [
    *(
        f"path.{name}"
        for name in (
            "coalition_id",
            "organisation_id",
            "statement_id",
            "commitment_id",
            "task_id",
            "mandate_id",
            "role_id",
            "token_id",
            "language",
        )
    ),
    "body.organisation_id",
    "body.commitment_id",
    "body.email",
    "body.assignee_email",
    "body.objective",
    "body.version_hash",
]


@dataclass
class Target:
    """The world to fuzz, the values a fuzzed request may name, and the tokens it may carry."""

    world: World
    ids: dict[str, tuple[str, ...]]
    token: str  # the facilitator's
    revoked: str  # a token that worked once

    @property
    def app(self) -> Flask:
        return self.world.api.app

    def aim(self, case: schemathesis.Case) -> None:
        """The coverage phase names no id but "0" (always a 404): send its boundary bodies to the first known ids."""
        if case.meta is not None and case.meta.phase.name == "coverage" and case.path_parameters:
            case.path_parameters = {
                name: self.ids[name][0] if name in self.ids else value for name, value in case.path_parameters.items()
            }


@pytest.fixture
def target(world: World) -> Target:
    """The world with a draft and an open (signed) statement, a spare token to revoke and a revoked one."""
    text = {"title": "Clean the Danube", "body": "We, the undersigned, call for clean rivers.", "language": "en"}
    draft = world.ok("POST", f"{world.path}/statements", "ana", text)["id"]
    opened = world.ok("POST", f"{world.path}/statements", "ana", text)["id"]
    world.ok("POST", f"{world.path}/statements/{opened}/open", "ana", {"threshold": 1})
    world.ok("POST", f"{world.path}/statements/{opened}/signatures", "lia", {"organisation_id": world.river})
    tokens = [
        world.api.client.post("/api/v1/tokens", json={"email": world.email("olli"), "password": PASSWORD}).json
        for _ in range(2)
    ]
    revoked = world.api.client.delete(
        f"/api/v1/tokens/{tokens[1]['id']}", headers={"Authorization": f"Bearer {tokens[1]['token']}"}
    )
    assert revoked.status_code == 204
    ids = {
        "coalition_id": (world.coalition,),
        "organisation_id": (world.green, world.river, world.oak),
        "statement_id": (draft, opened),
        "commitment_id": (world.commitment,),
        "task_id": (world.task,),
        "mandate_id": tuple(world.mandates.values()),
        "role_id": tuple(role["role_id"] for role in world.ok("GET", world.path, "ana")["roles"]),
        "token_id": (tokens[0]["id"],),
        "language": ("ro", "pl"),
        "objective": ("o1", "o2"),
        "email": tuple(world.email(person) for person in ("ana", "bo", "lia", "mo", "olli")),
        "version_hash": (world.ok("GET", f"{world.path}/statements/{opened}", "ana")["version_hash"],),
    }
    ids["assignee_email"] = ids["email"]
    return Target(world, ids, world.api.tokens[world.who("ana")], tokens[1]["token"])


def load(target: Target, phases: dict[str, Any]) -> BaseSchema:
    """The app's own document, loaded through the app, with the world's values bound to the fields that name them."""
    config = schemathesis.Config.from_dict(
        {
            "seed": 6,
            "generation": {"deterministic": True, "database": "none"},
            "phases": phases,
            "dictionaries": {name: {"values": list(values)} for name, values in target.ids.items()},
            "parameters": {
                binding: {"dictionary": binding.partition(".")[2], "probability": 0.8} for binding in BINDINGS
            },
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", target.app, config=config)


@pytest.fixture
def api_schema(target: Target) -> BaseSchema:
    """Every phase: explicit examples, the boundary values of each schema (coverage), then random cases."""
    return load(target, {"stateful": {"enabled": False}})


@pytest.fixture
def fuzzing_schema(target: Target) -> BaseSchema:
    """Random cases only: for the cheaper passes."""
    return load(
        target, {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}}
    )


@pytest.fixture(autouse=True)
def _quiet_and_named(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> None:
    """No request log (thousands of lines); and `Node._nodeid`, which schemathesis 4.32 names its subtests by and
    pytest 9.2 no longer has."""
    caplog.set_level(logging.WARNING, logger="coalition.requests")
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


every_phase = schemathesis.pytest.from_fixture("api_schema")
random_cases = schemathesis.pytest.from_fixture("fuzzing_schema")


@SQLITE
@every_phase.parametrize()
@settings(BASE, max_examples=20)
def test_anything_the_facilitator_sends_gets_a_documented_answer(case: schemathesis.Case, target: Target) -> None:
    target.aim(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {target.token}"}, checks=CONFORMS)


def refused_without_a_token(_: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A guarded operation answers 401 unless the request was refused before routing (a NUL, a path with a slash)."""
    if not case.operation.definition.raw.get("security") or response.status_code == 401:
        return
    error = response.json()["error"]
    assert (response.status_code == 400 and "NUL" in error["message"]) or (
        response.status_code in (404, 405)
        and error["code"] in ("not_found", "method_not_allowed")
        and any("/" in str(value) for value in (case.path_parameters or {}).values())
    ), f"{case.operation.label} answered {response.status_code} to a request without a valid token: {error}"


NO_TOKEN = ["", "Bearer", "Bearer not-a-token", "Basic YW5hOnB3", "Bearer {revoked}", "{token}"]


@SQLITE
@random_cases.parametrize()
@random_cases.given(authorization=st.sampled_from(NO_TOKEN))
@settings(BASE, max_examples=8)
def test_without_a_valid_token_every_guarded_operation_answers_401(
    case: schemathesis.Case, authorization: str, target: Target
) -> None:
    sent = authorization.format(revoked=target.revoked, token=target.token)  # "{token}": no "Bearer" before it
    response = case.call(headers={"Authorization": sent})
    case.validate_response(response, checks=[*CONFORMS, refused_without_a_token])


@POSTGRES
@every_phase.include(method="GET").parametrize()
@settings(BASE, max_examples=10)
def test_reads_on_postgresql_get_documented_answers(case: schemathesis.Case, target: Target) -> None:
    """PostgreSQL refuses NUL characters and integers past 64 bits that SQLite takes: the reads' filters meet both."""
    target.aim(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {target.token}"}, checks=CONFORMS)
