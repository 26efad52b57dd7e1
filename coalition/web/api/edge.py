"""What every API endpoint does at its edge: load the body, build the command context, answer once.

`@command(status)` wraps a mutating endpoint: bearer authentication, `Idempotency-Key` (a retry
gets the first answer back and appends nothing), `If-Match` (the version the client last saw) and
a `Context` for the handler. `@documented(...)` records what the OpenAPI document says of a route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import Any, TypeVar

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError
from sqlalchemy.engine import Connection
from werkzeug.exceptions import BadRequest

from coalition.domain.base import DomainError
from coalition.domain.coalition_state import Actor
from coalition.domain.text import has_lone_surrogate
from coalition.handlers import Context, retrying
from coalition.infra.extensions import services
from coalition.infra.idempotency import fingerprint, recall
from coalition.reads.access import actor
from coalition.web.api.auth import authenticated, pending_touch
from coalition.web.reading import now as clock
from coalition.web.reading import today
from coalition.web.request import caller_request_id, request_id
from events import ConcurrencyConflict

F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY_LENGTH = 200


def json_body(schema: Schema, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object loaded through `schema` (400 if not a JSON object, 422 if invalid)."""
    if optional and not request.get_data():
        empty: dict[str, Any] = schema.load({})
        return empty
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    problem = _unreadable_text(body)
    if problem is not None:
        raise BadRequest(problem)
    loaded: dict[str, Any] = schema.load(body)
    return loaded


def _unreadable_text(value: Any) -> str | None:
    """What is wrong with a key or string anywhere in a parsed JSON value that no field may hold, or None.

    A NUL character (the databases refuse it) or a lone surrogate (`"\\ud800"`: JSON can write it, UTF-8
    cannot, so it could be neither stored, hashed nor shown): the whole body is refused, whatever the endpoint.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "text in the request body must not contain NUL characters (\\u0000)"
            if has_lone_surrogate(item):
                return (
                    "text in the request body must not contain unpaired surrogates (\\ud800 to \\udfff): "
                    "send UTF-8 text, writing a character outside the BMP as a pair of \\u escapes or as itself"
                )
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def query_args(schema: Schema) -> dict[str, Any]:
    """The query string loaded through `schema` (422 naming each bad parameter)."""
    loaded: dict[str, Any] = schema.load({key: value for key, value in request.args.items()})
    return loaded


def reader(connection: Connection) -> Actor:
    """The signed-in user (`g.user`, from the bearer token), with the organisations they act for today."""
    return actor(connection, g.user.user_id, today())


def _if_match() -> int | None:
    given = request.headers.get("If-Match")
    if given is None:
        return None
    text = given.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(r"[0-9]{1,18}", text):
        raise BadRequest('If-Match must be a version this API gave you, such as "7" (from a GET\'s ETag)')
    return int(text)


def _key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters (a UUID is ideal)")
    return key


def _replay(key: str, fingerprint_: str, status: Callable[[Any], int]) -> ResponseReturnValue | None:
    kept = recall(services().engine, g.user.user_id, key)
    if kept is None:
        return None
    if kept.fingerprint != fingerprint_:
        raise ValidationError(
            {"Idempotency-Key": ["this key was already used for a different request: use a new key for a new request"]}
        )
    return jsonify(kept.answer), status(kept.answer), {"Idempotent-Replayed": "true"}


def command(status: int = 200, *, invites: bool = False) -> Callable[[F], F]:
    """Make a view a command endpoint: it gets a `Context` first and returns the answer to send.

    `invites`: an answer naming an `invitation` (someone without an account was invited) is a 202.
    """

    def status_of(answer: Any) -> int:
        return 202 if invites and isinstance(answer, dict) and "invitation" in answer else status

    def decorate(view: F) -> F:
        @wraps(view)
        @partial(authenticated, rides=True)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            key, if_match = _key(), _if_match()  # both checked first: a malformed header is a 400, even on a retry
            fingerprint_ = fingerprint(request.method, request.path, request.get_data())
            if key is not None and (kept := _replay(key, fingerprint_, status_of)) is not None:
                return kept
            now = clock()
            contexts: list[Context] = []

            def attempt() -> Any:  # a fresh context each time: ids made from the key start again
                contexts.append(
                    Context(
                        services(),
                        g.user.user_id,
                        now.date(),
                        key,
                        fingerprint_,
                        request_id(),
                        if_match,
                        now,
                        request_id=caller_request_id(),
                        verified=g.user.verified,
                        name=g.user.name,
                        rider=pending_touch(),
                    )
                )
                return view(contexts[-1], *args, **kwargs)

            try:
                answer = retrying(services(), attempt)
            except (DomainError, ConcurrencyConflict):
                # A twin of this request may have committed while this one decided: answer as it did.
                if key is not None and (kept := _replay(key, fingerprint_, status_of)) is not None:
                    return kept
                raise
            if (
                key is not None
                and not contexts[-1].recorded
                and (kept := _replay(key, fingerprint_, status_of)) is not None
            ):
                # Its twin was recorded first (in another process, maybe), and this one found it
                # replayed or found nothing left to do: the twin's answer is the answer.
                return kept
            return jsonify(answer), status_of(answer)

        wrapper.takes_retries = True  # type: ignore[attr-defined]  # the OpenAPI document lists its headers
        return wrapper  # type: ignore[return-value]

    return decorate


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route."""

    request: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    query: type[Schema] | None = None
    public: bool = False
    body_required: bool = True
    errors: tuple[int, ...] = ()  # default: every error a guarded (or, if public, an open) route can give
    media: str = "application/json"  # another media type answers with a file
    upload: str | None = None  # the multipart/form-data field a file is uploaded in
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path parameters with fixed values
    also: dict[int, type[Schema]] = field(default_factory=dict)  # other successful answers (202: invited)


def documented(**operation: Any) -> Callable[[F], F]:
    """Record a route's request and response schemas for /api/v1/openapi.json."""

    def decorate(view: F) -> F:
        view.__openapi__ = Operation(**operation)  # type: ignore[attr-defined]
        return view

    return decorate


#: The media type of every PDF answer.
PDF = "application/pdf"


def documented_pdf(**operation: Any) -> Callable[[F], F]:
    """`documented` for a route that answers with a PDF: its success is declared as `application/pdf` with
    `{type: string, format: binary}`, so generated clients hand back the bytes (a test checks every `.pdf` route)."""
    return documented(media=PDF, **operation)
