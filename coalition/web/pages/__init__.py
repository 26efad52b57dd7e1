"""The pages: server-rendered forms over the same command handlers and reads as the API.

Every page module follows one pattern. A GET renders the page from the read models; a POST
validates its Flask-WTF form (CSRF included), runs one handler through `perform`, and on success
flashes what happened and redirects (post/redirect/get). A form that does not validate, or a
command the domain refuses, renders the same page again with the form's inline errors or the
refusal's reason, at the refusal's HTTP status, and records nothing.

Every form carries a one-time key (`coalition.web.forms.form_key`), which `perform` uses as the
command's idempotency key, as the API's `Idempotency-Key`: a form sent twice (a double click, or
back and send again) records once, and the second sending shows where the first one led.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import Flask, abort, flash, g, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from coalition.domain.base import DomainError
from coalition.domain.coalition import Actor
from coalition.handlers import Context, retrying
from coalition.infra.extensions import services
from coalition.infra.idempotency import Kept, fingerprint, recall, remember
from coalition.reads import access, ending
from coalition.reads.inbox import InboxItem, inbox
from coalition.reads.standing import Moment
from coalition.reads.word_diff import Marks
from coalition.web.errors import STATUS, status_of, translated
from coalition.web.forms import form_key, sent_form_key
from coalition.web.reading import now, today
from coalition.web.request import caller_request_id, request_id
from events import ConcurrencyConflict

#: The suffix of the key under which where a form led is kept (`keep_where_it_led`).
LED_TO = "#led-to"
#: What `perform` shows again when a command is refused: the page, answered at the given status.
Again = Callable[[int], ResponseReturnValue]


def marks() -> Marks:
    """The words a screen reader says around an amendment's changes, in the reader's language."""
    return Marks(
        inserted=_("inserted:"),
        inserted_end=_("end of insertion"),
        deleted=_("deleted:"),
        deleted_end=_("end of deletion"),
        language=str(get_locale() or ""),
    )


def context() -> Context:
    """The command context of the signed-in person, at the store's clock."""
    moment = now()
    key = sent_form_key()
    made = Context(
        services(),
        current_user.user_id,
        moment.date(),
        key,
        None if key is None else fingerprint("POST", request.path, b""),
        request_id(),
        None,
        moment,
        request_id=caller_request_id(),
        verified=current_user.verified,  # as the session's loader just read them (every request)
        name=current_user.name,
    )
    g.page_contexts = [*g.get("page_contexts", []), made]
    return made


def held(connection: Connection) -> access.Held:
    """What the signed-in person holds today (`access.held_by`), read once per request: the page's rules, its
    header's inbox and its forms all ask it. Once the request may have written something (a command ran), each
    call reads it again, so what a command changed is never answered from before it."""
    day = today()
    if g.get("may_have_committed"):
        return access.held_by(connection, current_user.user_id, day)
    kept: tuple[date, access.Held] | None = g.get("held")
    if kept is None or kept[0] != day:
        kept = g.held = (day, access.held_by(connection, current_user.user_id, day))
    return kept[1]


def actor(connection: Connection) -> Actor:
    """The signed-in person and the organisations they act for today."""
    return Actor(current_user.user_id, held(connection).acts_for)


def require_member(connection: Connection, coalition_id: str) -> Actor:
    """The signed-in person, who must act for an active or suspended member of the coalition (else 403)."""
    reader = actor(connection)
    if not access.reads_coalition(connection, coalition_id, reader):
        abort(403)
    return reader


def facilitates_coalition(coalition_id: str) -> bool:
    """Whether the signed-in person holds a facilitator role in the coalition today (for showing its tools)."""
    known = g.setdefault("facilitates", {})
    if coalition_id not in known:
        with services().engine.connect() as connection:
            known[coalition_id] = current_user.is_authenticated and _facilitates(connection, coalition_id)
    return bool(known[coalition_id])


def facilitation_known(coalition_id: str, facilitator: bool, agreement: Mapping[str, Any] | None = None) -> None:
    """Tell `facilitates_coalition` what the page already asked (the signed-in person facilitates the coalition
    today, or not), and `coalition_ended` the day the coalition ended from its `agreement` as it stands now (a
    snapshot of now the page read), so that the page's templates do not read them again."""
    g.setdefault("facilitates", {})[coalition_id] = facilitator
    if agreement is not None:
        g.setdefault("ended", {})[coalition_id] = agreement.get("ended_on")


