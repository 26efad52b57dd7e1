"""What an amendment changed, word by word, for people to read and for programs to use.

Pure: texts in, results out. Each language's title and body are compared twice over:

* as *rendered text* (`compare`): the Markdown is rendered safely (coalition.reads.text) block by block;
  blocks are matched first, then inside the blocks that differ the sequence of tags, words, spaces and
  punctuation is compared. Each side is that version's own rendered HTML, with the changed words wrapped
  in `<del>` (the earlier side) or `<ins>` (the later side), so formatting is kept, no Markdown mark shows
  and the markup stays well-formed: tags are never split, only runs of text between them are wrapped. A
  link whose target changed has its whole text marked. Each mark carries visually hidden words
  ("deleted", "end of deletion") for screen readers, given by the caller in the reader's language.
* as *source* (`source_segments`): the Markdown typed, in equal/delete/insert segments (for the API).

For e-mail, each changed language also has its changed passages as plain text, before and after.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup, escape

from coalition.reads.text import render_blocks

#: A word, a run of spaces, or one other character (punctuation): what a change is measured in.
_WORD = re.compile(r"\w+|\s+|[^\w\s]")
#: Rendered HTML as tags and the text between them (the renderer escapes every < in text).
_PIECE = re.compile(r"<[^>]*>|[^<]+")

Status = Literal["changed", "unchanged", "added", "removed"]


@dataclass(frozen=True, slots=True)
class Marks:
    """The visually hidden words around each change, in the reader's language."""

    inserted: str = "inserted:"
    inserted_end: str = "end of insertion"
    deleted: str = "deleted:"
    deleted_end: str = "end of deletion"


@dataclass(frozen=True, slots=True)
class Sides:
    """One text (a title or a body) before and after, as safe HTML with the changes marked."""

    before: Markup
    after: Markup
    changed: bool


@dataclass(frozen=True, slots=True)
class LanguageChange:
    """How one language's text changed. `passages` are the (before, after) plain texts of what changed."""

    language: str
    status: Status
    title: Sides
    body: Sides
    passages: list[tuple[str, str]] = field(default_factory=list)


# -- atoms -------------------------------------------------------------------------------------------------

# An atom is (True, raw tag) or (False, unescaped text: one word, space run or punctuation mark).
Atom = tuple[bool, str]


def _atoms(rendered: str) -> list[Atom]:
    found: list[Atom] = []
    for piece in _PIECE.findall(rendered):
        if piece.startswith("<"):
            found.append((True, piece))
        else:
            found.extend((False, word) for word in _WORD.findall(html.unescape(piece)))
    return found


def _is_link_open(tag: str) -> bool:
    return tag.startswith("<a ") or tag == "<a>"


