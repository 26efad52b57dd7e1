"""What text the app takes, asked alike by the API's schemas, the pages' forms and the handlers.

- No lone surrogates: half of a UTF-16 pair cannot be stored, hashed or printed (JSON's `"\\ud800"`).
- Not blank: a field that holds only spaces and invisible characters (zero-width spaces, no-break
  spaces, word joiners, byte-order marks, Hangul fillers...) is empty, whatever its length.
- No bidirectional controls in names and titles (U+202A-U+202E, U+2066-U+2069): they reorder what
  follows them, so a name could show one thing and say another in lists, e-mails and PDFs.
- The longest text of each kind (`LIMITS`), one number for the API and the pages.
"""

from __future__ import annotations

import re
import unicodedata

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: Categories that show nothing by themselves: format, space, line and paragraph separators, controls.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Cs"})
#: Characters of other categories that render as blank (fillers, the braille blank, the grapheme joiner).
_INVISIBLE_OTHERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180e")

#: The longest text of each kind, in characters.
NAME = 200  # a person's, an organisation's or a coalition's name; a title (one line)
TEXT = 20_000  # a description, a mission, a purpose, a note, a reason
MEASURE = 500  # how an objective is measured
UNIT = 50  # a commitment's unit
MESSAGE = 2_000  # a message with an invitation; why a signature is withdrawn
EMAIL = 320  # an e-mail address (RFC 5321: 64 + 1 + 255)
ADDRESS = 500  # a website
ID = 64  # an id we gave out
#: The most common objectives an agreement may name.
MAX_OBJECTIVES = 50


def has_lone_surrogate(value: str) -> bool:
    """True when `value` holds half of a UTF-16 surrogate pair, which no UTF-8 text can."""
    return LONE_SURROGATE.search(value) is not None


def has_bidi_control(value: str) -> bool:
    """True when `value` holds a bidirectional embedding, override or isolate character."""
    return BIDI_CONTROL.search(value) is not None


def _invisible(character: str) -> bool:
    return character in _INVISIBLE_OTHERS or unicodedata.category(character) in _INVISIBLE_CATEGORIES


def is_blank(value: str) -> bool:
    """True when nothing of `value` would show: only spaces and invisible characters (or nothing)."""
    return all(_invisible(character) for character in value)


def visible_problem(value: str) -> str | None:
    """Why a text someone filled in is not taken (English message id), or None."""
    if has_lone_surrogate(value):
        return "holds an unpaired surrogate (\\ud800-\\udfff), which is not a character: send UTF-8 text"
    if value and is_blank(value):
        return "holds only spaces or invisible characters: write some visible text"
    return None
