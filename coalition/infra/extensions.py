"""Extensions, created unbound here and bound to an app in `create_app`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import Flask, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from coalition.infra import claims
from coalition.infra.states import StateCache
from coalition.paths import MIGRATIONS
from events import (
    AppendCondition,
    AppendResult,
    EventStore,
    GroupCommitStore,
    Metadata,
    NewEvent,
    RecordedEvent,
    Registry,
    create_engine,
)
from events.store import WithinAppend
from projections import ProjectionRunner, default_projections

migrate = Migrate(directory=str(MIGRATIONS))
csrf = CSRFProtect()  # every form post; the API authenticates with bearer tokens instead
babel = Babel()
login_manager = LoginManager()


class SessionsSecureOverHttps(SecureCookieSessionInterface):
    """Session cookies marked `Secure` whenever the request came over HTTPS (or the config says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure on HTTPS requests, so that the cookie never travels over plain HTTP afterwards."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


#: The write transaction this thread of work holds, if any (see `Services.holding`).
held: ContextVar[Connection | None] = ContextVar("held", default=None)


@dataclass
class Services:
    """The app's event store and projection runner, and how appends reach the projections."""

    engine: Engine
    store: EventStore
    runner: ProjectionRunner
    inline_projections: bool
    password_method: str = "scrypt"  # werkzeug's method; tests may choose a fast one
    states: StateCache = field(default_factory=StateCache)  # aggregates as last folded, per process
    allow_private_webhooks: bool = False  # WEBHOOK_ALLOW_PRIVATE: webhooks may reach local addresses (tests)

    def append(
        self,
        new_events: Sequence[NewEvent],
        *,
        expected: Mapping[str, int | None] | None = None,
        metadata: Metadata = Metadata(),
        idempotency_key: str | None = None,
        within: WithinAppend | None = None,
        connection: Connection | None = None,
        conditions: Sequence[AppendCondition] = (),
    ) -> AppendResult:
        """Append; `within` and, in the embedded mode, the projections run in the same transaction. The
        process's cached folds of the streams written are no longer offered unread (`StateCache.distrust`):
        `Context.append` folds its own events on where it read the state they follow.

        Inside `holding`, the append joins the held transaction: opening another would wait for the
        lock this very thread holds.
        """
        connection = connection if connection is not None else held.get()
        committing()  # (a group commit's writer commits in its own thread, out of the engine's `commit` below)

        def in_transaction(connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
            claims.claim(connection, recorded)  # a new organisation's name and number, whichever command made it
            if within is not None:
                within(connection, recorded)
            if self.inline_projections:
                self.runner.within_append(connection, recorded)

        result = self.store.append(
            new_events,
            expected=expected,
            metadata=metadata,
            idempotency_key=idempotency_key,
            within=in_transaction,
            connection=connection,
            conditions=conditions,
        )
        if not result.replayed:  # this process's cached folds of those streams are behind them now
            for stream_id in dict.fromkeys(event.stream_id for event in new_events):
                self.states.distrust(stream_id)
        return result

    @contextmanager
    def holding(self) -> Iterator[Connection]:
        """A write transaction (the append lock held) that every load and append in it goes through."""
        with self.store.transaction() as connection:
            token = held.set(connection)
            try:
                yield connection
            finally:
                held.reset(token)


class EventSourcing:
    """Binds an engine, the event store and the projection runner to a Flask app."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def init_app(self, app: Flask) -> None:
        """Create the engine from the app's configuration and keep the services on the app."""
        config = app.config
        engine = create_engine(
            config["DATABASE_URL"],
            sqlite_synchronous=config["SQLITE_SYNCHRONOUS"],
            sqlite_busy_timeout_ms=int(config["SQLITE_BUSY_TIMEOUT_MS"]),
            connect_timeout=int(config["DATABASE_CONNECT_TIMEOUT"]),
        )
        event.listen(engine, "commit", committing)
        store = (GroupCommitStore if config["GROUP_COMMIT"] else EventStore)(engine, self.registry)
        runner = ProjectionRunner(store, default_projections())
        app.extensions["coalition"] = Services(
            engine,
            store,
            runner,
            config["PROJECTIONS"] == "inline",
            config["PASSWORD_HASH_METHOD"],
            allow_private_webhooks=bool(config["WEBHOOK_ALLOW_PRIVATE"]),
        )


def committing(*_connection: Connection) -> None:
    """Note in the request that it is about to commit (or append) something: from then on, if the database fails it,
    the error page cannot say that nothing was recorded (`web.api.errors`). Called by the engine's `commit` event
    (before the COMMIT is sent) and before every append."""
    if has_request_context():
        g.may_have_committed = True


def services() -> Services:
    """The current app's services."""
    found: Services = current_app.extensions["coalition"]
    return found
