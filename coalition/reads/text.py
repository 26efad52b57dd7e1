"""A statement's text: the small Markdown subset it is written in, rendered safely.

Statements are prose signed by many organisations, so the subset is deliberately small:
paragraphs, emphasis, bullet and numbered lists, headings (all shown at one modest level),
line breaks, and links to web and mail addresses. Raw HTML is never interpreted: it is shown
as the text it is. Anything else (images, tables, code blocks, block quotes) stays plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

#: Link targets a reader can safely follow; anything else (javascript:, data:, file:,
#: relative paths) is left as plain text.
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
#: Every link leaves the platform without endorsing the target or exposing the reader.
LINK_REL = "nofollow noopener noreferrer"
#: Headings in a statement are section titles inside a document that has its own title.
HEADING_TAG = "h3"

_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_RULES = ["paragraph", "list", "heading", "newline", "escape", "emphasis", "link", "autolink"]


def _is_allowed_link(url: str) -> bool:
    # markdown-it hands over the destination already entity-decoded and percent-encoded, so
    # tricks such as "java&#9;script:" or " javascript:" arrive without a usable scheme and
    # are refused as relative links.
    match = _SCHEME.match(url)
    if match is None or match[1].lower() not in ALLOWED_SCHEMES:
        return False
    if match[1].lower() == "mailto":
        return len(url) > len("mailto:")
    return url[match.end() :].startswith("//") and len(url) > match.end() + 2


@cache
def _parser(breaks: bool = True) -> MarkdownIt:
    # breaks=True: statements are typed in a text box, where a new line is meant as one. A printed
    # document (the PDF) joins them: a line break there left by the text box would stop a sentence midway.
    parser = MarkdownIt("zero", {"html": False, "breaks": breaks, "linkify": False, "typographer": False})
    parser.enable(_RULES)
    parser.validateLink = _is_allowed_link  # type: ignore[method-assign]
    return parser


def _tokens(source: str, breaks: bool = True) -> list[Token]:
    tokens = _parser(breaks).parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = HEADING_TAG
        for child in token.children or ():
            if child.type == "link_open":
                child.attrSet("rel", LINK_REL)
    return tokens


def render_markdown(source: str, breaks: bool = True) -> Markup:
    """The statement text as safe HTML: the Markdown subset only, every other character escaped; `breaks`
    False: a single new line inside a paragraph is a space (for print), not a line break (as on the web)."""
    parser = _parser(breaks)
    return Markup(parser.renderer.render(_tokens(source, breaks), parser.options, {}))


def render_blocks(source: str) -> list[str]:
    """The statement text as `render_markdown` gives it, cut into its top-level blocks (a paragraph, a
    heading, a whole list), each safe HTML; joined they are the whole rendering. For comparing versions."""
    blocks: list[list[Token]] = []
    for token in _tokens(source):
        if token.level == 0 and token.nesting >= 0:
            blocks.append([])
        blocks[-1].append(token)
    parser = _parser()
    return [parser.renderer.render(block, parser.options, {}) for block in blocks]


def plain_text(source: str) -> str:
    """The statement text without markup (list items keep a marker), for diffs and search."""
    blocks: list[str] = []
    markers: list[int | None] = []  # per open list: the next number, or None for bullets
    prefix = ""
    for token in _tokens(source):
        if token.type == "bullet_list_open":
            markers.append(None)
        elif token.type == "ordered_list_open":
            markers.append(int(token.attrGet("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            markers.pop()
        elif token.type == "list_item_open":
            number = markers[-1]
            indent = "  " * (len(markers) - 1)
            prefix = f"{indent}- " if number is None else f"{indent}{number}. "
            if number is not None:
                markers[-1] = number + 1
        elif token.type == "inline":
            blocks.append(prefix + _inline_text(token.children or ()))
            prefix = ""
    return "\n".join(blocks)


def _inline_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)
