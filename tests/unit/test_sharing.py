"""Passing a published statement on, without Flask: the mailto: link, the excerpt, Open Graph locales, the Atom feed."""

from __future__ import annotations

from urllib.parse import unquote
from xml.etree import ElementTree as ET

from coalition.reads.published import by_country
from coalition.web import atom
from coalition.web.sharing import excerpt, mailto, og_locale

NS = "{http://www.w3.org/2005/Atom}"


def test_a_mailto_link_encodes_every_reserved_character_and_line_breaks_as_crlf() -> None:
    link = mailto("A & B? #1 100% ă", "Line one\nhttps://c.example/public/statements/x?lang=ro&y=1")

    subject, body = link.removeprefix("mailto:?subject=").split("&body=")
    assert link.startswith("mailto:?subject=") and " " not in link and "+" not in link
    assert subject == "A%20%26%20B%3F%20%231%20100%25%20%C4%83"
    assert "&" not in body and "?" not in body and "=" not in body
    assert unquote(body) == "Line one\r\nhttps://c.example/public/statements/x?lang=ro&y=1"


def test_an_excerpt_is_plain_text_cut_at_a_word() -> None:
    assert excerpt("We call on *governments*:\n\n- to act\n- now") == "We call on governments: - to act - now"
    cut = excerpt("word " * 100, 30)
    assert cut == "word word word word word word…" and len(cut) <= 30
    assert excerpt("<b>bold</b> [x](javascript:alert(1))") == "<b>bold</b> [x](javascript:alert(1))"


def test_open_graph_locales_add_the_likely_territory() -> None:
    assert [og_locale(code) for code in ("en", "ro", "pl", "sr")] == ["en_US", "ro_RO", "pl_PL", "sr_RS"]
    assert og_locale("xx") == "xx"


def _feed(title: str) -> ET.Element:
    url = "https://c.example/public/statements/s1"
    entry = atom.Entry("s1", title, "ro", url, "A & B", "2026-01-02T03:04:05Z", "S")
    document = atom.feed(
        site="https://c.example/",
        title="Feed <&>",
        language="en",
        self_url="https://c.example/public/statements.atom",
        page_url="https://c.example/public/statements",
        updated="2026-01-02T03:04:05Z",
        entries=[entry],
    )
    return ET.fromstring(document)


def test_the_feed_escapes_markup_and_drops_what_xml_cannot_carry() -> None:
    feed = _feed("a <b>\x01\x0b\ud800 & ]]> c")

    assert feed.findtext(f"{NS}title") == "Feed <&>"
    assert feed.findtext(f"{NS}entry/{NS}title") == "a <b> & ]]> c"
    assert feed.findtext(f"{NS}entry/{NS}author/{NS}name") == "A & B"
    assert feed.find(f"{NS}entry").get("{http://www.w3.org/XML/1998/namespace}lang") == "ro"  # type: ignore[union-attr]


def test_ids_are_stable_and_distinct() -> None:
    assert atom.entry_id("s1") == atom.entry_id("s1") != atom.entry_id("s2")
    assert atom.feed_id("https://a.example/") != atom.feed_id("https://b.example/")
    assert _feed("x").findtext(f"{NS}entry/{NS}id") == atom.entry_id("s1")


def test_signatories_by_country_count_only_the_signatures_that_count_the_most_first() -> None:
    signatures = [
        {"country": "RO", "counts": True},
        {"country": "PL", "counts": True},
        {"country": "PL", "counts": True},
        {"country": "FI", "counts": False},  # withdrawn, or for an earlier version
        {"country": "DE", "counts": True},
    ]

    assert by_country(signatures) == [("PL", 2), ("DE", 1), ("RO", 1)]
    assert by_country([]) == []
