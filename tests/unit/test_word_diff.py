"""The amendment view's word diff: rendered text with changes marked, plain passages, source segments."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from coalition.reads.text import render_blocks, render_markdown
from coalition.reads.word_diff import Marks, compare, source_segments

HIDDEN = re.compile(r'<span class="visually-hidden">[^<]*</span>')


def one(old: str, new: str, title: str = "T", new_title: str | None = None):  # type: ignore[no-untyped-def]
    [change] = compare({"en": {"title": title, "body": old}}, {"en": {"title": new_title or title, "body": new}})
    return change


def unmarked(html: str) -> str:
    """The HTML without the marks (and their hidden words): what the version renders to by itself."""
    return re.sub(r"</?(ins|del)>", "", HIDDEN.sub("", html))


class Balance(HTMLParser):
    """Checks the tags nest: every closing tag closes the last one opened."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag != "br":
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag


def balanced(html: str) -> bool:
    parser = Balance()
    parser.feed(html)
    parser.close()
    return parser.open == []


def test_an_inserted_word_is_underlined_on_the_later_side_only() -> None:
    change = one("We call on governments to act.", "We call on governments to act today.")

    assert change.status == "changed" and change.body.changed and not change.title.changed
    assert "<ins>" not in change.body.before and "<del>" not in change.body.after
    assert (
        '<ins><span class="visually-hidden">inserted: </span>today<span class="visually-hidden"> end of insertion'
        in (change.body.after)
    )
    assert change.body.before == render_markdown("We call on governments to act.")
    assert change.passages == [("We call on governments to act.", "We call on governments to act today.")]


def test_a_deleted_word_is_struck_on_the_earlier_side_only() -> None:
    change = one("We urgently call on governments.", "We call on governments.")

    assert (
        '<del><span class="visually-hidden">deleted: </span>urgently<span class="visually-hidden"> end of deletion'
        in (change.body.before)
    )
    assert "<del>" not in change.body.after and "<ins>" not in change.body.after
    assert "We <del>" in change.body.before  # the space stays outside the mark


def test_a_replaced_word_is_struck_before_and_underlined_after() -> None:
    change = one("Act by 2030.", "Act by 2035.")

    assert "2030" in change.body.before and "<del>" in change.body.before
    assert "2035" in change.body.after and "<ins>" in change.body.after
    assert "Act by" in unmarked(change.body.after)
    assert unmarked(change.body.before) == render_markdown("Act by 2030.")
    assert unmarked(change.body.after) == render_markdown("Act by 2035.")


def test_a_changed_title_is_marked_and_escaped() -> None:
    change = one("Same.", "Same.", title="Clean <rivers>", new_title="Clean <seas>")

    assert change.title.changed and not change.body.changed and change.status == "changed"
    assert "&lt;" in change.title.before and "<rivers>" not in change.title.before
    assert "rivers" in change.title.before and "seas" in change.title.after
    assert change.passages == [("Clean <rivers>", "Clean <seas>")]


def test_emphasis_lists_and_links_keep_their_formatting_without_markdown_marks() -> None:
    old = "We call on *governments* to act.\n\n- rivers\n- lakes\n\nSee [the report](https://example.org/a)."
    new = "We call on **all governments** to act.\n\n- rivers\n- lakes\n- seas\n\nSee [the report](https://example.org/a)."
    change = one(old, new)

    assert "*" not in change.body.before + change.body.after
    assert "<em>governments</em>" in change.body.before
    assert "<strong>" in change.body.after and "all" in change.body.after
    assert "<li><ins>" in change.body.after and "seas" in change.body.after  # the new list item, marked
    assert change.body.after.count("<li>") == 3 and change.body.before.count("<li>") == 2
    assert '<a href="https://example.org/a" rel="nofollow noopener noreferrer">the report</a>' in change.body.after
    assert balanced(change.body.before) and balanced(change.body.after)
    assert unmarked(change.body.before) == render_markdown(old)
    assert unmarked(change.body.after) == render_markdown(new)


