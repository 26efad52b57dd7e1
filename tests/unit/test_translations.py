"""The translation catalogues: every string the pages show, refusals included, is in every catalogue, translated."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from coalition.domain.coalition_state import MEMBER_STATES, STILL_MEMBER
from coalition.domain.policy.work import CLOSED_COMMITMENT, CLOSED_TASK, TASK_STATES
from coalition.domain.statement_state import STATES as STATEMENT_STATES

ROOT = Path(__file__).parent.parent.parent
TRANSLATIONS = ROOT / "coalition" / "translations"
#: Every language with a catalogue (English is the source and has none).
LANGUAGES = sorted(path.name for path in TRANSLATIONS.iterdir() if (path / "LC_MESSAGES" / "messages.po").exists())
#: The keywords README's `pybabel extract` adds with `-k`; the refusal constructors, `N_` and `C_` come from babel.cfg.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


Key = tuple[str | None, str | tuple[str, ...]]


def source_entries() -> set[Key]:
    """Every translatable string in the code and templates with its context (None: none), as `pybabel extract
    -F babel.cfg` finds it: "open" for a statement and "open" for a task are two entries."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as file:
        methods, options = parse_mapping_cfg(file)
    found: set[Key] = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT), methods, options, keywords=KEYWORDS):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def source_messages() -> set[str | tuple[str, ...]]:
    """Every translatable string in the code and templates, whatever its context."""
    return {message for _context, message in source_entries()}


def catalogue_file(language: str, suffix: str = "po") -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"messages.{suffix}"


def entries_of(language: str) -> list[Message]:
    """A catalogue's entries (its header left out)."""
    with open(catalogue_file(language), "rb") as file:
        return [message for message in read_po(file, locale=language) if message.id]


def placeholders(texts: str | tuple[str, ...] | list[str] | None) -> set[str]:
    """The names of the `%(name)s` placeholders in a text or in the forms of a plural."""
    forms = [texts] if isinstance(texts, str) else texts or []
    return {name for text in forms for name in PLACEHOLDER.findall(text)}


def test_the_extraction_reads_the_refusals_and_their_fragments() -> None:
    found = source_messages()

    assert "only facilitators may %(doing)s" in found  # NotAllowed(...), a keyword from babel.cfg
    assert "assign roles" in found  # N_(...)


def test_every_state_a_refusal_can_name_is_extracted_in_its_context() -> None:
    """A refusal passes a state from a value (`C_("task state", state)`): coalition/translations/parameters.py
    must list each value the domain knows, in the context the refusal gives it, or the reader sees English."""
    found = source_entries()
    wanted = {("member state", s) for s in (*MEMBER_STATES, "not a member", " or ".join(STILL_MEMBER))}
    wanted |= {("statement state", s) for s in STATEMENT_STATES}
    wanted |= {("task state", s) for allowed in TASK_STATES.values() for s in (*allowed, " or ".join(allowed))}
    wanted |= {("task state", s) for s in CLOSED_TASK}
    wanted |= {("commitment state", s) for s in CLOSED_COMMITMENT}
    wanted |= {("commitment verb", s) for s in ("changed", "fulfilled", "withdrawn", "rescheduled")}

    assert not wanted - found, f"add to coalition/translations/parameters.py: {sorted(wanted - found)}"


def test_romanian_is_among_the_catalogues() -> None:
    assert "ro" in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_string_is_in_the_catalogue(language: str) -> None:
    known = {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in entries_of(language)}

    missing = source_entries() - known
    assert not missing, f"run pybabel extract/update and translate: {sorted(map(str, missing))}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_no_empty_or_fuzzy_entries(language: str) -> None:
    entries = entries_of(language)

    assert entries
    assert not [m.id for m in entries if m.fuzzy]
    assert not [m.id for m in entries if not all(m.string if isinstance(m.string, tuple) else [m.string])]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    def entries(catalogue: Catalog) -> dict[object, object]:
        return {
            (m.context, tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id): tuple(m.string)
            if isinstance(m.string, (list, tuple))
            else m.string
            for m in catalogue
            if m.id
        }

    with open(catalogue_file(language), "rb") as file:
        source = entries(read_po(file, locale=language))
    with open(catalogue_file(language, "mo"), "rb") as file:
        compiled = entries(read_mo(file))

    assert compiled == source, "run: pybabel compile -d coalition/translations"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_names_the_placeholders_of_its_message(language: str) -> None:
    """A plural's forms together name the placeholders of its singular and plural (one form may leave `num` out)."""
    entries = [message for message in entries_of(language) if message.string]
    wrong = [message.id for message in entries if placeholders(message.string) != placeholders(message.id)]

    assert any(placeholders(message.id) for message in entries)
    assert not wrong, f"a translation names other %(...)s placeholders than its message: {wrong}"


