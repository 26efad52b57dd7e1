"""Bearer-token authentication for the API (cookies are for pages; the API takes tokens only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from werkzeug.exceptions import Unauthorized

from coalition.accounts import User
from coalition.accounts.tokens import Refused, user_for_token
from coalition.infra.extensions import services
from coalition.web.reading import now

F = TypeVar("F", bound=Callable[..., Any])

SEND_ONE = "send a valid API token: Authorization: Bearer <token> (create one with POST /api/v1/tokens)"
#: What a refused token is told, by why it was refused.
REFUSALS = {
    "unknown": SEND_ONE,
    "revoked": "this API token was revoked on %s: create a new one with POST /api/v1/tokens",
    "expired": "this API token expired on %s: create a new one with POST /api/v1/tokens",
}


def token_user() -> User | Refused:
    """The user of the request's `Authorization: Bearer` token, or why there is none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Refused("unknown")
    return user_for_token(services().engine, token.strip(), now())


def authenticated(view: F) -> F:
    """Require a valid bearer token; the user is then `g.user`. A 401 says why a token is refused."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = token_user()
        if isinstance(user, Refused):
            message = REFUSALS[user.why]
            raise Unauthorized(message % user.on if "%s" in message else message)
        g.user = user
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
