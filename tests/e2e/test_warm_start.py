"""A worker folds the campaigns under way before it takes requests (coalition/infra/warm.py, called by wsgi.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bench.loadworld import seed
from bench.sign import _app
from coalition.domain import coalition as co
from coalition.domain import statement as st
from coalition.infra.warm import warm


def test_the_open_statement_and_its_coalition_are_folded_before_the_first_signature(
    migrated_url: str, tmp_path: Path
) -> None:
    plan = seed(migrated_url, 6, tmp_path)
    app = _app(migrated_url, tmp_path)
    services = app.extensions["coalition"]
    try:
        coalition_stream, statement_stream = co.stream(plan.coalition_id), st.stream(plan.statement_id)
        whole = len(services.store.read_stream(coalition_stream)) + len(services.store.read_stream(statement_stream))

        folded = warm(app)

        assert folded == whole
        assert services.states.peek(coalition_stream, co.evolve) is not None
        assert services.states.peek(statement_stream, st.evolve) is not None
        organisation_id, token = plan.signers[0]
        logging.getLogger("coalition.requests").disabled = True
        answer = app.test_client().post(
            f"{plan.statement_path}/signatures",
            json={"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 201, answer.get_json()
        # the first signature folded only the signer's own streams, not the coalition's history again
        assert services.states.folded - folded < whole
    finally:
        logging.getLogger("coalition.requests").disabled = False
        services.engine.dispose()


def test_warming_stops_at_its_bound(migrated_url: str, tmp_path: Path) -> None:
    plan = seed(migrated_url, 4, tmp_path)
    app = _app(migrated_url, tmp_path)
    services = app.extensions["coalition"]
    try:
        first = len(services.store.read_stream(co.stream(plan.coalition_id)))

        folded = warm(app, limit=1)

        assert folded == first  # the coalition, then the bound reached: the statement left for its first use
        assert services.states.peek(st.stream(plan.statement_id), st.evolve) is None
    finally:
        services.engine.dispose()


def test_a_database_not_migrated_yet_leaves_the_cache_cold_and_the_app_starting(tmp_path: Path) -> None:
    app = _app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)

    assert warm(app) == 0
    assert app.extensions["coalition"].states.folded == 0


def test_a_fold_that_fails_leaves_the_cache_cold_and_the_worker_starting(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(migrated_url, 2, tmp_path)
    app = _app(migrated_url, tmp_path)
    services = app.extensions["coalition"]

    def broken(*_: object) -> None:
        raise ValueError("an event this code cannot fold")

    monkeypatch.setattr(co, "evolve", broken)
    try:
        assert warm(app) == 0
    finally:
        services.engine.dispose()
