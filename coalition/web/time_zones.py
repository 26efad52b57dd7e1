"""The reader's time zone: the one their account keeps, else the one their browser reported, else UTC.

The browser's zone arrives in the `tz` cookie, written by static/time-zone.js (a file: the CSP allows no
inline script) from `Intl.DateTimeFormat().resolvedOptions().timeZone`. A signed-in person with no zone
stored gets the browser's stored into their account the first time a page sees it, so that their e-mails
are on their clock too; after that only the account settings change it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field, Form, SelectField
from wtforms.validators import ValidationError

from coalition import accounts
from coalition.domain import zones
from coalition.infra.extensions import services
from coalition.web.typed import SelectChoice

#: The cookie static/time-zone.js writes the browser's zone into.
COOKIE = "tz"


def browser_zone() -> str | None:
    """The zone the reader's browser reported, if it is one we take."""
    reported = request.cookies.get(COOKIE) if has_request_context() else None
    return zones.canonical(reported) if reported is not None and zones.is_zone(reported) else None


def select_time_zone() -> str | None:
    """Flask-Babel's time zone selector: the account's zone, else the browser's; None (UTC) outside a request."""
    if not has_request_context():
        return None
    stored = getattr(current_user, "time_zone", None) if current_user else None
    if zones.is_zone(stored):
        return str(stored)
    return browser_zone()


class KnownZone:
    """A form validator: the field holds a zone we take, else the form to use."""

    def __call__(self, form: Form, field: Field) -> None:
        if not zones.is_zone(field.data):
            raise ValidationError(_("Choose a time zone from the list, such as Europe/Bucharest or UTC."))


def zone_choices() -> list[SelectChoice]:
    """Every zone for a select, by name ("America/New York" shown for America/New_York)."""
    return [SelectChoice(zone, zone.replace("_", " ")) for zone in zones.zones()]


def zone_field(label: Any, **options: Any) -> SelectField:
    """A select of every zone, refused with a clear message when the value sent is not one."""
    return SelectField(
        label,
        choices=zone_choices(),
        validate_choice=False,
        validators=[KnownZone()],
        render_kw={"class": "zone-select"},  # as wide as the page allows, never wider (static/style.css)
        **options,
    )


def _remember_browser_zone(response: Response) -> Response:
    """Store the browser's zone in the account of a signed-in person who has none (once: then it is theirs)."""
    user = g.get("_login_user")  # only when the page already loaded the person: no lookup for this alone
    reported = browser_zone() if request.cookies.get(COOKIE) else None
    if reported and user is not None and getattr(user, "is_authenticated", False) and user.time_zone is None:
        accounts.set_time_zone(services().engine, user.user_id, reported, only_if_unset=True)
    return response


def init_app(app: Flask) -> None:
    """Remember browsers' zones for the accounts that have none; templates get the reader's zone."""
    app.after_request(_remember_browser_zone)
    app.jinja_env.globals.update(browser_zone=browser_zone)
