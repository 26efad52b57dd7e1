"""A token revoked in one server process is refused by every other one at once: no process caches tokens.

Every backend. Two apps on one database stand for two gunicorn workers. Authentication is one query on the
token's SHA-256 per request (no password hash, no cache), so what one process revokes, the next request
anywhere refuses; the token's last use is written in the command's own transaction, never ahead of it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from bench.loadworld import seed
from bench.sign import _app
from coalition.accounts import tokens


def test_a_token_revoked_in_another_process_is_refused_at_once(migrated_url: str, tmp_path: Path) -> None:
    plan = seed(migrated_url, 2, tmp_path)
    a, b = _app(migrated_url, tmp_path), _app(migrated_url, tmp_path)
    logging.getLogger("coalition.requests").disabled = True
    try:
        (organisation_id, token), _ = plan.signers
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"}
        body = {"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash}
        assert b.test_client().get("/api/v1/me", headers=headers).status_code == 200  # B has just used it

        services = a.extensions["coalition"]
        found = tokens.lookup_token(services.engine, token, datetime.now(UTC))
        assert not isinstance(found, tokens.Refused)
        user, _touch = found
        (listed,) = tokens.tokens_of(services.engine, user.user_id)
        tokens.revoke_token(services, user, str(listed["token_id"]))

        refused = b.test_client().post(f"{plan.statement_path}/signatures", json=body, headers=headers)
        assert refused.status_code == 401
        assert "revoked" in refused.get_json()["error"]["message"]
        assert b.test_client().get("/api/v1/me", headers=headers).status_code == 401
    finally:
        logging.getLogger("coalition.requests").disabled = False
        a.extensions["coalition"].engine.dispose()
        b.extensions["coalition"].engine.dispose()
