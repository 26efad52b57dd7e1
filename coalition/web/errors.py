"""What the edge answers when something goes wrong: one table from a refusal's kind to its HTTP status.

The domain's refusals carry a kind, a message id and parameters (`coalition.domain.base`); both
the API's JSON error handler and the pages' `perform` answer them through `STATUS` here, and the
pages show the message translated into the request's language. The friendly error pages shared
by the pages and by the API's handler for non-API paths live here too, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext, pgettext
from werkzeug.exceptions import HTTPException, InternalServerError

from coalition.domain.base import DomainError, Word, fill
from coalition.infra.formats import localised_moment

#: A refusal's kind -> (HTTP status, the API error `code`). The one place a refusal becomes HTTP.
STATUS: dict[str, tuple[int, str]] = {
    "forbidden": (403, "forbidden"),
    "not_found": (404, "not_found"),
    "conflict": (409, "conflict"),
    "invalid": (422, "invalid"),
    "unauthorized": (401, "unauthorized"),
    "gone": (410, "gone"),  # an invitation's link, used, cancelled or expired
    "unavailable": (503, "unavailable"),  # a service the answer needs is down (the seal's timestamp authority)
}


def status_of(error: DomainError) -> tuple[int, str]:
    """The HTTP status and API error code a refusal is answered with."""
    return STATUS[error.kind]


#: The parameters whose values are our own words (a state, a phase, what was refused), translated with
#: the message. Every other parameter (ids, names, e-mails, countries, what a person typed) is shown as given:
#: an organisation called "Funding" stays "Funding" in Romanian.
WORDS = frozenset({"doing", "state", "phase", "phases", "expected", "allowed", "what", "verb", "action"})


#: Parameters that are instants (ISO 8601): shown as the reader's pages show times ("it is now ..." too).
MOMENTS = frozenset({"deadline", "now"})


def _shown(name: str, value: Any, names: Mapping[str, str]) -> Any:
    """One parameter of a refusal as the reader sees it: our words translated, an organisation by its name,
    a moment (`MOMENTS`) on the reader's clock and in their date format; anything else as given."""
    if not isinstance(value, str) or not value:
        return value
    if isinstance(value, Word):  # a state: its context says whose ("open" statement, task or round)
        return pgettext(value.context, value)
    if name in WORDS:
        return gettext(value)
    if name == "organisation":
        return names.get(value, value)
    if name in MOMENTS:
        try:
            return localised_moment(value)
        except ValueError:
            return value
    return value


def translated(error: DomainError, names: Mapping[str, str] | None = None) -> str:
    """The refusal's message in the request's language (its English text when there is no translation).

    The parameters named in `WORDS` are translated too when the catalogue knows them (the `N_` fragments
    such as "assign roles"; states are `Word`s, translated in their context: "suspended" as a member's); an
    `organisation` id found in `names` is shown by its name and a `deadline` in the reader's date format; the
    others pass through unchanged.
    """
    known = names or {}
    params = {name: _shown(name, value, known) for name, value in error.params.items()}
    try:
        return fill(gettext(error.message), params) if params else gettext(error.message)
    except (KeyError, ValueError, TypeError):  # a translation that names other parameters: say it in English
        return str(error)


def translated_reason(reason: str) -> str:
    """A verifier's reason (`coalition.pdf.reasons.Reason`: a message id and parameters) in the request's
    language; a plain text is looked up as its own message id."""
    message, params = getattr(reason, "message", str(reason)), getattr(reason, "params", {})
    try:
        return fill(gettext(message), params) if params else gettext(message)
    except (KeyError, ValueError, TypeError):  # a translation naming other parameters: say it in English
        return str(reason)


def reason_details(reasons: list[str]) -> list[dict[str, Any]]:
    """The reasons as the API's `reason_details`: message id, parameters and the text in the request's language."""
    return [
        {
            "message": getattr(r, "message", str(r)),
            "params": dict(getattr(r, "params", {})),
            "text": translated_reason(r),
        }
        for r in reasons
    ]


def page_error(error: HTTPException) -> ResponseReturnValue:
    """A page in the site's layout saying what went wrong and what to do; never a stack trace."""
    status = error.code or 500
    template = f"errors/{status}.html" if status in (403, 404) else "errors/other.html"
    return render_template(template, error=error, status=status), status


def unavailable_page(refused: DomainError) -> ResponseReturnValue:
    """The page for a refusal for now (a 503: the proof tree catching up, the timestamp authority down), with its
    translated message and, when it says, when to try again."""
    page = render_template("errors/other.html", error=None, status=503, message=translated(refused))
    retry = getattr(refused, "retry_after", None)
    return (page, 503, {"Retry-After": str(retry)}) if retry else (page, 503)


def busy_page(retry_after: int) -> ResponseReturnValue:
    """The page for an append the store's writer had no room for (events.WriterBusy): nothing was recorded."""
    message = gettext(
        "Too many changes are being recorded at this moment, and yours was not recorded. "
        "Please send it again in a few seconds."
    )
    page = render_template("errors/other.html", error=None, status=503, message=message)
    return page, 503, {"Retry-After": str(retry_after)}


def unexpected_page() -> ResponseReturnValue:
    """The page for a fault on our side."""
    return page_error(InternalServerError())
