"""A queued message as an e-mail: headers for threading, automation and one-click unsubscribe, text and HTML."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

#: What a message's `attachment` names, turned into (file name, bytes, MIME type) when sending.
Attach = Callable[[str], tuple[str, bytes, str]]

#: Kinds a person cannot turn off: they answer something the person did (invitations, resets).
ALWAYS_SENT = frozenset({"invitation", "password_reset", "account"})
_UNSAFE = re.compile(r"[\r\n\x00]")


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="coalition-unsubscribe")


def unsubscribe_token(secret: str, user_id: str, kind: str) -> str:
    """A token that turns off one kind of message for one person, without signing in (RFC 8058)."""
    return str(_signer(secret).dumps([user_id, kind]))


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str] | None:
    """The (person, kind) a token names, or None if it was not made by us."""
    try:
        user_id, kind = _signer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(user_id), str(kind)


def unsubscribe_url(config: Mapping[str, Any], user_id: str, kind: str) -> str:
    """The https (in production) link of the one-click unsubscribe for a person and kind."""
    base = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/unsubscribe/{unsubscribe_token(str(config['SECRET_KEY']), user_id, kind)}"


def sender(config: Mapping[str, Any]) -> tuple[str, str]:
    """`COALITION_MAIL_FROM` ("Name <address>" or an address) as (display name, address)."""
    name, address = parseaddr(str(config.get("MAIL_FROM") or ""))
    if "@" not in address or _UNSAFE.search(str(config.get("MAIL_FROM"))):
        raise ValueError(f"COALITION_MAIL_FROM {config.get('MAIL_FROM')!r} is not an e-mail address")
    return name or "Coalition", address


def _header(value: str) -> str:
    """A header value as given, refused if it could start another header (CR, LF or NUL)."""
    if _UNSAFE.search(value):
        raise ValueError(f"a header value may not hold line breaks: {value!r}")
    return value


def message(row: Mapping[str, Any], config: Mapping[str, Any], attach: Attach | None = None) -> Message:
    """The e-mail for one outbox row: text and HTML alternatives (and an attachment if it names one).

    Built with the standard library's MIME classes (the compat32 policy), whose headers cost a fraction of
    the newer `EmailMessage`'s parsing registry; every header value is checked for line breaks here.
    """
    name, address = sender(config)
    alternatives = MIMEMultipart("alternative")
    alternatives.attach(MIMEText(row["text"], "plain", "utf-8"))
    alternatives.attach(MIMEText(row["html"], "html", "utf-8"))
    mail: Message = alternatives
    if row["attachment"] and attach is not None:
        filename, data, mimetype = attach(row["attachment"])
        main, _, sub = mimetype.partition("/")
        if main != "application":
            raise ValueError(f"only application/* attachments are sent, not {mimetype}")
        part = MIMEApplication(data, sub)
        part.add_header("Content-Disposition", "attachment", filename=_header(filename))
        mail = MIMEMultipart("mixed")
        mail.attach(alternatives)
        mail.attach(part)
    mail["From"] = formataddr((name, address), "utf-8")
    mail["To"] = _header(row["email"])
    subject = _header(row["subject"])
    mail["Subject"] = subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    mail["Date"] = format_datetime(datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")))
    mail["Message-ID"] = f"<{row['message_id']}@{address.rpartition('@')[2]}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail["Content-Language"] = _header(row["locale"])
    if row["user_id"] and row["kind"] not in ALWAYS_SENT:
        mail["List-Unsubscribe"] = f"<{unsubscribe_url(config, row['user_id'], row['kind'])}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail
