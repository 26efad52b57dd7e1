"""The API under fuzzing (schemathesis): any request the OpenAPI document allows, or nearly allows, gets an
answer the document promises (status, media type, body shape) and never a 5xx.

The requests go in-process (WSGI) to the seeded world of `tests.e2e.world`, plus a draft and an open
statement, so that path parameters are often real ids and the fuzzed bodies reach the handlers' rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)
from schemathesis.schemas import BaseSchema

from tests.e2e.world import World

#: Enough examples to find the edges of every schema in a few seconds per operation; the same cases on every run.
FUZZ_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                HealthCheck.function_scoped_fixture])
CONFORMS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
            response_headers_conformance]


@dataclass
class Target:
    """The world to fuzz, the ids a fuzzed path may name, and who sends the requests."""

    world: World
    ids: dict[str, tuple[str, ...]]
    token: str

    @property
    def app(self) -> Any:
        return self.world.api.app


@pytest.fixture
def target(world: World) -> Target:
    """The world with a draft and an open statement, and a token that fuzzed revocations may take away."""
    statement = {"title": "Clean the Danube", "body": "We, the undersigned, call for clean rivers.", "language": "en"}
    draft = world.ok("POST", f"{world.path}/statements", "ana", statement)["id"]
    opened = world.ok("POST", f"{world.path}/statements", "ana", statement)["id"]
    world.ok("POST", f"{world.path}/statements/{opened}/open", "ana", {"threshold": 1})
    world.ok("POST", f"{world.path}/statements/{opened}/signatures", "lia", {"organisation_id": world.river})
    spare = world.api.client.post("/api/v1/tokens", json={"email": world.email("olli"), "password": "correct horse battery"})
    roles = world.ok("GET", world.path, "ana")["roles"]
    ids = {"coalition_id": (world.coalition,), "organisation_id": (world.green, world.river, world.oak),
           "statement_id": (draft, opened), "commitment_id": (world.commitment,), "task_id": (world.task,),
           "mandate_id": tuple(world.mandates.values()), "role_id": tuple(r["role_id"] for r in roles),
           "token_id": (spare.json["id"],), "language": ("ro", "pl")}
    return Target(world, ids, world.api.tokens[world.who("ana")])


@pytest.fixture
def api_schema(target: Target) -> BaseSchema:
    """The app's own OpenAPI document, loaded through the app; path parameters are often the world's ids."""
    config = schemathesis.Config.from_dict({"seed": 6, "generation": {"deterministic": True, "database": "none"}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", target.app, config=config)

    @schema.hook
    def flatmap_path_parameters(_: Any, parameters: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        """Often a known id instead of the generated one (which mostly answers 404)."""
        if not parameters:
            return st.just(parameters)
        return st.fixed_dictionaries({
            name: st.sampled_from([value, *target.ids.get(name, ())] if name in target.ids else [value])
            for name, value in parameters.items()})

    return schema


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _quiet(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> None:
    """schemathesis 4.32 names its subtests through `Node._nodeid`, which pytest 9.2 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    caplog.set_level(logging.WARNING, logger="coalition.requests")  # a log line per request drowns the report


@fuzzed.parametrize()
@FUZZ_SETTINGS
def test_the_facilitator_gets_a_documented_answer_to_anything(case: schemathesis.Case, target: Target) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {target.token}"}, checks=CONFORMS)
