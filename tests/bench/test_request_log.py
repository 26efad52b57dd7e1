"""`bench http` counts re-decisions from the server's request log (`bench.web.redecisions`)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.web import redecisions


def test_re_decisions_are_summed_over_recorded_signatures_only(tmp_path: Path) -> None:
    path = "/api/v1/coalitions/c/statements/s/signatures"
    lines = [
        "[2026-12-06 16:00:00 +0000] [1] [INFO] Booting worker with pid: 2",  # gunicorn's own
        json.dumps({"method": "POST", "path": path, "status": 201}),
        json.dumps({"method": "POST", "path": path, "status": 201, "redecided": 2}),
        json.dumps({"method": "POST", "path": path, "status": 409, "redecided": 1}),  # refused: not recorded
        json.dumps({"method": "GET", "path": path, "status": 200}),  # a read
        json.dumps({"method": "POST", "path": "/api/v1/tokens", "status": 201, "redecided": 1}),
        '{"method": "POST", "path": "cut off',  # a line the kill cut short
    ]
    log = tmp_path / "gunicorn.log"
    log.write_text("\n".join(lines) + "\n")

    assert redecisions(log) == {"signatures": 2, "redecided": 2}
