"""Signing a browser in and out: a session record per sign-in (`coalition.accounts.sessions`), Flask-Login around it.

Flask-Login keeps the record's secret in the signed session cookie; on each request the user loader looks
the record up, so ending the record (signing out, "end this session", a password reset, a closed account)
signs out every copy of the cookie. The "remember me" cookie is never set; should one arrive, Flask-Login
hands its id to the same loader, so it too works only while its session record does.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from flask_login import current_user, login_user, logout_user

from coalition.accounts import User, sessions
from coalition.infra.extensions import services
from coalition.web.reading import now


def idle() -> timedelta:
    """How long a session may go unused before it ends (SESSION_IDLE_DAYS)."""
    return timedelta(days=float(current_app.config["SESSION_IDLE_DAYS"]))


def sign_in(user: User) -> sessions.SessionUser:
    """Start a session for a person whose password was just checked, and sign this browser in with it."""
    with services().engine.begin() as connection:
        signed = sessions.start(connection, user, now(), request.headers.get("User-Agent", ""), request.remote_addr)
    login_user(signed)
    return signed


def sign_out() -> None:
    """End this browser's session record (so that a copy of the cookie stops working too), then sign out."""
    if current_user.is_authenticated and isinstance(current_user._get_current_object(), sessions.SessionUser):
        sessions.end_session(services().engine, current_user.user_id, current_user.session_id, now())
    logout_user()


def load_user(kept_id: str) -> sessions.SessionUser | None:
    """Flask-Login's user loader: the person of a session record still going, else nobody (signed out)."""
    return sessions.resume(services().engine, kept_id, now(), idle())
