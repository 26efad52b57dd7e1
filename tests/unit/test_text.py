"""The statement text's Markdown subset: what it renders, and that nothing else gets through."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from coalition.reads.text import LINK_REL, plain_text, render_markdown

ALLOWED = {
    "p": set(),
    "br": set(),
    "em": set(),
    "strong": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "h3": set(),
    "a": {"href", "rel", "title"},
}


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The elements a browser would build from `html`."""
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_inert(html: str) -> None:
    """Only the subset's elements and attributes, and only links to web and mail addresses."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED, f"<{tag}> in {html!r}"
        assert set(attrs) <= ALLOWED[tag], f"<{tag} {attrs}> in {html!r}"
        if tag == "a":
            assert str(attrs["href"]).startswith(("http://", "https://", "mailto:")), html
            assert attrs["rel"] == LINK_REL


def test_paragraphs_and_line_breaks() -> None:
    assert render_markdown("One\ntwo\n\nThree") == "<p>One<br>\ntwo</p>\n<p>Three</p>\n"


def test_emphasis_and_strong() -> None:
    assert (
        render_markdown("*a* _b_ **c** __d__") == "<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong></p>\n"
    )


def test_bullet_and_numbered_lists() -> None:
    html = render_markdown("- one\n- two\n\n3. three\n4. four")
    assert html == '<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'


def test_headings_of_every_level_become_modest_section_titles() -> None:
    assert render_markdown("# Big\n\n###### Small") == "<h3>Big</h3>\n<h3>Small</h3>\n"


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c=2", "http://example.org", "mailto:info@example.org"])
def test_links_to_web_and_mail_addresses_are_kept_with_rel(url: str) -> None:
    html = render_markdown(f"[there]({url})")
    assert_inert(html)
    [(_, attrs)] = [element for element in elements(html) if element[0] == "a"]
    assert attrs["rel"] == "nofollow noopener noreferrer"


def test_autolinks_are_links_too() -> None:
    assert 'href="https://example.org"' in render_markdown("<https://example.org>")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "javascript&#58;alert(1)",
        "&#106;avascript:alert(1)",
        "java\tscript:alert(1)",
        "<java\nscript:alert(1)>",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "/relative/path",
        "//evil.example/x",
        "http:evil",
        "https://",
        "mailto:",
    ],
)
def test_links_anywhere_else_are_left_as_plain_text(url: str) -> None:
    html = render_markdown(f"[click]({url}) and <{url}>")
    assert_inert(html)
    assert "<a" not in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<style>body{display:none}</style>",
        "<iframe src=https://evil.example></iframe>",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "<!-- comment --><b>bold</b>",
        "<div>\n\n*x*\n\n</div>",
    ],
)
def test_raw_html_is_shown_as_text(source: str) -> None:
    html = render_markdown(source)
    assert_inert(html)
    assert "&lt;" in html


@pytest.mark.parametrize(
    "source",
    [
        '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
        "[x](https://example.org 'a\" onmouseover=\"alert(1)')",
        '[x](https://example.org/"onmouseover="alert(1))',
        '[x](<https://example.org/" onmouseover="alert(1)>)',
        '[x"><script>alert(1)</script>](https://example.org)',
    ],
)
def test_quotes_in_link_titles_and_urls_cannot_break_out_of_the_attribute(source: str) -> None:
    html = render_markdown(source)
    assert_inert(html)
    assert "onmouseover=" not in html.replace("onmouseover=&quot;", "").replace("onmouseover=%22", "")


def test_images_are_not_images() -> None:
    html = render_markdown("![logo](https://example.org/logo.png) ![x](file:///etc/passwd)")
    assert_inert(html)
    assert "<img" not in html


def test_indented_and_fenced_code_is_escaped_text() -> None:
    html = render_markdown("    <b>indented</b>\n\n```\n<script>x</script>\n```")
    assert_inert(html)
    assert "&lt;b&gt;indented&lt;/b&gt;" in html and "&lt;script&gt;" in html


def test_tables_and_quotes_stay_plain_text() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted")
    assert_inert(html)
    assert "| a | b |" in html and "&gt; quoted" in html


def test_the_result_is_markup_safe_to_insert_in_a_template() -> None:
    assert isinstance(render_markdown("x"), Markup)


def test_plain_text_drops_the_markup_and_keeps_list_markers() -> None:
    source = "We **ask** for [open data](https://example.org):\n\n- one\n- two\n  1. sub\n\n5. five"
    assert plain_text(source) == "We ask for open data:\n- one\n- two\n  1. sub\n5. five"


def test_plain_text_keeps_what_looks_like_html_as_it_was_typed() -> None:
    assert plain_text("a <b>c</b> & d") == "a <b>c</b> & d"


def test_for_print_a_single_new_line_inside_a_paragraph_is_a_space() -> None:
    assert render_markdown("One\ntwo\n\nThree", breaks=False) == "<p>One\ntwo</p>\n<p>Three</p>\n"
    assert render_markdown("One\ntwo") == "<p>One<br>\ntwo</p>\n"  # the web page keeps the text box's lines
