"""Evaluation rounds from the browser: the rounds of a coalition, opening one, answering it, its results, closing it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from coalition.domain.base import DomainError
from coalition.domain.coalition_state import Actor, Question
from coalition.handlers import evaluations as handle
from coalition.infra.extensions import services
from coalition.reads import evaluations as reads
from coalition.reads.access import held_by
from coalition.web.errors import status_of
from coalition.web.pages import context, perform
from coalition.web.pages.evaluation_forms import (
    RATING_WORDS,
    CloseForm,
    OpenForm,
    RespondBase,
    answers_of,
    open_form_prefilled,
    respond_form,
)
from coalition.web.reading import today
from coalition.web.typed import SelectChoice, login_required

bp = Blueprint("evaluations", __name__)
ROUNDS = "/coalitions/<coalition_id>/evaluations"
ROUND = f"{ROUNDS}/<evaluation_id>"


def _reader() -> tuple[Actor, frozenset[str]]:
    with services().engine.connect() as connection:
        held = held_by(connection, current_user.user_id, today())
    return Actor(current_user.user_id, held.acts_for), held.administers


def _read(call: Any) -> Any:
    """A read of the round(s), its refusal shown as the error page of its status (404, 403)."""
    try:
        with services().engine.connect() as connection:
            return call(connection)
    except DomainError as refused:
        abort(status_of(refused)[0])


def _listing(coalition_id: str) -> dict[str, Any]:
    reader, administers = _reader()
    listed: dict[str, Any] = _read(lambda c: reads.listing(c, coalition_id, reader, administers, today()))
    return listed


@bp.get(ROUNDS)
@login_required
def index(coalition_id: str) -> ResponseReturnValue:
    """The coalition's evaluation rounds, latest first, and the ones waiting for the reader's answer."""
    return render_template("evaluations/index.html", coalition_id=coalition_id, **_listing(coalition_id))


def _new_page(coalition_id: str, form: OpenForm | None = None, status: int = 200) -> ResponseReturnValue:
    listed = _listing(coalition_id)
    if not listed["facilitator"]:
        abort(403)
    held = next((r for r in listed["rounds"] if r["evaluation_id"] == listed["open"]), None)
    return render_template(
        "evaluations/new.html",
        coalition_id=coalition_id,
        coalition=listed["coalition"],
        held=held,
        form=form or open_form_prefilled(today()),
    ), status


@bp.get(f"{ROUNDS}/new")
@login_required
def new(coalition_id: str) -> ResponseReturnValue:
    """The form that opens a round (facilitators), the default questions filled in and editable."""
    return _new_page(coalition_id)


@bp.post(ROUNDS)
@login_required
def open_round(coalition_id: str) -> ResponseReturnValue:
    """Open the round the form describes."""
    form = OpenForm()
    if not form.validate_on_submit():
        return _new_page(coalition_id, form, 400)
    ctx = context()
    assert form.closes_on.data is not None  # InputRequired
    closes_on = form.closes_on.data
    return perform(
        lambda: handle.open_evaluation(
            ctx, coalition_id, title=str(form.title.data).strip(), questions=form.asked(), closes_on=closes_on
        ),
        done=_("The evaluation round is open: the members' administrators and liaisons can answer it now."),
        then=lambda answer: url_for("evaluations.round", coalition_id=coalition_id, evaluation_id=answer["id"]),
        again=lambda status: _new_page(coalition_id, form, status),
    )


def _questions(shown: dict[str, Any]) -> list[Question]:
    return [Question(q["question_id"], q["text"]) for q in shown["question_list"]]


def _round_page(
    coalition_id: str, evaluation_id: str, forms: dict[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    reader, administers = _reader()
    shown: dict[str, Any] = _read(lambda c: reads.one(c, coalition_id, evaluation_id, reader, administers, today()))
    for result in shown["results"] or []:  # averages written the reader's way (3,5 in Romanian)
        result["average_text"] = None if result["average"] is None else format_decimal(result["average"])
    forms = dict(forms or {})
    if not shown["awaiting"]:
        forms.pop("respond", None)  # refused, or answered by a twin meanwhile: nobody left to answer for
    elif "respond" not in forms:
        forms["respond"] = respond_form(_questions(shown), formdata=None)
    if "respond" in forms:
        forms["respond"].organisation_id.choices = [
            SelectChoice(o["organisation_id"], o["name"]) for o in shown["awaiting"]
        ]
    forms.setdefault("close", CloseForm(formdata=None))
    return render_template(
        "evaluations/round.html",
        coalition_id=coalition_id,
        round=shown,
        ratings=RATING_WORDS,
        respond=forms.get("respond"),
        close=forms["close"],
    ), status


@bp.get(ROUND)
@login_required
def round(coalition_id: str, evaluation_id: str) -> ResponseReturnValue:
    """One round: its questions, the answer form, the results as the reader may see them, the close form."""
    return _round_page(coalition_id, evaluation_id)


@bp.post(f"{ROUND}/responses")
@login_required
def respond(coalition_id: str, evaluation_id: str) -> ResponseReturnValue:
    """Answer the round for an organisation the reader administers or is liaison of."""
    reader, administers = _reader()
    shown: dict[str, Any] = _read(lambda c: reads.one(c, coalition_id, evaluation_id, reader, administers, today()))
    questions = _questions(shown)
    form: RespondBase = respond_form(questions)
    if not form.validate_on_submit():
        return _round_page(coalition_id, evaluation_id, {"respond": form}, 400)
    ctx = context()
    organisation_id = str(form.organisation_id.data)
    return perform(
        lambda: handle.respond(
            ctx, coalition_id, evaluation_id, organisation_id=organisation_id, answers=answers_of(form, questions)
        ),
        done=_("Thank you: your organisation's answers are recorded."),
        then=url_for("evaluations.round", coalition_id=coalition_id, evaluation_id=evaluation_id),
        again=lambda status: _round_page(coalition_id, evaluation_id, {"respond": form}, status),
    )


@bp.post(f"{ROUND}/close")
@login_required
def close(coalition_id: str, evaluation_id: str) -> ResponseReturnValue:
    """Close the round with a summary and lessons learned (facilitators)."""
    form = CloseForm()
    if not form.validate_on_submit():
        return _round_page(coalition_id, evaluation_id, {"close": form}, 400)
    ctx = context()
    return perform(
        lambda: handle.close_evaluation(
            ctx,
            coalition_id,
            evaluation_id,
            summary=str(form.summary.data).strip(),
            lessons=(form.lessons.data or "").strip() or None,
        ),
        done=_("The evaluation round is closed: every member can now read its results."),
        then=url_for("evaluations.round", coalition_id=coalition_id, evaluation_id=evaluation_id),
        again=lambda status: _round_page(coalition_id, evaluation_id, {"close": form}, status),
    )
