"""Refusals: a kind, a message id and parameters; one table maps kinds to HTTP; the message is translated."""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations
from flask import Flask

import coalition.accounts
import coalition.handlers  # noqa: F401  (defines Stale)
from coalition.domain.base import N_, DomainError, Invalid, NotAllowed, NotFound, RuleBroken
from coalition.web.errors import STATUS, status_of, translated

ROOT = Path(__file__).parent.parent.parent
REFUSALS = {
    "DomainError",
    "NotAllowed",
    "NotFound",
    "RuleBroken",
    "Invalid",
    "Stale",
    "BadCredentials",
    "ClosedAccount",
}
MESSAGE = "only active members may %(doing)s: organisation %(organisation)s is %(state)s"


def every_subclass(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from every_subclass(sub)


def test_the_status_table_covers_every_kind_of_refusal() -> None:
    kinds = {DomainError.kind} | {sub.kind for sub in every_subclass(DomainError)}  # type: ignore[attr-defined]
    assert kinds <= set(STATUS), f"no HTTP status for {kinds - set(STATUS)}"
    assert {cls.__name__ for cls in every_subclass(DomainError)} >= {"Stale", "BadCredentials", "Invalid"}


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (NotAllowed("x"), (403, "forbidden")),
        (NotFound("x"), (404, "not_found")),
        (RuleBroken("x"), (409, "conflict")),
        (Invalid("x"), (422, "invalid")),
        (coalition.accounts.BadCredentials("x"), (401, "unauthorized")),
    ],
)
def test_each_kind_keeps_the_status_and_code_the_api_has_always_answered(
    error: DomainError, answer: tuple[int, str]
) -> None:
    assert status_of(error) == answer


def test_a_refusal_reads_as_its_english_text_with_its_parameters() -> None:
    error = RuleBroken(MESSAGE, doing="sign for it", organisation="org-c", state="suspended")
    assert (error.kind, error.message, error.params["state"]) == ("conflict", MESSAGE, "suspended")
    assert str(error) == "only active members may sign for it: organisation org-c is suspended"
    assert str(NotFound("100% gone")) == "100% gone"  # a message without parameters is left as it is


def refusal_ids(path: Path) -> Iterator[tuple[int, ast.expr]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REFUSALS and node.args:
            yield node.lineno, node.args[0]


def test_every_refusal_of_the_domain_handlers_accounts_api_and_pdf_export_has_a_constant_message_id() -> None:
    """Babel extracts only literal message ids: no f-strings, no variables, parameters passed by name."""
    folders = ("domain", "handlers", "accounts", "web/api")
    paths = [path for folder in folders for path in (ROOT / "coalition" / folder).rglob("*.py")]
    paths += [ROOT / "coalition" / "cli.py", ROOT / "coalition" / "pdf" / "export.py"]
    found = [(path, line, first) for path in paths for line, first in refusal_ids(path)]
    assert len(found) > 50
    not_constant = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, line, first in found
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str))
    ]
    assert not not_constant


def test_pybabel_extracts_the_refusals_and_their_fragments(tmp_path: Path) -> None:
    """babel.cfg's keywords make `pybabel extract` find the refusals' message ids and the N_ fragments."""
    from babel.messages.frontend import CommandLineInterface

    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot), str(ROOT)])
    text = pot.read_text()
    assert 'msgid "only facilitators may %(doing)s"' in text
    assert 'msgid "hold roles"' in text
    assert 'msgid "no such coalition: %(coalition)s"' in text  # an API refusal
    assert 'msgid "this token is already revoked"' in text  # an account refusal


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    flask_babel.Babel(app, locale_selector=lambda: "ro")
    return app


def romanian(monkeypatch: pytest.MonkeyPatch, translations: dict[str, str]) -> None:
    """Give the request's Romanian catalogue these translations."""
    catalog = Catalog(locale="ro")
    for message, text in translations.items():
        catalog.add(message, text)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    catalogue = Translations(buffer)
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: catalogue)


def test_a_refusal_is_shown_in_romanian_when_it_has_a_translation(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    romanian(monkeypatch, {MESSAGE: "doar membrii activi pot %(doing)s: organizația %(organisation)s este %(state)s"})
    error = RuleBroken(MESSAGE, doing="semna", organisation="org-c", state="suspendată")
    with app.test_request_context("/"):
        assert translated(error) == "doar membrii activi pot semna: organizația org-c este suspendată"


def test_a_refusals_marked_fragments_are_translated_and_ids_pass_through(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    romanian(
        monkeypatch,
        {
            MESSAGE: "doar membrii activi pot %(doing)s: organizația %(organisation)s este %(state)s",
            "hold roles": "deține roluri",
            "suspended": "suspendată",
        },
    )
    error = RuleBroken(MESSAGE, doing=N_("hold roles"), organisation="org-c", state="suspended")
    with app.test_request_context("/"):
        assert translated(error) == "doar membrii activi pot deține roluri: organizația org-c este suspendată"


def test_names_and_typed_values_in_a_refusal_are_never_translated(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # an organisation named like a catalogue entry, and a role someone typed that is also a word we translate
    romanian(
        monkeypatch,
        {MESSAGE: "organizația %(organisation)s este %(state)s", "Funding": "Finanțare", "open": "deschisă"},
    )
    with app.test_request_context("/"):
        assert translated(RuleBroken(MESSAGE, doing="x", organisation="Funding", state="open")) == (
            "organizația Funding este deschisă"
        )
        assert translated(RuleBroken("%(role)r is not a role", role="open")) == "'open' is not a role"


def test_a_refusal_without_a_translation_is_shown_in_english(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    romanian(monkeypatch, {"something else": "altceva"})
    error = RuleBroken(MESSAGE, doing="sign for it", organisation="org-c", state="suspended")
    with app.test_request_context("/"):
        assert translated(error) == str(error)
        assert translated(NotFound("no such coalition")) == "no such coalition"


def test_a_translation_naming_other_parameters_falls_back_to_english(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    romanian(monkeypatch, {MESSAGE: "organizația %(organizatie)s"})
    error = RuleBroken(MESSAGE, doing="sign for it", organisation="org-c", state="suspended")
    with app.test_request_context("/"):
        assert translated(error) == str(error)
