"""The password rule, in one place: 10 to 1,024 characters, and hard to guess as judged by zxcvbn.

Registration, a reset and a change of password all ask `refusal` (the API through its schemas'
validator, the pages through their forms' validator). zxcvbn is given the person's e-mail address
and name, so a password built from them is weak. It judges the first `JUDGED` characters only: its
work grows steeply with length (a random 200-character password takes seconds, 500 minutes), so a
longer password must be strong in its first 72 characters; whatever follows only adds to it.

A refusal says what to change: zxcvbn's own warning and suggestions (their English texts are message
ids here, translated into Romanian like every other message), or our words when it gives none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from zxcvbn import zxcvbn

from coalition.domain.base import N_

MIN_LENGTH = 10
MAX_LENGTH = 1024
#: How many characters zxcvbn judges (its own default limit, kept for the reason above).
JUDGED = 72
#: zxcvbn's scores run 0 to 4; 3 is "safely unguessable: moderate protection from an offline attack on a slow hash".
STRONG_ENOUGH = 3

TOO_SHORT = N_("use at least %(min)d characters")
TOO_LONG = N_("use at most %(max)d characters")
TOO_GUESSABLE = N_("this password is too easy to guess")
PERSONAL = N_("do not build your password from your name or e-mail address")
GENERAL_ADVICE = N_("a few uncommon words together, with spaces or dashes, make a strong password")

#: zxcvbn's feedback texts, marked for translation: each is a message id, so the Romanian catalogue holds it.
FEEDBACK = (
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)
_WORDS = re.compile(r"[\w]+", re.UNICODE)


def personal_words(email: str, name: str) -> list[str]:
    """What zxcvbn is told about the person: the address, its parts and the words of the name."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    parts = [email, local, domain, *_WORDS.findall(local), *_WORDS.findall(domain), name.strip()]
    parts += _WORDS.findall(name.lower())
    return [p for p in dict.fromkeys(parts) if len(p) >= 3]


def refusal(password: str, email: str = "", name: str = "") -> list[tuple[str, dict[str, int]]] | None:
    """Why this password is refused, as message ids with their parameters (the first says what is wrong,
    the rest what to do), or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return [(TOO_SHORT, {"min": MIN_LENGTH})]
    if len(password) > MAX_LENGTH:
        return [(TOO_LONG, {"max": MAX_LENGTH})]
    judged = zxcvbn(password[:JUDGED], user_inputs=personal_words(email, name), max_length=JUDGED)
    if judged["score"] >= STRONG_ENOUGH:
        return None
    personal = any(m.get("dictionary_name") == "user_inputs" for m in judged["sequence"])
    feedback = judged["feedback"]
    said = [
        text
        for text in (PERSONAL if personal else "", feedback.get("warning") or "", *feedback.get("suggestions", ()))
        if text in FEEDBACK or text == PERSONAL
    ]
    return [(TOO_GUESSABLE, {}), *((text, {}) for text in dict.fromkeys(said) or [GENERAL_ADVICE])]


def explain(reasons: list[tuple[str, dict[str, int]]], translate: Callable[[str], str] | None = None) -> str:
    """A refusal as one sentence per reason (`translate`: gettext, for the pages; English without it)."""
    say: Callable[[str], str] = translate or (lambda text: text)
    sentences = []
    for message, params in reasons:
        text = str(say(message))
        text = text % params if params else text
        sentences.append(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
    return " ".join(sentences)
