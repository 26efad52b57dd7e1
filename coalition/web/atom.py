"""The Atom 1.0 feed of published statements (RFC 4287), written with the standard library's ElementTree.

ElementTree escapes text and attributes; characters XML 1.0 cannot carry at all (most C0 controls, lone
surrogates) are dropped first, so no title can make the feed unreadable. Ids are `urn:uuid:` names derived
from the statement id (an entry's never changes) and from the site's address (the feed's).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml"
#: The namespace the feed's and entries' uuid5 ids are made in (fixed: changing it would change every id).
IDS = uuid.UUID("0b7f6a0e-93c1-4f55-8f4e-5d2c1a6e2b17")
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One published statement in the feed."""

    statement_id: str
    title: str
    language: str
    url: str
    author: str
    published: str  # RFC 3339
    summary: str


def entry_id(statement_id: str) -> str:
    """The entry's permanent id: the same statement is the same entry wherever and whenever it is read."""
    return f"urn:uuid:{uuid.uuid5(IDS, 'statement:' + statement_id)}"


def feed_id(site: str) -> str:
    """The feed's permanent id, one per site."""
    return f"urn:uuid:{uuid.uuid5(IDS, 'feed:statements:' + site)}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, name, {k: _clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def feed(
    *, site: str, title: str, language: str, self_url: str, page_url: str, updated: str, entries: Iterable[Entry]
) -> bytes:
    """The feed document, UTF-8 with an XML declaration."""
    # Unqualified names under a default namespace declared on the root: nothing registered in ElementTree's
    # process-wide prefix table.
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: _clean(language)})
    _add(root, "id", feed_id(site))
    _add(root, "title", title)
    _add(root, "updated", updated)
    _add(root, "link", rel="self", type=MEDIA_TYPE, href=self_url)
    _add(root, "link", rel="alternate", type="text/html", href=page_url)
    _add(_add(root, "author"), "name", "Coalition")
    _add(root, "generator", "Coalition")
    for item in entries:
        entry = _add(root, "entry")
        entry.set(XML_LANG, _clean(item.language))
        _add(entry, "id", entry_id(item.statement_id))
        _add(entry, "title", item.title, type="text")
        _add(entry, "published", item.published)
        _add(entry, "updated", item.published)
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        _add(_add(entry, "author"), "name", item.author)
        _add(entry, "summary", item.summary, type="text")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