def test_a_link_whose_target_changed_has_its_text_marked_and_its_target_in_the_passage() -> None:
    change = one("Read [this](https://example.org/a).", "Read [this](https://example.org/b).")

    assert "<del>" in change.body.before and "this" in change.body.before
    assert '<a href="https://example.org/b" rel="nofollow noopener noreferrer"><ins>' in change.body.after
    assert change.passages == [("Read this (https://example.org/a).", "Read this (https://example.org/b).")]


def test_hostile_html_is_shown_as_text_on_both_sides() -> None:
    old = "Hello."
    new = 'Hello <script>alert("x")</script> <img src=x onerror=alert(1)> & "quotes".'
    change = one(old, new, new_title="<b onmouseover=alert(1)>T</b>")

    everything = change.body.after + change.title.after
    assert "<script" not in everything and "<img" not in everything and "<b " not in everything
    assert "&lt;script&gt;" in change.body.after and "&amp;" in change.body.after
    assert balanced(change.body.after) and balanced(change.title.after)


def test_the_marks_words_come_in_the_readers_language() -> None:
    romanian = Marks(
        inserted="inserat:",
        inserted_end="sfârșitul inserării",
        deleted="șters:",
        deleted_end="sfârșitul ștergerii",
        language="ro",
    )
    [change] = compare(
        {"ro": {"title": "T", "body": "Cerem apă curată."}},
        {"ro": {"title": "T", "body": "Cerem apă curată acum."}},
        romanian,
    )

    assert (
        '<span class="visually-hidden" lang="ro">inserat: </span>acum' in change.body.after
        and "sfârșitul inserării" in change.body.after
    )
    assert "curată" in change.body.after  # letters with diacritics are words, not punctuation


def test_identical_texts_are_unchanged_and_unmarked() -> None:
    text = {"title": "Clean rivers", "body": "We call on *governments*.\n\n- one\n- two"}
    [change] = compare({"en": text}, {"en": dict(text)})

    assert change.status == "unchanged" and not change.title.changed and not change.body.changed
    assert change.passages == []
    assert change.body.before == change.body.after == render_markdown(text["body"])
    assert "<ins>" not in change.body.after and "<del>" not in change.body.before


def test_a_language_added_and_a_language_removed() -> None:
    before = {"en": {"title": "T", "body": "Text."}, "fr": {"title": "Titre", "body": "Texte."}}
    after = {"en": {"title": "T", "body": "Text."}, "ro": {"title": "Titlu", "body": "Text *nou*."}}
    changes = {c.language: c for c in compare(before, after)}

    assert [c.language for c in compare(before, after)] == ["en", "ro", "fr"]  # the later order, then removed
    assert changes["en"].status == "unchanged"
    added, removed = changes["ro"], changes["fr"]
    assert added.status == "added" and added.body.before == "" and added.title.before == ""
    assert "<em><ins>" in added.body.after and "nou" in added.body.after
    assert added.passages == [("", "Titlu"), ("", "Text nou.")]
    assert removed.status == "removed" and removed.body.after == "" and "<del>" in removed.body.before
    assert removed.passages == [("Titre", ""), ("Texte.", "")]


def test_only_the_blocks_that_differ_are_compared_word_by_word() -> None:
    old = "First paragraph stays.\n\nSecond one changes here.\n\nThird stays."
    new = "First paragraph stays.\n\nSecond one changed here.\n\nThird stays."
    change = one(old, new)

    assert change.passages == [("Second one changes here.", "Second one changed here.")]
    assert change.body.before.startswith(render_blocks(old)[0])
    assert change.body.after.endswith(render_blocks(new)[2])


def test_render_blocks_joined_are_the_whole_rendering() -> None:
    source = "# Head\n\nText *em*\nline two\n\n1. a\n2. b\n\n- x\n  - y\n\n<b>raw</b>"
    blocks = render_blocks(source)

    assert "".join(blocks) == render_markdown(source)
    assert len(blocks) == 5 and blocks[0].startswith("<h3>")
    assert render_blocks("") == []


