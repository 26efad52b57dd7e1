"""Bearer-token authentication for the API (cookies are for pages; the API takes tokens only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from werkzeug.exceptions import Unauthorized

from coalition.accounts import User, user_for_token
from coalition.infra.extensions import services

F = TypeVar("F", bound=Callable[..., Any])


def token_user() -> User | None:
    """The user of the request's `Authorization: Bearer` token, if it is valid."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(services().engine, token.strip())


def authenticated(view: F) -> F:
    """Require a valid bearer token; the user is then `g.user`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = token_user()
        if user is None:
            raise Unauthorized(
                "send a valid API token: Authorization: Bearer <token> (create one with POST /api/v1/tokens)"
            )
        g.user = user
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
