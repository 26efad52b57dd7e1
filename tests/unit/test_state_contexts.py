"""State words in their context: "open" or "closed" said of a statement, an evaluation round or a task takes each
noun's gender (Polish stanowisko n., runda f., zadanie n.; Bulgarian декларация f., кръг m., задача f.), in the
pages, in refusals and in the PDFs; English stays the bare word."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale
from flask_login import LoginManager

from coalition.domain.base import C_, RuleBroken, Word
from coalition.domain.policy.statements import phase_refusal
from coalition.domain.policy.work import task_refusal
from coalition.pdf import state_words
from coalition.web import i18n
from coalition.web.errors import translated

ROOT = Path(__file__).resolve().parents[2]
STATEMENT_CLOSED = '{% from "statements/_labels.html" import statement_state %}{{ statement_state("closed") }}'
ROUND_CLOSED = '{{ pgettext("evaluation round state", "closed") }}'
TASK_OPEN = '{% from "work/_labels.html" import state_label %}{{ state_label("open") }}'


class Actor(NamedTuple):
    user_id: str
    acts_for: frozenset[str]


class Statement(NamedTuple):
    state: str
    deadline: datetime | None = None


@pytest.fixture
def app() -> Flask:
    """A bare app with the project's templates and catalogues, and a reader who is not signed in."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.config["SECRET_KEY"] = "not secret"
    i18n.init_app(app)
    LoginManager(app).user_loader(lambda _user_id: None)
    return app


def said(app: Flask, locale: str, template: str) -> str:
    with app.test_request_context("/"), force_locale(locale):
        return render_template_string(template).strip()


@pytest.mark.parametrize(
    ("locale", "statement", "evaluation_round"),
    [("en", "closed", "closed"), ("pl", "zamknięte", "zamknięta"), ("bg", "приключена", "приключен")],
)
def test_a_closed_statement_and_a_closed_round_each_take_their_nouns_gender(
    app: Flask, locale: str, statement: str, evaluation_round: str
) -> None:
    assert said(app, locale, STATEMENT_CLOSED) == statement
    assert said(app, locale, ROUND_CLOSED) == evaluation_round


def test_an_open_task_and_an_open_round_differ_where_the_language_has_genders(app: Flask) -> None:
    assert said(app, "pl", TASK_OPEN) == "otwarte"  # zadanie, neuter
    assert said(app, "pl", '{{ pgettext("evaluation round state", "open") }}') == "otwarta"  # runda, feminine
    assert said(app, "bg", TASK_OPEN) == "отворена"  # задача, feminine
    assert said(app, "bg", '{{ pgettext("evaluation round state", "open") }}') == "отворен"  # кръг, masculine


def test_a_refusal_names_the_statements_phase_in_the_statements_gender(app: Flask) -> None:
    refusal = phase_refusal(Statement("closed"), datetime(2027, 1, 1, tzinfo=UTC), "sign", "open")
    assert refusal is not None
    assert str(refusal) == "the statement is closed: you can only sign while it is open"
    with app.test_request_context("/"), force_locale("bg"):
        assert translated(refusal).startswith("декларацията е приключена:")
        assert translated(refusal).endswith("докато тя е отворена")


def test_a_refusal_names_a_tasks_states_in_the_tasks_gender(app: Flask) -> None:
    refusal = task_refusal(None, Actor("u1", frozenset({"o1"})), "o1", "done", "complete", "t1")  # type: ignore[arg-type]
    assert refusal is not None
    assert str(refusal) == "task t1 is done, not open or accepted"
    with app.test_request_context("/"), force_locale("ro"):
        assert translated(refusal) == "sarcina t1 este finalizată, nu deschisă sau acceptată"
    with app.test_request_context("/"), force_locale("pl"):
        assert translated(refusal) == "status zadania t1: wykonane, a nie otwarte lub przyjęte"


def test_a_member_state_in_a_refusal_agrees_with_the_organisation(app: Flask) -> None:
    message = "organisation %(organisation)s is %(state)s, not %(expected)s"
    refusal = RuleBroken(
        message, organisation="o1", state=C_("member state", "active"), expected=C_("member state", "suspended")
    )
    with app.test_request_context("/"), force_locale("ro"):
        assert translated(refusal) == "organizația o1 are statutul „activă”, nu „suspendată”"


def test_a_word_is_its_english_text_wherever_it_goes() -> None:
    word = C_("statement state", "open")

    assert isinstance(word, Word) and word.context == "statement state"
    assert word == "open" and f"is {word}" == "is open" and json.dumps({"state": word}) == '{"state": "open"}'
    for again in (copy.deepcopy(word), pickle.loads(pickle.dumps(word))):
        assert (again, again.context) == ("open", "statement state")


def test_the_report_pdf_says_states_in_their_context() -> None:
    assert state_words.states("en")["open"] == "open"
    assert state_words.states("pl")["open"] == "otwarte"  # a task
    assert state_words.states("pl")["active"] == "aktywna"  # a member organisation
    assert state_words.progress("bg")["overdue"] == "просрочена"  # an objective (цел, feminine)
    assert state_words.progress("en")["unmeasured"] == "not measured yet"
