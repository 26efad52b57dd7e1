"""The password rule (coalition/accounts/passwords.py): lengths, zxcvbn's judgement with the person's own words,
and a refusal that says what to change."""

from __future__ import annotations

import time

import pytest

from coalition.accounts import passwords

EMAIL, NAME = "ana.pop@greenearth.ro", "Ana Pop"


@pytest.mark.parametrize(
    ("password", "first"),
    [
        ("short", "Use at least 10 characters."),
        ("x" * 1025, "Use at most 1024 characters."),
        ("aaaaaaaaaa", "This password is too easy to guess."),
        ("qwertyuiop", "This password is too easy to guess."),
        ("Password123!", "This password is too easy to guess."),
        ("12345678901", "This password is too easy to guess."),
    ],
)
def test_weak_or_out_of_bounds_passwords_are_refused_with_what_is_wrong_first(password: str, first: str) -> None:
    refused = passwords.refusal(password, EMAIL, NAME)

    assert refused is not None
    assert passwords.explain(refused).startswith(first)


def test_the_advice_is_zxcvbns_own_words() -> None:
    said = passwords.explain(passwords.refusal("aaaaaaaaaa", EMAIL, NAME) or [])

    assert 'Repeats like "aaa" are easy to guess.' in said and "Avoid repeated words and characters." in said


def test_a_password_made_of_the_persons_address_or_name_is_refused_and_says_so() -> None:
    for password in ("greenearth.ro!", "ana.popgreenearth", EMAIL):
        refused = passwords.refusal(password, EMAIL, NAME)
        assert refused is not None and passwords.PERSONAL in [message for message, _ in refused], password
    assert passwords.refusal("greenearth2026", "someone@else.org", "Someone Else") is None  # only theirs counts


@pytest.mark.parametrize("password", ["correct horse battery", "coalition-demo", "a brand new passphrase"])
def test_strong_passwords_pass(password: str) -> None:
    """Among them the test fixtures' and the demo's passwords."""
    assert passwords.refusal(password, EMAIL, NAME) is None


def test_ten_characters_is_enough_when_they_are_hard_to_guess() -> None:
    assert passwords.refusal("vY7#qLz!2m", EMAIL, NAME) is None
    assert passwords.refusal("vY7#qLz!2", EMAIL, NAME) is not None  # nine


def test_the_longest_password_is_judged_quickly_on_its_first_72_characters() -> None:
    strong = "tangerine glacier oboe " * 44  # 1,012 characters
    random_like = "".join(chr(33 + (i * 37) % 90) for i in range(passwords.MAX_LENGTH))

    started = time.perf_counter()
    assert passwords.refusal(strong[: passwords.MAX_LENGTH], EMAIL, NAME) is None
    assert passwords.refusal(random_like, EMAIL, NAME) is None
    assert time.perf_counter() - started < 5
    assert passwords.refusal("a" * 72 + "tangerine glacier oboe", EMAIL, NAME) is not None  # weak where judged


def test_the_explanation_is_translated_when_given_a_catalogue() -> None:
    refused = passwords.refusal("short")
    assert refused is not None

    said = passwords.explain(
        refused, lambda text: {"use at least %(min)d characters": "folosiți cel puțin %(min)d caractere"}[text]
    )

    assert said == "Folosiți cel puțin 10 caractere."


def test_every_zxcvbn_feedback_text_is_a_message_id_here() -> None:
    """zxcvbn's texts are compared with ours to be translated: a new zxcvbn text would show up untranslated."""
    from zxcvbn import zxcvbn

    for sample in (
        "aaaaaaaaaa",
        "abcabcabcabc",
        "qwertyuiop",
        "password",
        "Password",
        "PASSWORD",
        "drowssap",
        "p@ssw0rd",
        "smith",
        "john smith",
        "2019",
        "12/08/1990",
        "abcdefgh",
        "zxcvbnm,./",
        "asdfghjkl",
    ):
        feedback = zxcvbn(sample)["feedback"]
        for text in [feedback["warning"], *feedback["suggestions"]]:
            assert not text or text in passwords.FEEDBACK, text
