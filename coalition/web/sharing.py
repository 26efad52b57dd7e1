"""How a published statement is passed on: its absolute address, an e-mail to share it, its social preview.

Absolute addresses come from the configured PUBLIC_URL, never from the request's Host header, so a
poisoned request cannot make the page advertise (or the feed publish) someone else's address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from babel.core import get_global
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from coalition.infra.formats import localised_day
from coalition.reads.text import plain_text

#: How long a preview's description may be (what the social networks show of it).
DESCRIPTION = 200
SITE_NAME = "Coalition"


def absolute(path: str) -> str:
    """An absolute address on this site, from PUBLIC_URL."""
    return f"{str(current_app.config.get('PUBLIC_URL') or '').rstrip('/')}{path}"


def public_url(statement_id: str, lang: str | None = None) -> str:
    """The absolute address of a published statement's public page (in `lang`, if given)."""
    return absolute(url_for("public.statement_page", statement_id=statement_id, lang=lang))


def mailto(subject: str, body: str) -> str:
    """A mailto: link with a prefilled subject and body (RFC 6068: every reserved character percent-encoded,
    spaces as %20, line breaks as %0D%0A)."""
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def share_mail(title: str, coalition: str | None, published_at: str, organisations: int, url: str) -> str:
    """The mailto: link that shares a published statement, written in the reader's language."""
    lines = [
        title,
        "",
        ngettext(
            "A joint statement of %(coalition)s, published on %(day)s and signed by %(num)d organisation.",
            "A joint statement of %(coalition)s, published on %(day)s and signed by %(num)d organisations.",
            organisations,
            coalition=coalition or SITE_NAME,
            day=localised_day(published_at),
        ),
        "",
        _("Read it, see who signed it and download the sealed PDF: %(url)s", url=url),
    ]
    return mailto(_("Joint statement: %(title)s", title=title), "\n".join(lines))


def excerpt(body: str, length: int = DESCRIPTION) -> str:
    """The statement text as one line of plain text, cut at a word boundary near `length` characters."""
    text = " ".join(plain_text(body).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[length - 1] != " ":  # the last word was cut: leave it out
        cut = cut.rsplit(" ", 1)[0] or cut
    return cut.rstrip(" ,.;:") + "…"


def og_locale(language: str) -> str:
    """Open Graph's form of a language (ro: ro_RO), its most likely territory added."""
    likely = str(get_global("likely_subtags").get(language, language))
    parts = likely.split("_")
    return f"{parts[0]}_{parts[-1]}" if len(parts) > 1 else parts[0]


def share(
    statement_id: str, title: str, coalition: str | None, published_at: str, organisations: int
) -> dict[str, Any]:
    """What the share card shows: the public address to copy and the e-mail that shares it."""
    url = public_url(statement_id)
    return {"url": url, "mailto": share_mail(title, coalition, published_at, organisations, url)}
