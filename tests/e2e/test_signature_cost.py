"""What one signature costs in SQL statements, counted, so that a change that adds one fails here.

Every backend. A signature through the API, as `python -m bench sign` sends it (bearer token, Idempotency-Key,
version hash), after one other signature warmed the process (its state cache holds the statement and the
coalition). Counted: every statement sent to the database, SQLAlchemy's and the driver cursor's alike, not
counting BEGIN, COMMIT and ROLLBACK. docs/benchmarks.md ("Cheaper commands") lists them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bench.loadworld import seed
from bench.sign import Counter, _app

#: The statements of one signature: the token (1), the idempotency key's earlier answer (1), the signing
#: organisation (2: its stream, and the signer's key to open their mandate's title; the signer's account name is
#: the one authentication read, no statement of its own since session 28); the append (6:
#: key, positions, key to seal with, event, key, answer), the token's last use in the same transaction (1),
#: the inline projections (6: the caught-up checkpoints moved and named in one statement, stream head,
#: signature row ended and started, audit line, the day's activity count), the statement's tallies (4: the
#: signature's tally key, its facts in one query, the tally incremented, the key kept). On PostgreSQL the append
#: sends the lock, the key's earlier answer, the head and the signer's key to seal with in one message, counted
#: as one (2 fewer).
STATEMENTS = {"sqlite": 21, "postgresql": 19}


def test_a_signature_costs_a_known_handful_of_statements(migrated_url: str, tmp_path: Path) -> None:
    plan = seed(migrated_url, 3, tmp_path)
    app = _app(migrated_url, tmp_path)
    logging.getLogger("coalition.requests").disabled = True
    client = app.test_client()
    services = app.extensions["coalition"]
    counted = []
    try:
        for organisation_id, token in plan.signers:
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"sign-{organisation_id}"}
            body = {"organisation_id": organisation_id, "title": "Director", "version_hash": plan.version_hash}
            counter = Counter(services.engine)
            with counter.counting():
                response = client.post(f"{plan.statement_path}/signatures", json=body, headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)
            counted.append(counter.count)
    finally:
        logging.getLogger("coalition.requests").disabled = False
        services.engine.dispose()

    backend = services.engine.dialect.name
    # the first also read the statement and the coalition (and a key to open the statement's personal fields)
    assert counted[0] > counted[1]
    assert counted[1:] == [STATEMENTS[backend]] * 2, counted
