"""Where messages go: an SMTP server, or a folder of `.eml` files (`COALITION_MAIL_URL`)."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class Undeliverable(Exception):
    """A message could not be handed over; `permanent` when trying again cannot help (a 5xx reply)."""

    def __init__(self, reason: str, permanent: bool = False, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.unreachable = unreachable  # the server itself could not be reached: the rest of a batch waits too


class Transport(Protocol):
    """Hands messages over, one connection for many (a context manager around a batch)."""

    def __enter__(self) -> Transport: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def send(self, message: Message) -> None:
        """Hand one message over, or raise Undeliverable."""


@dataclass
class FileTransport:
    """Writes each message as one `.eml` file, named by its Message-ID (a resend overwrites it)."""

    directory: Path

    def __enter__(self) -> FileTransport:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def send(self, message: Message) -> None:
        name = str(message["Message-ID"]).strip("<>").partition("@")[0]
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".mail.")
            with os.fdopen(descriptor, "wb") as file:
                file.write(bytes(message))
            os.replace(temporary, self.directory / f"{name}.eml")
        except OSError as error:
            raise Undeliverable(f"cannot write to {self.directory}: {error.strerror}", unreachable=True) from error


@dataclass
class SmtpTransport:
    """Sends over SMTP, with STARTTLS or implicit TLS if asked, reusing one connection for a batch."""

    host: str
    port: int
    tls: str | None = None  # None, "starttls" or "ssl"
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    _connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *_: object) -> None:
        self._close()

    def _open(self) -> smtplib.SMTP:
        if self._connection is None:
            try:
                if self.tls == "ssl":
                    made: smtplib.SMTP = smtplib.SMTP_SSL(
                        self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                    )
                else:
                    made = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                    if self.tls == "starttls":
                        made.starttls(context=ssl.create_default_context())
                if self.user:
                    made.login(self.user, self.password or "")
            except smtplib.SMTPResponseException as error:
                # a refused greeting, STARTTLS or login is the server's (or our settings') fault, not the
                # message's: the whole batch waits and is tried again, none is marked failed for it
                raise Undeliverable(f"{self.host}:{self.port} refused us: {_text(error)}", unreachable=True) from error
            except (OSError, smtplib.SMTPException) as error:
                raise Undeliverable(f"cannot reach {self.host}:{self.port}: {error}", unreachable=True) from error
            self._connection = made
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None

    def send(self, message: Message) -> None:
        connection = self._open()
        try:
            refused = connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise _refused(code, reply) from error
        except smtplib.SMTPSenderRefused as error:
            # MAIL FROM refused: our sender address (a setting), not this message; the batch waits
            self._close()
            raise Undeliverable(f"the sender was refused: {_text(error)}", unreachable=True) from error
        except smtplib.SMTPDataError as error:
            raise _refused(error.smtp_code, error.smtp_error) from error  # this message's content refused
        except smtplib.SMTPResponseException as error:
            self._close()  # anything else (421 closing, a bad state): the server's, tried again later
            raise Undeliverable(f"{self.host}:{self.port} answered {_text(error)}", unreachable=True) from error
        except (OSError, smtplib.SMTPException) as error:
            self._close()
            raise Undeliverable(
                f"the connection to {self.host}:{self.port} failed: {error}", unreachable=True
            ) from error
        if refused:
            code, reply = next(iter(refused.values()))
            raise _refused(code, reply)


def _text(error: smtplib.SMTPResponseException) -> str:
    reply = error.smtp_error
    return f"{error.smtp_code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"


def _refused(code: int, reply: bytes | str) -> Undeliverable:
    """A server's refusal: permanent for 5xx replies, worth another try for 4xx (and anything odd)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return Undeliverable(f"{code} {text}", permanent=500 <= code < 600)


def transport(url: str) -> SmtpTransport | FileTransport:
    """The transport a `COALITION_MAIL_URL` names; ValueError saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path.startswith("/") or parts.netloc:
            raise ValueError(f"COALITION_MAIL_URL {url!r}: a folder is written file:///absolute/path")
        return FileTransport(Path(unquote(parts.path)))
    if parts.scheme != "smtp":
        raise ValueError(f"COALITION_MAIL_URL {url!r}: use smtp://host:port or file:///absolute/path")
    if not parts.hostname:
        raise ValueError(f"COALITION_MAIL_URL {url!r}: name the SMTP server, smtp://host:port")
    query = parse_qs(parts.query)
    tls = query["tls"][0] if "tls" in query else None
    if tls not in (None, "starttls", "ssl"):
        raise ValueError(f"COALITION_MAIL_URL {url!r}: tls must be starttls or ssl")
    try:
        port = parts.port or (465 if tls == "ssl" else 25)
    except ValueError as error:
        raise ValueError(f"COALITION_MAIL_URL {url!r}: the port is not a number from 1 to 65535") from error
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return SmtpTransport(parts.hostname, port, tls, user, password)
