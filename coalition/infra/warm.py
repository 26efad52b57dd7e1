"""A worker's state cache warmed before it takes requests: the streams of the campaigns under way.

A process folds an aggregate from the log the first time a command needs it, and keeps the fold
(`StateCache`). For a coalition with thousands of members that first fold is most of a second on
PostgreSQL (6,000 events read and folded), and a worker meets it on its first signature: right after a
deploy or a restart, in the middle of a campaign, when signatures arrive fastest. `warm` folds, at
start-up, each statement open for signature and its coalition, the streams every signature reads, so
that cost is paid before the worker accepts a connection. It is bounded (it stops once `limit` events are
folded) and best effort: a database not migrated yet, or any error, leaves the cache cold and the worker starts.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from coalition.domain import coalition as co
from coalition.domain import statement as st
from coalition.infra.extensions import Services
from coalition.infra.states import Evolve
from coalition.reads.statements import open_campaigns

log = logging.getLogger("coalition.warm")

#: Events folded at most at start-up (a bound on how long a worker may take to start: about 20 µs an event).
WARM_EVENTS = 200_000


def warm(app: Flask, limit: int = WARM_EVENTS) -> int:
    """Fold the open statements' streams and their coalitions' into the app's state cache; return the events
    folded (0 when there was nothing to do, or it could not be done)."""
    services: Services = app.extensions["coalition"]
    cache = services.states
    started, before = time.perf_counter(), cache.folded
    try:
        streams: dict[str, Evolve] = {}
        with services.engine.connect() as connection:
            campaigns = open_campaigns(connection)
        for coalition_id, statement_id in campaigns:
            streams.setdefault(co.stream(coalition_id), co.evolve)
            streams.setdefault(st.stream(statement_id), st.evolve)
        for stream_id, evolve in list(streams.items())[: cache.size]:
            if cache.folded - before >= limit:
                break
            cache.load(services.store, stream_id, evolve)
    except SQLAlchemyError as error:  # not migrated yet, the database away: start cold, as before
        log.warning("state cache not warmed: %s", error.__class__.__name__)
        return 0
    except Exception:  # noqa: BLE001 - the worker must start; the first command on that stream meets the error
        log.exception("state cache not warmed")
        return 0
    folded = cache.folded - before
    if folded:
        log.info("state cache warmed: %d events in %.2f s", folded, time.perf_counter() - started)
    return folded
