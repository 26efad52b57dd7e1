"""A queued message as an e-mail: headers for threading, automation and one-click unsubscribe, text and HTML."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

#: What a message's `attachment` names, turned into (file name, bytes, MIME type) when sending.
Attach = Callable[[str], tuple[str, bytes, str]]

#: Kinds a person cannot turn off: they answer something the person did (invitations, resets).
ALWAYS_SENT = frozenset({"invitation", "password_reset", "account"})


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


def sender(config: Mapping[str, Any]) -> Address:
    """`COALITION_MAIL_FROM` ("Name <address>" or an address) as a header address."""
    name, address = parseaddr(str(config.get("MAIL_FROM") or ""))
    if "@" not in address:
        raise ValueError(f"COALITION_MAIL_FROM {config.get('MAIL_FROM')!r} is not an e-mail address")
    user, _, domain = address.rpartition("@")
    return Address(display_name=name or "Coalition", username=user, domain=domain)


def message(row: Mapping[str, Any], config: Mapping[str, Any], attach: Attach | None = None) -> EmailMessage:
    """The e-mail for one outbox row."""
    source = sender(config)
    mail = EmailMessage()
    mail["From"] = source
    mail["To"] = row["email"]
    mail["Subject"] = row["subject"]
    mail["Date"] = format_datetime(datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")))
    mail["Message-ID"] = f"<{row['message_id']}@{source.domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    if row["user_id"] and row["kind"] not in ALWAYS_SENT:
        mail["List-Unsubscribe"] = f"<{unsubscribe_url(config, row['user_id'], row['kind'])}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(row["text"])
    mail.add_alternative(row["html"], subtype="html")
    if row["attachment"] and attach is not None:
        filename, data, mimetype = attach(row["attachment"])
        main, _, sub = mimetype.partition("/")
        mail.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    # Last: making the message multipart moves every Content-* header set before into its first part.
    mail["Content-Language"] = row["locale"]
    return mail