def test_the_placeholder_check_sees_a_renamed_or_missing_placeholder() -> None:
    assert placeholders("only facilitators may %(doing)s") == {"doing"}
    assert placeholders("%(doing)s este rezervată facilitatorilor") == {"doing"}
    assert placeholders("doar facilitatorii pot %(face)s") != {"doing"}
    assert placeholders(("%(num)d day", "%(num)d days")) == {"num"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_has_each_form_its_language_needs(language: str) -> None:
    """Polish needs three forms (1 dzień, 2 dni, 5 dni); the header's rule and every plural entry agree with CLDR."""
    with open(catalogue_file(language), "rb") as file:
        catalogue = read_po(file, locale=language)
    forms, rule = get_plural(language)
    plurals = [message for message in catalogue if message.id and message.pluralizable]

    written = gettext.c2py(catalogue.plural_expr)
    expected = gettext.c2py(rule)

    assert catalogue.num_plurals == forms
    assert [written(n) for n in range(1000)] == [expected(n) for n in range(1000)]
    assert plurals
    assert not [m.id for m in plurals if len(m.string) != forms or not all(m.string)]


def formatting_errors(ids: tuple[str, ...], texts: tuple[str, ...]) -> list[str]:
    """Why each text fails to format as the pages format its message (`%` with its placeholders), if it does."""
    names = placeholders(ids)
    if not names and "%%" not in "".join(ids):
        return []  # formatted with no arguments: gettext returns it as it is
    arguments = dict.fromkeys(names, 1) | {"num": 1}
    errors = []
    for text in texts:
        try:
            text % arguments
        except (ValueError, TypeError, KeyError) as error:
            errors.append(f"{text!r}: {error}")
    return errors


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_formats_with_its_messages_arguments(language: str) -> None:
    """A stray `%` ("50% din drum" for "50%% of the way") would raise when the page formats it: a 500 in one
    language only. Each translation is formatted as the pages format its message."""
    broken = [
        error
        for m in entries_of(language)
        for error in formatting_errors(
            m.id if isinstance(m.id, tuple) else (m.id,), m.string if isinstance(m.string, tuple) else (m.string,)
        )
    ]
    assert not broken


def test_the_format_check_sees_a_stray_percent_sign() -> None:
    assert formatting_errors(("%(share)s%% of the way",), ("%(share)s%% din drum",)) == []
    assert formatting_errors(("%(share)s%% of the way",), ("%(share)s% din drum",))


#: Placeholders that stand for a day (written by `localised_day`, `written_day` or `coalition.pdf.dates`).
DAY_PLACEHOLDERS = ("day", "end", "due", "founded", "start", "today", "date")
DAY_THEN_FULL_STOP = re.compile(r"%\((?:" + "|".join(DAY_PLACEHOLDERS) + r")\)s\.(?:\s|$)")


def dates_end_with_a_full_stop(language: str) -> bool:
    """Whether `language` writes a day ending in a full stop ("2026. dec. 4.", "4.12.2026 г.")."""
    from datetime import date

    from babel.dates import format_date

    return any(format_date(date(2026, 12, 4), form, locale=language).endswith(".") for form in ("medium", "long"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_full_stop_follows_a_day_that_ends_in_one(language: str) -> None:
    """Hungarian and Bulgarian days end in a full stop of their own: "... ends on %(day)s." printed "2028. dec.
    31.." Where a day ends a sentence in those languages, its own full stop ends it."""
    if not dates_end_with_a_full_stop(language):
        assert language not in {"hu", "bg"}  # the check below runs where it matters
        return
    doubled = [
        m.id
        for m in entries_of(language)
        for text in (m.string if isinstance(m.string, tuple) else (m.string,))
        if DAY_THEN_FULL_STOP.search(text or "")
    ]
    assert doubled == []
