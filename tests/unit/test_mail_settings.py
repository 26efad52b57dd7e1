"""The mail settings and the e-mail's headers: what a misconfiguration or a hostile value gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coalition.notify.compose import message, read_unsubscribe_token, sender, unsubscribe_token
from coalition.notify.messages import escape_markdown
from coalition.notify.transport import FileTransport, SmtpTransport, transport

CONFIG = {"MAIL_FROM": "Coalition <mail@coalition.example>", "PUBLIC_URL": "https://c.example", "SECRET_KEY": "k"}
ROW: dict[str, Any] = {
    "message_id": "abc",
    "email": "ana@example.org",
    "subject": "Sign: Clean rivers",
    "created_at": "2026-12-03T10:00:00.000000Z",
    "locale": "ro",
    "user_id": "u1",
    "kind": "statement_opened",
    "text": "Hello\n",
    "html": "<p>Hello</p>",
    "attachment": None,
}


def test_smtp_urls_name_host_port_credentials_and_tls() -> None:
    made = transport("smtp://user%40x:p%3Ass@mail.example:2525?tls=starttls")
    assert made == SmtpTransport("mail.example", 2525, "starttls", "user@x", "p:ss")
    assert transport("smtp://mail.example?tls=ssl").port == 465  # type: ignore[union-attr]
    assert transport("smtp://mail.example").port == 25  # type: ignore[union-attr]
    assert transport("file:///var/mail/out") == FileTransport(Path("/var/mail/out"))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example", "use smtp://host:port or file:///absolute/path"),
        ("smtp://", "name the SMTP server"),
        ("smtp://mail.example?tls=yes", "tls must be starttls or ssl"),
        ("smtp://mail.example:99999", "the port is not a number from 1 to 65535"),
        ("file://relative/dir", "file:///absolute/path"),
    ],
)
def test_a_bad_mail_url_says_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace("/", "/")):
        transport(url)


def test_the_app_refuses_to_start_with_a_bad_mail_setting() -> None:
    from coalition import config

    settings = config.defaults("/tmp")
    with pytest.raises(ValueError, match="COALITION_MAIL_URL"):
        config.check({**settings, "MAIL_URL": "smtp://"})
    with pytest.raises(ValueError, match="COALITION_MAIL_FROM"):
        config.check({**settings, "MAIL_FROM": "not an address"})


def test_the_sender_has_a_display_name() -> None:
    assert sender(CONFIG) == ("Coalition", "mail@coalition.example")
    assert sender({"MAIL_FROM": "ops@example.org"}) == ("Coalition", "ops@example.org")


def test_a_header_value_with_a_line_break_is_refused() -> None:
    """Header injection: a subject or address carrying CR/LF would add headers (a Bcc) to the message."""
    with pytest.raises(ValueError, match="line breaks"):
        message({**ROW, "subject": "Hi\r\nBcc: everyone@example.org"}, CONFIG)
    with pytest.raises(ValueError, match="line breaks"):
        message({**ROW, "email": "ana@example.org\nBcc: x@example.org"}, CONFIG)


def test_a_non_ascii_subject_is_encoded_and_the_headers_are_complete() -> None:
    mail = message({**ROW, "subject": "Semnați: Râuri curate"}, CONFIG)
    assert b"Subject: =?utf-8?" in mail.as_bytes()
    assert mail["Message-ID"] == "<abc@coalition.example>"
    assert mail["Content-Language"] == "ro"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [p.get_content_type() for p in mail.walk()] == ["multipart/alternative", "text/plain", "text/html"]


def test_messages_people_cannot_turn_off_carry_no_unsubscribe() -> None:
    mail = message({**ROW, "kind": "password_reset"}, CONFIG)
    assert mail["List-Unsubscribe"] is None


def test_an_unsubscribe_token_names_its_person_and_kind_and_cannot_be_forged() -> None:
    token = unsubscribe_token("k", "u1", "statement_opened")
    assert read_unsubscribe_token("k", token) == ("u1", "statement_opened")
    assert read_unsubscribe_token("other key", token) is None
    assert read_unsubscribe_token("k", token[:-2] + "xx") is None


def test_values_put_into_a_mail_template_cannot_make_links_or_emphasis() -> None:
    assert escape_markdown("[Act](https://evil.example) *now*") == r"\[Act\]\(https://evil\.example\) \*now\*"
    assert escape_markdown("two\r\nlines") == "two lines"


def test_a_typed_address_that_starts_like_ours_cannot_smuggle_a_link_into_the_digest() -> None:
    from coalition.notify.messages import literal_lines
    from coalition.reads.text import render_markdown

    own = "https://coalition.example/"
    typed = "https://coalition.example/x>[Click](https://evil.example/phish) and (https://coalition.example/y)"
    html = str(render_markdown(literal_lines(typed, own)))
    assert 'evil.example/phish"' not in html and 'href="https://evil' not in html
    assert '<a href="https://coalition.example/x"' in html  # our own link stays clickable
    assert "[Click]" in html  # the rest is shown as typed


def test_the_loop_runs_in_the_background_only_of_a_serving_process() -> None:
    """`make run` sets COALITION_NOTIFY_IN_PROCESS for `flask run`; other commands (a migration, the demo, the
    loop's own `flask notify run`) and WSGI servers, which import the app without a command line, are told apart."""
    import click

    from coalition.notify.worker import serving

    root = click.Context(click.Group("flask"), info_name="flask")
    assert serving()  # imported by gunicorn: no command line
    with click.Context(click.Command("run"), info_name="run", parent=root):
        assert serving()  # flask run
    group = click.Context(click.Group("notify"), info_name="notify", parent=root)
    with click.Context(click.Command("run"), info_name="run", parent=group):
        assert not serving()  # flask notify run has its own loop
    with click.Context(
        click.Command("upgrade"),
        info_name="upgrade",
        parent=click.Context(click.Group("db"), info_name="db", parent=root),
    ):
        assert not serving()  # flask db upgrade
