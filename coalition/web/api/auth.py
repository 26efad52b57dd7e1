"""Bearer-token authentication for the API (cookies are for pages; the API takes tokens only)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from werkzeug.exceptions import Unauthorized

from coalition.accounts import User
from coalition.accounts.tokens import Refused, Touch, lookup_token
from coalition.infra.extensions import services
from coalition.web.reading import now
from events import WriterBusy

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

SEND_ONE = "send a valid API token: Authorization: Bearer <token> (create one with POST /api/v1/tokens)"
#: What a refused token is told, by why it was refused.
REFUSALS = {
    "unknown": SEND_ONE,
    "revoked": "this API token was revoked on %s: create a new one with POST /api/v1/tokens",
    "expired": "this API token expired on %s: create a new one with POST /api/v1/tokens",
}


def token_user() -> User | Refused:
    """The user of the request's `Authorization: Bearer` token, or why there is none; the token's last use
    to note is kept as `g.token_touch` (`authenticated` notes it)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Refused("unknown")
    found = lookup_token(services().engine, token.strip(), now())
    if isinstance(found, Refused):
        return found
    user, g.token_touch = found
    return user


def pending_touch() -> Touch | None:
    """The request's token use still to note: a command writes it in its append's transaction."""
    touch: Touch | None = g.get("token_touch")
    return touch if touch is not None and not touch.done else None


def authenticated(view: F, *, rides: bool = False) -> F:
    """Require a valid bearer token; the user is then `g.user`. A 401 says why a token is refused.

    The token's last use is noted before the view runs (a list of tokens shows this very use), unless `rides`:
    a command endpoint notes it in its append's transaction, saving a commit (`Context.rider`), and only
    alone, after the view, if nothing was appended."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = token_user()
        if isinstance(user, Refused):
            message = REFUSALS[user.why]
            raise Unauthorized(message % user.on if "%s" in message else message)
        g.user = user
        if not rides and (touch := pending_touch()) is not None:
            touch.write_alone(services())
        try:
            return view(*args, **kwargs)
        finally:
            if (touch := pending_touch()) is not None:  # no command wrote it in its transaction
                _note_after(touch)

    return wrapper  # type: ignore[return-value]


def _note_after(touch: Touch) -> None:
    """Note the token's last use after the view has answered: best effort. A store too busy to take it (the
    writers' queue full) must not turn the view's answer, or its refusal, into a 503; the next use notes it."""
    try:
        touch.write_alone(services())
    except WriterBusy:
        log.warning("token last use not noted: the store was busy")
