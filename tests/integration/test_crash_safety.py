"""SIGKILL in the middle of a signing rush: nothing acknowledged is lost, nothing is recorded twice.

gunicorn serves the app on a seeded world while the load driver signs the statement for every
member, retrying (with the same Idempotency-Key) whatever got no answer. The server, or the
projection worker, is killed without warning part-way and started again. Afterwards the log holds
every acknowledged signature exactly once, its hash chain verifies, and the read models equal a
fresh rebuild from the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import ProjectionWorker, Running, Server
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

pytestmark = pytest.mark.slow

ORGANISATIONS = 100
WORKERS = 2


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    """A coalition of ORGANISATIONS members with a statement open for signature."""
    with seeded(database_url, tmp_path, ORGANISATIONS) as world:
        yield world


def every_organisation_acknowledged(result: dict[str, object]) -> list[str]:
    """Every organisation got its 2xx in the end, and no signing request was refused on the way."""
    acknowledged = list(result["acknowledged"])  # type: ignore[call-overload]
    assert sorted(acknowledged) == sorted(set(acknowledged)) and len(acknowledged) == ORGANISATIONS
    refused = {
        status: n
        for status, n in result["statuses"]["sign"].items()  # type: ignore[index]
        if status.isdigit() and 400 <= int(status) < 500
    }
    assert not refused, f"signing requests were refused: {refused}"
    return acknowledged


def signed(world: World) -> int:
    """How many signatures the log holds so far."""
    return sum(signatures(world.engine, world.plan.statement_id).values())


def test_a_killed_server_loses_no_acknowledged_signature(world: World) -> None:
    env = world.env()
    server = Server(env, world.directory / "server.log", workers=WORKERS)
    driver = world.driver(server.url)
    with Running(server, driver):
        wait_for(lambda: signed(world) >= ORGANISATIONS // 3, "third of the signatures", server, driver)
        server.kill()
        assert signed(world) < ORGANISATIONS, "the load was over before the kill; the test proves nothing"
        server.start()  # on the same port: the driver's retries find it again
        result = driver.result()

    assert result["failed_attempts"] > 0, "no request failed across the kill; the test proves nothing"
    acknowledged = every_organisation_acknowledged(result)
    logged = assert_exactly_once(world.engine, world.plan.statement_id, acknowledged)
    assert set(logged) == set(acknowledged), "a signature is in the log that no client was told of"
    assert_log_whole(world.engine, env)
    assert_projections_equal_a_rebuild(world.engine, env)


def test_a_killed_projection_worker_catches_up_to_a_rebuild(world: World) -> None:
    env = world.env(PROJECTIONS="worker")
    server = Server(env, world.directory / "server.log", workers=WORKERS)
    worker = ProjectionWorker(env, world.directory / "worker.log", idle_wait=0.2)
    driver = world.driver(server.url)
    with Running(server, worker, driver):
        wait_for(lambda: signed(world) >= ORGANISATIONS // 3, "third of the signatures", server, worker, driver)
        worker.kill()
        wait_for(lambda: lag(world.engine) > 0, "signature while the worker was down", server, driver)
        worker.start()
        result = driver.result()
        wait_for(lambda: lag(world.engine) == 0, "catching up after the restart", server, worker)

    assert_exactly_once(world.engine, world.plan.statement_id, every_organisation_acknowledged(result))
    assert_log_whole(world.engine, env)
    assert_projections_equal_a_rebuild(world.engine, env)