def _facilitates(connection: Connection, coalition_id: str) -> bool:
    """Whether the signed-in person facilitates the coalition now, from their organisations' rows only."""
    reader = actor(connection)
    return access.facilitates(access.readers_snapshot(connection, coalition_id, reader, Moment(None, today())), reader)


def coalition_ended(coalition_id: str) -> date | None:
    """The day the coalition ended, or None while it runs (for the banner every coalition page shows)."""
    known = g.setdefault("ended", {})
    if coalition_id not in known:
        with services().engine.connect() as connection:
            known[coalition_id] = ending.ended_on(connection, coalition_id)
    found = known[coalition_id]
    return found if isinstance(found, date) else None


def waiting() -> list[InboxItem]:
    """What waits for the signed-in person (`coalition.reads.inbox`), read once per request: the header counts it,
    the landing page lists it. Nothing for a visitor."""
    if "inbox" not in g:
        if not current_user.is_authenticated:
            g.inbox = []
        else:
            moment = now()
            with services().engine.connect() as connection:
                g.inbox = inbox(connection, current_user.user_id, moment.date(), moment, held(connection))
    return list(g.inbox)


def init_app(app: Flask) -> None:
    """What every page template may ask."""
    app.jinja_env.globals.update(
        facilitates_coalition=facilitates_coalition, coalition_ended=coalition_ended, waiting=waiting, form_key=form_key
    )
    app.before_request(sent_already)


def _sent_before() -> Kept | None:
    """The answer kept for this form's one-time key, when a sending of the same form was recorded."""
    key = sent_form_key()
    return None if key is None else recall(services().engine, current_user.user_id, key)


def keep_where_it_led(location: str) -> None:
    """Keep where a form's first sending led, under its one-time key, for every later sending of it (`perform`
    does; a form that changes something without a command calls it before its redirect).

    A command recorded in the log also keeps its answer with its events (`Context.append`); this one is
    kept after, in a transaction of its own, so that a form changing something outside the log (an API
    token revoked) is not done twice either, and a later sending leads here before its form is validated.
    """
    key = sent_form_key()
    if key is None:
        return
    try:
        with services().engine.begin() as connection:
            remember(connection, current_user.user_id, f"{key}{LED_TO}", "", {"location": location})
    except IntegrityError:  # its twin kept it first
        pass


def sent_already() -> ResponseReturnValue | None:
    """Before any page's post is validated: a form sent again leads where its first sending led."""
    if request.method != "POST" or request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    key = sent_form_key()
    if key is None:
        return None
    kept = recall(services().engine, current_user.user_id, f"{key}{LED_TO}")
    if kept is None:
        return None
    flash(_("This form had already been sent: it was recorded once, and this is where it led."))
    return redirect(str(kept.answer["location"]))


def perform(
    action: Callable[[], Any],
    *,
    done: str | Callable[[Any], str],
    then: str | Callable[[Any], str],
    again: Again,
) -> ResponseReturnValue:
    """Run one command. Done: flash `done` (or `done(answer)`) and redirect to `then` (or to `then(answer)`, for
    a place the command's answer names, such as what it created). Refused: the page `again`, with the reason.

    A form whose one-time key was already recorded is not recorded again: it leads where the first sending led.
    """

    def once_more(kept: Kept) -> ResponseReturnValue:
        flash(_("This form had already been sent: it was recorded once, and this is where it led."))
        return redirect(then(kept.answer) if callable(then) else then)

    if (kept := _sent_before()) is not None:
        return once_more(kept)
    try:
        answer = retrying(services(), action)
    except DomainError as refused:
        if (kept := _sent_before()) is not None:  # its twin (a double click) was recorded while this one decided
            return once_more(kept)
        flash(translated(refused), "error")
        return again(status_of(refused)[0])
    except ConcurrencyConflict as conflict:
        if (kept := _sent_before()) is not None:
            return once_more(kept)
        flash(str(conflict), "error")
        return again(STATUS["conflict"][0])
    made = g.get("page_contexts", [])
    if made and not any(ctx.recorded for ctx in made) and (kept := _sent_before()) is not None:
        return once_more(kept)  # the store found its twin's events: nothing recorded now
    location = then(answer) if callable(then) else then
    keep_where_it_led(location)
    flash(done(answer) if callable(done) else done)
    return redirect(location)
