"""When two organisation names (or registration numbers) are the same name: the keys they are compared by.

A name's key is what is left once everything that does not change how it reads is taken away:

1. Unicode NFKC (compatibility forms: full-width letters, ligatures, mathematical letters, no-break spaces);
2. format characters removed (Unicode category Cf: zero-width space and joiners, soft hyphen, the
   bidirectional embeddings, overrides and isolates such as RLO U+202E, the byte order mark);
3. case folding (`str.casefold`);
4. diacritics folded: decomposed (NFD) and the combining marks dropped, so "Asociația Râuri Curate"
   reads as "asociatia rauri curate";
5. whitespace collapsed: every run of spaces (any Unicode space, tabs, line breaks) is one space, none at the ends;
6. the confusable skeleton of Unicode TR39 (section 4) of that folded text: every character replaced
   by the prototype of the characters it can be mistaken for, so the Cyrillic "а" (U+0430) reads as
   the Latin "a", "0" as "O", "1" as "l", "m" as "rn"; then case and diacritics folding once more,
   since a prototype may be a capital or carry a mark.

Case is folded before the skeleton (as a case-insensitive comparison must), so a capital "I"
standing for a small "l" ("CIean Rivers" for "Clean Rivers") is not caught: TR39's skeleton is
case-sensitive and would make "ASOCIATIA" differ from "asociatia". Facilitators' "verified" mark
is the answer to what the keys cannot see.

The confusables come from `confusable-homoglyphs` (its copy of the Unicode confusables data, a
maintained package). It offers no skeleton function, only each character's homoglyphs in both
directions, so the skeleton is built from its data here (`_prototypes`): the characters it links
form groups (each group a "star" in TR39's confusables.txt, every source pointing at one prototype);
each group's prototype is its string of several characters if it has one (TR39 maps "m" to "rn",
never the other way), else the character linked to all the others, else, for a pair, the lower code
point. Which member is chosen does not change which names collide, only how the key reads.

A pure function of its text: the same name gives the same key on every machine with the same version
of the data. Registration numbers compare by `registration_key`: letters and digits only, case folded.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata

#: The left-to-right and right-to-left marks the package puts around right-to-left homoglyphs for display.
_DISPLAY_MARKS = str.maketrans("", "", "\u200e\u200f")


def _format_free(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _unmarked(text: str) -> str:
    """Diacritics folded: decomposed, combining marks dropped."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _spaced(text: str) -> str:
    """Every run of whitespace one space, none at either end."""
    return " ".join(text.split())


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype (TR39 confusables), built from `confusable-homoglyphs`' data."""
    from confusable_homoglyphs.confusables import confusables_data  # 900 kB of JSON: read on first use

    parent: dict[str, str] = {}

    def root(item: str) -> str:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    links: dict[str, int] = {}
    for key, glyphs in confusables_data.items():
        key = key.translate(_DISPLAY_MARKS)
        links[key] = links.get(key, 0) + len(glyphs)
        for glyph in glyphs:
            other = glyph["c"].translate(_DISPLAY_MARKS)
            if other:
                parent[root(key)] = root(other)
    groups: dict[str, list[str]] = {}
    for item in list(parent):
        groups.setdefault(root(item), []).append(item)
    mapping: dict[str, str] = {}
    for members in groups.values():
        longer = sorted((m for m in members if len(m) > 1), key=lambda m: (len(m), m))
        prototype = longer[0] if longer else min(members, key=lambda m: (-links.get(m, 0), ord(m)))
        mapping.update({m: prototype for m in members if len(m) == 1 and m != prototype})
    return mapping


def skeleton(text: str) -> str:
    """TR39's skeleton of a text: NFD, each character replaced by its confusables prototype, NFD again."""
    prototypes = _prototypes()
    return unicodedata.normalize("NFD", "".join(prototypes.get(c, c) for c in unicodedata.normalize("NFD", text)))


def name_key(name: str) -> str:
    """The key two organisation names are compared by: equal keys, the same name (see the module's steps)."""
    folded = _spaced(_unmarked(_format_free(unicodedata.normalize("NFKC", name)).casefold()))
    return _spaced(_unmarked(skeleton(folded).casefold()))


def registration_key(number: str) -> str:
    """The key two registration numbers are compared by: letters and digits only (of the folded text), case folded."""
    folded = _unmarked(_format_free(unicodedata.normalize("NFKC", number)).casefold())
    return "".join(c for c in folded if c.isalnum())


def registration_shown(number: str) -> str:
    """A registration number as kept and shown: NFKC, no format characters, whitespace collapsed."""
    return _spaced(_format_free(unicodedata.normalize("NFKC", number)))


def digest(key: str) -> str:
    """A key's SHA-256 in hex: what the claims table holds (a fixed length, whatever the name's)."""
    return hashlib.sha256(key.encode()).hexdigest()
