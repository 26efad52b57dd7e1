"""What every response carries and every request leaves behind: security headers, rate limits, request logs.

- Headers (Flask-Talisman): a Content-Security-Policy that lets pages load only this site's own
  scripts, styles, images and fonts (no inline script), no framing, `nosniff`, a strict referrer policy.
  HTTPS is not forced here: the proxy in front terminates TLS (see README, "Deploying").
- Rate limits (Flask-Limiter): per client address on the doors someone could hammer (sign-in,
  registration, token creation, password resets, PDF verification: `COALITION_RATELIMIT_VERIFY`) and,
  generously, on the public reads of the log and the seal certificate (`COALITION_RATELIMIT_PUBLIC_READS`).
  A refusal is a 429 with Retry-After and a message naming the limit. Storage in memory by default, which
  is per process; with several processes set COALITION_RATELIMIT_STORAGE_URI=redis://... so they share one count.
  Behind a proxy, COALITION_PROXY_HOPS=1 takes the client's address from X-Forwarded-For (else every
  client would share the proxy's count) and the scheme from X-Forwarded-Proto.
- Request logs: one JSON line per request with its id (the `X-Request-Id` we answer with, made here,
  which is also the correlation id in the metadata of the events the request records) and the
  caller's own `X-Request-Id` when it is sensible (`caller_request_id`), never the body, the
  session, a token or a key.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeGuard

from flask import Flask, g, request, request_started
from flask.typing import ResponseReturnValue, RouteCallable
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from limits import parse_many
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from coalition.handlers import redecided
from coalition.web.request import caller_request_id, request_id

#: Pages and the API load nothing from other hosts and run no inline script.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

SIGN_IN = "10 per minute;100 per hour"
REGISTER = "5 per minute;50 per hour"

#: How often one client address may post to each door (endpoint: limit, and the count it shares).
#: Every door that checks a password shares one count, so two doors do not double the guesses.
DOORS = {
    "accounts.login": (SIGN_IN, "password"),
    "api.create_token": (SIGN_IN, "password"),
    "accounts.register": (REGISTER, "register"),
    "api.register_user": (REGISTER, "register"),
    "tokens.create": (SIGN_IN, "password"),
    "sessions.close": (SIGN_IN, "password"),
    "api.close_account": (SIGN_IN, "password"),
    # Password resets: asking mails someone, using a link sets a password; counted like signing in.
    "resets.forgot": (SIGN_IN, "reset"),
    "api.request_password_reset": (SIGN_IN, "reset"),
    "resets.choose": (SIGN_IN, "reset"),
    "api.reset_password": (SIGN_IN, "reset"),
    # The account's own changes check the current password: counted with the other password doors.
    "api.change_password": (SIGN_IN, "password"),
    "api.change_email": (SIGN_IN, "password"),
    "account.change_password": (SIGN_IN, "password"),
    "account.change_email": (SIGN_IN, "password"),
    "account.resend": (REGISTER, "register"),
    "api.resend_verification": (REGISTER, "register"),
    "public.verify_page": ("RATELIMIT_VERIFY", "verify"),
    "api.verify_pdf": ("RATELIMIT_VERIFY", "verify"),
}

#: The public reads anyone may make without an account (GET), sharing one generous count per client address:
#: the log's checkpoint, key and Merkle proofs, and the seal certificate (what an offline verifier downloads).
PUBLIC_READS_LIMITED = (
    "api.log_checkpoint",
    "api.log_public_key",
    "api.log_inclusion",
    "api.log_consistency",
    "api.seal_certificate",
)

log = logging.getLogger("coalition.requests")


def _start(_app: Flask, **_: Any) -> None:
    g.started = time.perf_counter()
    g.redecided = [0]
    redecided.set(g.redecided)  # `retrying` counts here the decisions made again after a conflict


def _refuse_nul_characters() -> None:
    """No id, filter or form field holds a NUL character, and PostgreSQL cannot store one: say so first."""
    fields = [*request.args.items(multi=True)]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += [*request.form.items(multi=True)]
    if "\x00" in request.path or any("\x00" in (key or "") or "\x00" in value for key, value in fields):
        raise BadRequest("the address and the form must not contain NUL characters (%00)")


def _logged_path() -> str:
    """The request's path for the log, with any secret it carries (a reset, invitation or unsubscribe link's
    token) replaced: whoever reads the logs must not be able to follow the link."""
    secret = (request.view_args or {}).get("token")
    return request.path.replace(str(secret), "<token>") if secret else request.path


def _finish(response: Response) -> Response:
    """Answer with the request id, and log the request as one JSON line."""
    identifier = request_id()
    response.headers["X-Request-Id"] = identifier
    record: dict[str, Any] = {
        "request_id": identifier,
        **({"caller_request_id": caller} if (caller := caller_request_id()) else {}),
        "method": request.method,
        "path": _logged_path(),
        "status": response.status_code,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        "remote": request.remote_addr,
    }
    if again := g.get("redecided", [0])[0]:
        record["redecided"] = again  # a conflict with what another request appended meanwhile: decided again
    redecided.set(None)  # counted for this request only
    log.info(json.dumps(record, separators=(",", ":")))
    return response


def _synchronous(view: RouteCallable) -> TypeGuard[Callable[..., ResponseReturnValue]]:
    """Whether a view answers directly (every door does), so Flask-Limiter's wrapper keeps its type."""
    return not inspect.iscoroutinefunction(view)


def _configured(app: Flask, key: str) -> str:
    """A limit from the configuration (e.g. "20 per minute;300 per hour"), checked now rather than at the first
    request."""
    value = str(app.config.get(key) or "").strip()
    try:
        parsed = parse_many(value)
    except ValueError:
        parsed = []
    if not parsed:
        raise ValueError(f"COALITION_{key} must be limits such as '20 per minute;300 per hour', not {value!r}")
    return value


def _refusal(limit: str) -> str:
    """What a refused client reads (the API's error message; the pages show their own, translated)."""
    at_most = limit.replace(";", " and ")
    return f"too many requests from your address (at most {at_most}): wait as long as Retry-After says"


def init_app(app: Flask) -> None:
    """Headers, limits and request logs for every response of `app`."""
    # One limiter per app (its counts and its on/off switch are its own), wrapping the doors' views.
    limiter = Limiter(get_remote_address, app=app, headers_enabled=True)
    app.extensions["coalition.limiter"] = limiter  # the wrapped views hold it only weakly
    limited = [(endpoint, limit, shared, "POST") for endpoint, (limit, shared) in DOORS.items()]
    limited += [(endpoint, "RATELIMIT_PUBLIC_READS", "public-reads", "GET") for endpoint in PUBLIC_READS_LIMITED]
    for endpoint, limit, shared, method in limited:
        value = _configured(app, limit) if limit.startswith("RATELIMIT_") else limit
        door = limiter.shared_limit(value, scope=shared, methods=[method], error_message=_refusal(value))
        view = app.view_functions[endpoint]
        if not _synchronous(view):
            raise TypeError(f"{endpoint}: only a synchronous view can be rate limited here")
        app.view_functions[endpoint] = door(view)
    if app.config["PROXY_HOPS"]:  # behind N proxies: the client's address and scheme come from their headers
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    Talisman(
        app,
        force_https=False,
        strict_transport_security=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
    )
    request_started.connect(_start, app)  # before any before_request hook, so refusals are timed too
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul_characters)  # before CSRF and the views
    app.after_request(_finish)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
