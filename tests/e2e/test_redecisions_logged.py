"""A request whose command met a conflict (another request appended what it had read) and decided again says so in
its request log line (`"redecided"`), so that `python -m bench http` can count re-decisions under load; a request
that met none logs no such field. Every backend."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from bench.loadworld import seed
from bench.sign import _app
from events import ConcurrencyConflict


class Lines(logging.Handler):
    """The request log's lines, as JSON."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


def test_a_signature_decided_again_after_a_conflict_logs_how_often(migrated_url: str, tmp_path: Path) -> None:
    plan = seed(migrated_url, 2, tmp_path)
    app = _app(migrated_url, tmp_path)
    services = app.extensions["coalition"]
    store, real, refused, calls = services.store, services.store.append, [0], [0]

    def append(*args: Any, **kwargs: Any) -> Any:  # the first append of the second signature finds it moved
        if kwargs.get("idempotency_key") and refused[0] == 0 and calls[0] == 1:
            refused[0] += 1
            raise ConcurrencyConflict("statement-x", 1, 2)
        return real(*args, **kwargs)

    store.append = append  # type: ignore[method-assign]
    client = app.test_client()
    logged, requests = Lines(), logging.getLogger("coalition.requests")
    requests.addHandler(logged)
    try:
        for organisation_id, token in plan.signers:
            answer = client.post(
                f"{plan.statement_path}/signatures",
                json={"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"},
            )
            assert answer.status_code == 201, answer.get_json()
            calls[0] += 1
    finally:
        requests.removeHandler(logged)
        del store.append
        services.engine.dispose()
    signatures = [line for line in logged.lines if line["method"] == "POST" and line["path"].endswith("/signatures")]

    assert refused == [1]
    assert "redecided" not in signatures[0]  # decided once
    assert signatures[1]["redecided"] == 1 and signatures[1]["status"] == 201  # decided again, then recorded
