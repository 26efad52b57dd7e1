"""Organisation names and registration numbers compare by keys: a table of cases that collide, one that do not."""

from __future__ import annotations

import pytest

from coalition.domain.names import name_key, registration_key, registration_shown, skeleton

ORIGINAL = "Asociația Râuri Curate"

SAME_NAME = [
    ("without diacritics", "Asociatia Rauri Curate"),
    ("cedilla instead of comma below", "Asociaţia Râuri Curate"),
    ("capitals", "ASOCIAȚIA RÂURI CURATE"),
    ("lower case", "asociația râuri curate"),
    ("Cyrillic а for the Latin a", "\u0410sociatia R\u0430uri Cur\u0430te"),
    ("Greek omicron for o", "Asοciatia Rauri Curate"),
    ("zero-width space inside a word", "Asocia\u200btia Rauri Curate"),
    ("zero-width joiner and non-joiner", "Asoci\u200datia Rau\u200cri Curate"),
    ("byte order mark", "\ufeffAsociatia Rauri Curate"),
    ("soft hyphen", "Asocia\u00adtia Rauri Curate"),
    ("no-break spaces", "Asociatia\u00a0Rauri\u202fCurate"),
    ("ideographic and em spaces", "Asociatia\u3000Rauri\u2003Curate"),
    ("spaces doubled and at the ends", "  Asociatia   Rauri\tCurate \n"),
    ("right-to-left override", "\u202eAsociatia Rauri Curate\u202c"),
    ("isolates", "\u2067Asociatia\u2069 Rauri Curate"),
    ("full-width letters", "Ａsociatia Rauri Curate"),
    ("combining marks instead of precomposed", "Asociat\u0326ia Ra\u0302uri Curate"),
    ("mathematical bold letters", "𝐀sociatia Rauri Curate"),
]

OTHER_NAME = [
    ("another word", "Asociația Râuri Curate Nord"),
    ("a letter missing", "Asociația Râur Curate"),
    ("letters swapped", "Asociația Râiru Curate"),
    ("words apart differently", "Asociația RâuriCurate"),
]


@pytest.mark.parametrize(("case", "name"), SAME_NAME, ids=[c for c, _ in SAME_NAME])
def test_these_read_as_the_same_name(case: str, name: str) -> None:
    assert name_key(name) == name_key(ORIGINAL)


@pytest.mark.parametrize(("case", "name"), OTHER_NAME, ids=[c for c, _ in OTHER_NAME])
def test_these_are_other_names(case: str, name: str) -> None:
    assert name_key(name) != name_key(ORIGINAL)


def test_the_key_reads_as_the_plain_name() -> None:
    assert name_key(ORIGINAL) == "asociatia rauri curate"


@pytest.mark.parametrize(
    ("one", "other"),
    [("Clean Rivers 1", "Clean Rivers l"), ("m", "rn"), ("O", "0")],
)
def test_the_skeleton_folds_confusable_latin_letters_and_digits(one: str, other: str) -> None:
    assert name_key(one) == name_key(other)


def test_the_skeleton_maps_a_cyrillic_letter_to_its_latin_prototype() -> None:
    assert skeleton("\u0430") == "a"
    assert skeleton("a") == "a"


def test_a_key_is_the_same_when_computed_again() -> None:
    assert name_key(name_key(ORIGINAL)) == name_key(ORIGINAL)


@pytest.mark.parametrize(
    "number", ["12/2005", "12 / 2005", "12-2005", "１２/２００５", "12/2005\u200b", " 12.2005 "], ids=repr
)
def test_registration_numbers_compare_by_letters_and_digits(number: str) -> None:
    assert registration_key(number) == "122005"


def test_registration_numbers_compare_without_case() -> None:
    assert registration_key("ro 123") == registration_key("RO123")
    assert registration_key("RO123") != registration_key("RO124")


def test_a_registration_number_is_kept_as_typed_less_invisible_characters() -> None:
    assert registration_shown("  RO\u200b  123/2005 ") == "RO 123/2005"
