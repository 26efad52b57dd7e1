"""Finding an organisation or a person by a name typed (`coalition.reads.audit.named`), as the audit history's
filters do in a coalition too large for menus."""

from __future__ import annotations

from coalition.reads.audit import named

NAMES = {
    "a": "Asociația Verde",
    "b": "Green Earth",
    "c": "Green Earth Romania",
    "d": "Zöld Jövő",
    "e": "Green  Earth",  # a second space: the same name, to a reader
}


def test_case_accents_and_repeated_spaces_are_ignored() -> None:
    assert named("asociatia", NAMES) == ["a"]
    assert named("ZOLD jovo", NAMES) == ["d"]
    assert named("  verde ", NAMES) == ["a"]


def test_a_whole_name_wins_over_the_names_that_hold_it() -> None:
    assert named("green earth", NAMES) == ["b", "e"]  # both are that name; the longer one only holds it
    assert named("Green Earth Romania", NAMES) == ["c"]


def test_without_a_whole_name_every_name_holding_it_is_found_in_name_order() -> None:
    assert named("earth", NAMES) == ["b", "e", "c"]
    assert named("ver", NAMES) == ["a"]


def test_nothing_typed_or_nothing_fitting_finds_no_one() -> None:
    assert named("", NAMES) == []
    assert named("   ", NAMES) == []
    assert named("Oak", NAMES) == []


def test_letters_that_carry_their_mark_in_themselves_fold_too() -> None:
    names = {"p": "Fundacja Łódź Rzeka", "n": "Grøn Æble", "x": "Straße Verein"}

    assert named("lodz", names) == ["p"]
    assert named("gron aeble", names) == ["n"]
    assert named("strasse", names) == ["x"]