def test_source_segments_rebuild_both_texts() -> None:
    segments = source_segments("We call on *governments* to act.", "We call on *all governments* to act now.")

    assert {"op": "insert", "text": "all "} in segments
    assert "".join(s["text"] for s in segments if s["op"] != "insert") == "We call on *governments* to act."
    assert "".join(s["text"] for s in segments if s["op"] != "delete") == "We call on *all governments* to act now."
    assert source_segments("same", "same") == [{"op": "equal", "text": "same"}]
    assert source_segments("", "") == []


@given(st.text(max_size=80), st.text(max_size=80))
def test_any_two_texts_give_balanced_sides_that_render_each_version(old: str, new: str) -> None:
    change = one(old, new)

    for side, source in ((change.body.before, old), (change.body.after, new)):
        assert balanced(side)
        assert unmarked(side) == render_markdown(source)
    segments = source_segments(old, new)
    assert "".join(s["text"] for s in segments if s["op"] != "insert") == old
    assert "".join(s["text"] for s in segments if s["op"] != "delete") == new


def test_spacing_changes_keep_the_source_segments_exact() -> None:
    segments = source_segments("a b\n\nc", "a  b\nc")

    assert "".join(s["text"] for s in segments if s["op"] != "insert") == "a b\n\nc"
    assert "".join(s["text"] for s in segments if s["op"] != "delete") == "a  b\nc"
    assert [s["op"] for s in segments if s["op"] != "equal"] == ["insert", "delete"]


def test_a_whole_rewrite_of_a_long_text_stays_quick_and_well_formed() -> None:
    """Past `WEIGHT` the stretches are matched sentence by sentence first: a rewrite of a statement at the
    length limit, with few distinct words (difflib's worst case), is still compared in well under a second."""
    import random
    import time

    from coalition.reads.matching import WEIGHT

    pick = random.Random(7)
    words = ["we", "call", "on", "governments", "to", "act", "*now*", "and", "the", "rivers"]
    old = " ".join(pick.choice(words) for _ in range(7000))
    new = " ".join(pick.choice(words) for _ in range(7000))
    started = time.monotonic()
    change = one(old, new)
    segments = source_segments(old + "\n\nSame end.", new + "\n\nSame end.")

    assert time.monotonic() - started < 5  # seconds, on a slow shared machine; about 0.1 s usually
    assert len(old.split()) ** 2 > WEIGHT  # the case is past the weight indeed
    assert balanced(change.body.before) and balanced(change.body.after)
    assert unmarked(change.body.after) == render_markdown(new)
    assert segments[-1]["op"] == "equal" and segments[-1]["text"].endswith("Same end.")
    cut = old.index(" ", 20000)
    inserted = one(old, old[:cut] + " extra words" + old[cut:])
    assert inserted.body.after.count("<ins>") == 1 and "<del>" not in inserted.body.before


def test_list_items_keep_a_bullet_in_the_passages() -> None:
    change = one("Act.\n\n- monitor\n- publish", "Act.\n\n- monitor\n- publish\n- report")

    assert change.passages == [("• monitor • publish", "• monitor • publish • report")]


def test_the_matching_sets_common_ends_aside_and_gives_up_on_a_stretch_too_heavy() -> None:
    from coalition.reads import matching

    words, ends = list("abcxdef"), [False] * 7
    assert matching.changed(words, list("abcdef"), ends, [False] * 6) == (
        [False] * 3 + [True] + [False] * 3,
        [False] * 6,
    )
    heavy = int(matching.WEIGHT**0.5) + 2  # one sentence on each side, too long to compare word by word
    old, new = [f"w{n}" for n in range(heavy)], [f"v{n}" for n in range(heavy)]
    assert matching.changed(["same", *old], ["same", *new], [False] * (heavy + 1), [False] * (heavy + 1)) == (
        [False] + [True] * heavy,
        [False] + [True] * heavy,
    )
