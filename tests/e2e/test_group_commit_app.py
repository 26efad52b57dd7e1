"""The app with COALITION_GROUP_COMMIT: signatures made at once on a threaded worker's threads go through one
writer thread, share commits, and each is recorded once, answered once and projected, as without it."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask

from bench.loadworld import Plan, seed
from bench.sign import _app
from coalition.domain import statement
from events import GroupCommitStore

SIGNERS = 12


def sign(app: Flask, plan: Plan, organisation_id: str, token: str, start: threading.Barrier | None = None) -> object:
    client = app.test_client()
    if start is not None:
        start.wait()
    return client.post(
        f"{plan.statement_path}/signatures",
        json={"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"},
    )


def held_until_all_wait(store: GroupCommitStore, expected: int) -> None:
    """The writer's first batch waits (before recording) until the others of `expected` appends are queued behind
    it, so that they come together whatever the machine's speed: the next batch must take them all at once."""
    real, first = store._record, threading.Event()

    def record(batch: list[object]) -> None:
        if not first.is_set():
            first.set()
            deadline = time.monotonic() + 30
            while store.waiting() < expected - len(batch) and time.monotonic() < deadline:
                time.sleep(0.005)
        real(batch)  # type: ignore[arg-type]

    store._record = record  # type: ignore[method-assign,assignment]


def test_signers_on_threads_are_each_recorded_once_through_the_writer(migrated_url: str, tmp_path: Path) -> None:
    plan = seed(migrated_url, SIGNERS, tmp_path)
    app = _app(migrated_url, tmp_path, GROUP_COMMIT=True)
    logging.getLogger("coalition.requests").disabled = True
    services = app.extensions["coalition"]
    store = services.store
    try:
        assert isinstance(store, GroupCommitStore)
        held_until_all_wait(store, SIGNERS)
        start = threading.Barrier(SIGNERS)
        with ThreadPoolExecutor(SIGNERS) as pool:
            answers = list(pool.map(lambda signer: sign(app, plan, *signer, start), plan.signers))
        again = sign(app, plan, *plan.signers[0])  # a retry of the first: its kept answer, nothing new

        assert [answer.status_code for answer in answers] == [201] * SIGNERS, [a.get_json() for a in answers]
        assert again.status_code == 201 and again.get_json() == answers[0].get_json()
        assert store.batched == SIGNERS  # every append went through the writer thread, the retry recorded none
        assert store.commits == 2  # the first alone, then the eleven that came together in one commit
        signed = [
            event.payload["organisation_id"]
            for event in store.read_stream(statement.stream(plan.statement_id))
            if event.type == "StatementSigned"
        ]
        assert sorted(signed) == sorted(organisation for organisation, _ in plan.signers)
        assert store.verify().ok
        facilitator = {"Authorization": f"Bearer {plan.facilitator_token}"}
        shown = app.test_client().get(plan.statement_path, headers=facilitator).get_json()
        assert shown["signatures_total"] == SIGNERS  # the inline projections ran in each request's savepoint
    finally:
        logging.getLogger("coalition.requests").disabled = False
        store.close()
        services.engine.dispose()
