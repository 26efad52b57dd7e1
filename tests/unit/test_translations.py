"""The translation catalogues: every string the pages show, refusals included, is in Romanian, translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent.parent
CATALOGUE = ROOT / "coalition" / "translations" / "ro" / "LC_MESSAGES"
#: The keywords README's `pybabel extract` adds with `-k`; the refusal constructors and `N_` come from babel.cfg.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def source_messages() -> set[str | tuple[str, ...]]:
    """Every translatable string in the code and templates, as `pybabel extract -F babel.cfg` finds it."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as file:
        methods, options = parse_mapping_cfg(file)
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), methods, options, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def romanian() -> list[Message]:
    """The Romanian catalogue's entries (its header left out)."""
    with open(CATALOGUE / "messages.po", "rb") as file:
        return [message for message in read_po(file, locale="ro") if message.id]


def placeholders(texts: str | tuple[str, ...] | list[str] | None) -> set[str]:
    """The names of the `%(name)s` placeholders in a text or in the forms of a plural."""
    forms = [texts] if isinstance(texts, str) else texts or []
    return {name for text in forms for name in PLACEHOLDER.findall(text)}


def test_the_extraction_reads_the_refusals_and_their_fragments() -> None:
    found = source_messages()

    assert "only facilitators may %(doing)s" in found  # NotAllowed(...), a keyword from babel.cfg
    assert "assign roles" in found  # N_(...)


def test_every_page_string_is_in_the_romanian_catalogue() -> None:
    with open(CATALOGUE / "messages.po", "rb") as file:
        catalogue = read_po(file, locale="ro")
    known = {message.id if isinstance(message.id, str) else tuple(message.id) for message in catalogue if message.id}

    missing = source_messages() - known
    assert not missing, f"run pybabel extract/update and translate: {sorted(map(str, missing))}"


def test_the_romanian_catalogue_has_no_empty_or_fuzzy_entries() -> None:
    entries = romanian()

    assert entries
    assert not [m.id for m in entries if m.fuzzy]
    assert not [m.id for m in entries if not all(m.string if isinstance(m.string, tuple) else [m.string])]


def test_the_compiled_catalogue_matches_its_source() -> None:
    def entries(catalogue: Catalog) -> dict[object, object]:
        return {
            tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id: tuple(m.string)
            if isinstance(m.string, (list, tuple))
            else m.string
            for m in catalogue
            if m.id
        }

    with open(CATALOGUE / "messages.po", "rb") as file:
        source = entries(read_po(file, locale="ro"))
    with open(CATALOGUE / "messages.mo", "rb") as file:
        compiled = entries(read_mo(file))

    assert compiled == source, "run: pybabel compile -d coalition/translations"


def test_every_translation_names_the_placeholders_of_its_message() -> None:
    """A plural's forms together name the placeholders of its singular and plural (one form may leave `num` out)."""
    entries = [message for message in romanian() if message.string]
    wrong = [message.id for message in entries if placeholders(message.string) != placeholders(message.id)]

    assert any(placeholders(message.id) for message in entries)
    assert not wrong, f"a translation names other %(...)s placeholders than its message: {wrong}"


def test_the_placeholder_check_sees_a_renamed_or_missing_placeholder() -> None:
    assert placeholders("only facilitators may %(doing)s") == {"doing"}
    assert placeholders("%(doing)s este rezervată facilitatorilor") == {"doing"}
    assert placeholders("doar facilitatorii pot %(face)s") != {"doing"}
    assert placeholders(("%(num)d day", "%(num)d days")) == {"num"}
