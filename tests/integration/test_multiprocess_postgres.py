"""Two gunicorn servers and a projection worker on one PostgreSQL database, as a scaled-out deployment.

Writers sign the same statement through both servers at once; the log keeps every acknowledged
signature exactly once, whole and verifiable, and the worker's read models converge to a rebuild.
A client acting on a version another server has since moved past is refused with 409, and its
retry, sent to both servers at once under the same Idempotency-Key, is recorded once.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bench.server import ProjectionWorker, Running, Server
from tests.conftest import postgres_schema
from tests.integration.served import (
    World,
    assert_exactly_once,
    assert_log_whole,
    assert_projections_equal_a_rebuild,
    lag,
    seeded,
    signatures,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ORGANISATIONS = 100
ROUNDS = 4  # stale-then-retried signatures in the conflict test


@dataclass
class Deployment:
    """Two servers and one projection worker, all with PROJECTIONS=worker, on one database."""

    world: World
    first: Server
    second: Server
    worker: ProjectionWorker

    def settle(self) -> None:
        """Wait until the worker has applied everything in the log."""
        wait_for(lambda: lag(self.world.engine) == 0, "caught-up projections", self.worker)


@contextmanager
def deployed(tmp_path: Path, organisations: int) -> Iterator[Deployment]:
    """A seeded world in a throwaway schema, served by two servers and a worker; all stopped afterwards."""
    with postgres_schema() as url, seeded(url, tmp_path, organisations) as world:
        env = world.env(PROJECTIONS="worker")
        deployment = Deployment(
            world,
            Server(env, tmp_path / "first.log", workers=2),
            Server(env, tmp_path / "second.log", workers=2),
            ProjectionWorker(env, tmp_path / "worker.log", idle_wait=0.2),
        )
        with Running(deployment.first, deployment.second, deployment.worker):
            yield deployment


def test_writers_through_two_servers_record_every_signature_once(tmp_path: Path) -> None:
    with deployed(tmp_path, ORGANISATIONS) as served:
        plan = served.world.plan
        half = len(plan.signers) // 2
        # Both drivers sign for every organisation, one from each end: fresh signatures race on the
        # statement through both servers, then each driver's requests for organisations the other
        # has just signed for meet them as twins (the same Idempotency-Key, the same token).
        drivers = [
            served.world.driver(served.first.url, "first"),
            served.world.driver(
                served.second.url, "second", replace(plan, signers=plan.signers[half:] + plan.signers[:half])
            ),
        ]
        with Running(*drivers):
            results = [driver.result() for driver in drivers]
        served.settle()

        acknowledged = [organisation for result in results for organisation in result["acknowledged"]]
        logged = assert_exactly_once(served.world.engine, plan.statement_id, acknowledged)
        assert set(logged) == set(acknowledged), "a signature is in the log that no client was told of"
        assert len(logged) == len(plan.signers), [result["statuses"]["sign"] for result in results]
        assert_log_whole(served.world.engine, served.world.env())
        assert_projections_equal_a_rebuild(served.world.engine, served.world.env())


def call(
    base: str, path: str, token: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One API request: status, headers and JSON body (errors included)."""
    request = urllib.request.Request(
        base + path,
        method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), json.loads(error.read())


def at_once(*requests: tuple[Any, ...]) -> list[tuple[int, dict[str, str], dict[str, Any]]]:
    """Send the requests (arguments of `call`) from one thread each, released together."""
    answers: list[Any] = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def send(n: int) -> None:
        start.wait()
        answers[n] = call(*requests[n])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_stale_if_match_is_refused_and_its_retry_through_both_servers_is_recorded_once(tmp_path: Path) -> None:
    with deployed(tmp_path, 2 * ROUNDS) as served:
        plan, engine = served.world.plan, served.world.engine
        signatures_path = f"{plan.statement_path}/signatures"
        for n in range(ROUNDS):
            (signer, token), (mover, mover_token) = plan.signers[2 * n], plan.signers[2 * n + 1]
            body = {"organisation_id": signer, "title": "Director", "version_hash": plan.version_hash}
            key = {"Idempotency-Key": f"sign-{signer}"}
            served.settle()  # an ETag is read from the read model, so only a caught-up one is current
            status, headers, _ = call(served.first.url, plan.statement_path, token)
            assert status == 200
            seen = headers["ETag"]

            moved, _, _ = call(
                served.second.url,
                signatures_path,
                mover_token,
                {"organisation_id": mover, "title": "Director", "version_hash": plan.version_hash},
            )
            stale = call(served.first.url, signatures_path, token, body, {**key, "If-Match": seen})
            assert (moved, stale[0], stale[2]["error"]["code"]) == (201, 409, "conflict"), stale
            assert signatures(engine, plan.statement_id)[signer] == 0

            served.settle()
            fresh = call(served.second.url, plan.statement_path, token)[1]["ETag"]
            assert fresh != seen
            twins = at_once(
                *[
                    (server.url, signatures_path, token, body, {**key, "If-Match": fresh})
                    for server in (served.first, served.second)
                ]
            )
            again = call(served.first.url, signatures_path, token, body, {**key, "If-Match": fresh})
            assert [status for status, _, _ in [*twins, again]] == [201, 201, 201], [*twins, again]
            assert again[1].get("Idempotent-Replayed") == "true"
            assert twins[0][2] == twins[1][2] == again[2], "the retries were not all given the first answer"
            assert signatures(engine, plan.statement_id)[signer] == 1

        assert_exactly_once(engine, plan.statement_id, [organisation for organisation, _ in plan.signers])
        assert_log_whole(engine, served.world.env())
        served.settle()
        assert_projections_equal_a_rebuild(engine, served.world.env())
