"""What a notification says: one Markdown template per kind, rendered in the recipient's language as the
plain text and the HTML alternative of the e-mail (no remote images, no scripts)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from coalition.infra.formats import reading_zone, written_day, written_moment
from coalition.reads.text import render_markdown

#: Markdown's punctuation, escaped in the values put into a template, so that a title such as
#: "[Act now](https://elsewhere)" is shown as typed and never becomes a link or emphasis.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")
_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)\)")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")


def escape_markdown(value: object) -> str:
    """A value as literal text inside a Markdown template (the `md` filter); line breaks become spaces."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))


#: A web address in a held message's text: only characters a URL of ours is made of, so that the address ends
#: before anything (`>`, `(`, `[`) that could close the autolink and open another link.
_URL = re.compile(r"(https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+)")
_AUTOLINK = re.compile(r"(?<!\\)<(https?://[^<>\s]+)>")  # a link of ours in a digest, <url>
_BLANKS = re.compile(r"\n\s*\n(\s*\n)+")


def literal_lines(text: str, own: str) -> str:
    """A plain text (a message held for the digest) as literal Markdown, line by line: every character shown as
    written, so that what a person typed never becomes a link, except the platform's own links (starting `own`),
    which stay clickable."""
    lines = []
    for line in text.splitlines():
        parts = _URL.split(line)
        lines.append(
            "".join(
                f"<{part}>" if n % 2 and own and part.startswith(own) else _MARKDOWN.sub(r"\\\1", part)
                for n, part in enumerate(parts)
            )
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message in one language: its subject, plain text and HTML."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Notice:
    """One message one person should get: `kind` (a preference), `template` under templates/mail/, its values."""

    kind: str
    user_id: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    subject_id: str = ""  # what it is about (a statement, a task), for reminders' keys
    #: What a reminder is for when that is not the day (the 60-day reminder of one end date): given, the reminder is
    #: keyed by it instead of by the day, so it is queued once whichever day it first falls due (a late one too).
    occasion: str = ""
    #: The day a reminder keyed by its occasion was keyed by before occasions existed (the 60-day reminder of an end
    #: date: that date less 60 days): one queued under that older key counts as sent, so an upgrade resends none.
    keyed_before_on: str = ""
    attachment: str | None = None


def link(path: str) -> str:
    """An absolute link into the platform (mail is read far from any request)."""
    return f"{str(current_app.config.get('PUBLIC_URL') or '').rstrip('/')}{path}"


def _as_text(source: str) -> str:
    """The Markdown source as a plain text e-mail: links written out, escapes and emphasis marks removed."""
    text = _LINK.sub(lambda m: f"{m[1]}: {m[2]}" if m[1] and m[1] != m[2] else m[2], source)
    text = _AUTOLINK.sub(r"\1", text.replace("**", ""))
    return _BLANKS.sub("\n\n", _ESCAPED.sub(r"\1", text)).strip() + "\n"


def render(template: str, locale: str, context: Mapping[str, Any], zone: str | None = None) -> Rendered:
    """Render `templates/mail/<template>.md` in `locale`, its times on the clock of `zone` (the recipient's; None:
    UTC), inside an app context."""
    with force_locale(locale), reading_zone(zone):
        values = {"link": link, "locale": locale, "moment": written_moment, "day": written_day, **context}
        jinja = current_app.jinja_env.get_template(f"mail/{template}.md")
        subject_block = jinja.blocks.get("subject")
        if subject_block is None:
            raise LookupError(f"mail/{template}.md has no subject block")
        subject = " ".join("".join(subject_block(jinja.new_context(values))).split())
        source = jinja.render(values)
        html = render_template("mail/_layout.html", subject=subject, body=Markup(render_markdown(source)), **values)
    return Rendered(subject[:290], _as_text(source), html)