def _paint(atoms: Sequence[Atom], changed: Sequence[bool], tag: str, start: str, end: str) -> Markup:
    """The atoms as HTML, each run of changed text (between two tags) wrapped in `tag`."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            words = "".join(run)
            core = words.strip()
            if core:  # the spaces around a change stay outside its mark
                lead, trail = words[: len(words) - len(words.lstrip())], words[len(words.rstrip()) :]
                hidden = f'<span class="visually-hidden">{escape(start)} </span>'
                closing = f'<span class="visually-hidden"> {escape(end)}</span>'
                out.append(f"{escape(lead)}<{tag}>{hidden}{escape(core)}{closing}</{tag}>{escape(trail)}")
            else:
                out.append(str(escape(words)))
            run.clear()

    in_changed_link = False
    for (is_tag, raw), mark in zip(atoms, changed, strict=True):
        if is_tag:
            flush()
            if _is_link_open(raw):
                in_changed_link = mark
            elif raw == "</a>":
                in_changed_link = False
            out.append(raw)
        elif mark or in_changed_link:
            run.append(raw)
        else:
            flush()
            out.append(str(escape(raw)))
    flush()
    return Markup("".join(out))


_HREF = re.compile(r'href="([^"]*)"')


def _text_of(atoms: Iterable[Atom]) -> str:
    """The atoms as one line of plain text, a link's target written after its text (a changed target is a
    change a reader must see)."""
    words: list[str] = []
    target = ""
    for is_tag, raw in atoms:
        if not is_tag:
            words.append(raw)
        elif _is_link_open(raw):
            found = _HREF.search(raw)
            target = html.unescape(found[1]) if found else ""
        elif raw == "</a>" and target:
            words.append(f" ({target})")
            target = ""
        elif raw in ("<br>", "</li>", "</p>", "</h3>"):
            words.append(" ")
    return " ".join("".join(words).split())


# -- comparing ---------------------------------------------------------------------------------------------


def _compare_blocks(old: Sequence[str], new: Sequence[str], marks: Marks) -> tuple[Sides, list[tuple[str, str]]]:
    """Two sequences of rendered blocks: the marked sides and the changed passages as plain text."""
    before_atoms: list[Atom] = []
    before_changed: list[bool] = []
    after_atoms: list[Atom] = []
    after_changed: list[bool] = []
    passages: list[tuple[str, str]] = []
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in blocks.get_opcodes():
        a = [atom for block in old[i1:i2] for atom in _atoms(block)]
        b = [atom for block in new[j1:j2] for atom in _atoms(block)]
        if op == "equal":
            before_atoms += a
            before_changed += [False] * len(a)
            after_atoms += b
            after_changed += [False] * len(b)
            continue
        passages.append((_text_of(a), _text_of(b)))
        marked_a, marked_b = [True] * len(a), [True] * len(b)
        if a and b:
            words = difflib.SequenceMatcher(None, a, b, autojunk=False)
            for inner, k1, k2, m1, m2 in words.get_opcodes():
                if inner == "equal":
                    marked_a[k1:k2] = [False] * (k2 - k1)
                    marked_b[m1:m2] = [False] * (m2 - m1)
        before_atoms += a
        before_changed += marked_a
        after_atoms += b
        after_changed += marked_b
    sides = Sides(
        before=_paint(before_atoms, before_changed, "del", marks.deleted, marks.deleted_end),
        after=_paint(after_atoms, after_changed, "ins", marks.inserted, marks.inserted_end),
        changed=bool(passages),
    )
    return sides, passages


def compare(
    before: Mapping[str, Mapping[str, str]],
    after: Mapping[str, Mapping[str, str]],
    marks: Marks = Marks(),
    first: str | None = None,
) -> list[LanguageChange]:
    """Language by language (`first`, then the later version's order, then languages removed), how the
    title and body ({"title", "body"} by language code) changed from `before` to `after`."""
    order = [*([first] if first in before or first in after else []), *after, *before]
    result = []
    for language in dict.fromkeys(order):
        old, new = before.get(language), after.get(language)
        old_title = [str(escape(old["title"]))] if old else []
        new_title = [str(escape(new["title"]))] if new else []
        title, title_passages = _compare_blocks(old_title, new_title, marks)
        body, body_passages = _compare_blocks(
            render_blocks(old["body"]) if old else [], render_blocks(new["body"]) if new else [], marks
        )
        status: Status = (
            "added"
            if old is None
            else "removed"
            if new is None
            else "changed"
            if title.changed or body.changed
            else "unchanged"
        )
        result.append(LanguageChange(language, status, title, body, [*title_passages, *body_passages]))
    return result


def source_segments(old: str, new: str) -> list[dict[str, str]]:
    """The Markdown source's change as segments {"op": "equal" | "delete" | "insert", "text"}: the equal and
    deleted texts joined give `old`, the equal and inserted ones give `new`; neighbours of one kind are merged."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    segments: list[dict[str, str]] = []

    def add(op: str, words: Sequence[str]) -> None:
        if not words:
            return
        if segments and segments[-1]["op"] == op:
            segments[-1]["text"] += "".join(words)
        else:
            segments.append({"op": op, "text": "".join(words)})

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            add("equal", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return segments


__all__ = ["LanguageChange", "Marks", "Sides", "compare", "source_segments"]
