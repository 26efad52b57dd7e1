"""A token revoked in one server process is refused by every other one at once: no process caches tokens.

Every backend. Two apps on one database stand for two gunicorn workers. Authentication is one query on the
token's SHA-256 per request (no password hash, no cache), so what one process revokes, the next request
anywhere refuses; the token's last use is written in the command's own transaction, never ahead of it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.loadworld import seed
from bench.sign import _app
from coalition.accounts import tokens
from events import WriterQueueTimeout


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


def test_a_refused_command_keeps_its_answer_when_the_store_is_too_busy_to_note_the_tokens_use(
    migrated_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """The last use of a token rides in a command's append; a refused command appends nothing, so it is noted
    after the answer, best effort: a full writers' queue then must not turn the refusal into a 503."""
    plan = seed(migrated_url, 2, tmp_path)
    app = _app(migrated_url, tmp_path)
    logging.getLogger("coalition.requests").disabled = True
    try:
        (organisation_id, token), _ = plan.signers
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"stale-{organisation_id}"}
        stale = {"organisation_id": organisation_id, "title": "Director", "version_hash": "0" * 64}
        with app.extensions["coalition"].engine.begin() as connection:
            connection.execute(sa.text("UPDATE api_tokens SET last_used_at = NULL"))  # a use to note
        tried: list[bool] = []

        def busy(self: tokens.Touch, services: Any) -> None:
            tried.append(True)
            raise WriterQueueTimeout(3, 10)

        monkeypatch.setattr(tokens.Touch, "write_alone", busy)
        refused = app.test_client().post(f"{plan.statement_path}/signatures", json=stale, headers=headers)
        assert tried == [True]  # it was tried after the refusal
        assert refused.status_code in (409, 422), refused.get_data(as_text=True)  # the refusal, not a 503
    finally:
        app.extensions["coalition"].engine.dispose()
