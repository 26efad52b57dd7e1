"""The translation catalogues: every string the pages show is in the Romanian catalogue, translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent.parent
CATALOGUE = ROOT / "coalition" / "translations" / "ro" / "LC_MESSAGES"
METHODS = [("coalition/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str | tuple[str, ...]]:
    """Every translatable string in the code and templates, as the extractor finds it."""
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_page_string_is_in_the_romanian_catalogue() -> None:
    with open(CATALOGUE / "messages.po", "rb") as file:
        catalogue = read_po(file, locale="ro")
    known = {message.id if isinstance(message.id, str) else tuple(message.id) for message in catalogue if message.id}

    missing = source_messages() - known
    assert not missing, f"run pybabel extract/update and translate: {sorted(map(str, missing))}"


def test_the_romanian_catalogue_has_no_empty_or_fuzzy_entries() -> None:
    with open(CATALOGUE / "messages.po", "rb") as file:
        catalogue = read_po(file, locale="ro")
    entries = [message for message in catalogue if message.id]

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
