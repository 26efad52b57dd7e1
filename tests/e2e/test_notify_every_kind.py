"""Every kind of message, received over real SMTP in English and in Romanian: one coalition's life, from a
statement opened to its publication, members asking, declined, approved, suspended, reinstated, invited, a
role, a task, and the clock's reminders, with everybody speaking one language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coalition.notify.kinds import KINDS
from coalition.notify.tables import outbox
from coalition.web.i18n import LOCALES
from tests.e2e.browser import ARTIFACTS
from tests.e2e.conftest import CopyWorlds, services
from tests.e2e.notices import notifier, only_new_events, speaks
from tests.e2e.test_api_statements import RO, STATEMENT
from tests.e2e.world import World
from tests.mail import SmtpServer

#: Kinds this life does not produce; each has its own test (tests/e2e/test_webhook_delivery.py).
ELSEWHERE = {"webhook_disabled"}
MAIL = Path(__file__).parents[2] / "templates" / "mail"
#: Each kind's English subject up to its first placeholder, read from its template's subject block.
ENGLISH_SUBJECTS = {
    kind: found.group(1).strip()
    for kind in KINDS
    if (template := MAIL / f"{kind}.md").exists()
    and (found := re.search(r'block subject %\}\{\{ _\("([^"%]+)', template.read_text()))
}


def live(world: World, smtp: SmtpServer) -> dict[str, tuple[str, str]]:
    """Live through every kind; each kind's (locale, subject) as sent."""
    only_new_events(world)
    now = datetime.now(UTC).replace(microsecond=0)
    turn = notifier(world, smtp, lambda: now).turn
    path = f"{world.path}/statements/" + world.ok("POST", f"{world.path}/statements", "ana", STATEMENT)["id"]
    world.ok("PUT", f"{path}/translations/ro", "ana", RO)
    world.ok("POST", f"{path}/open", "ana", {"deadline": (now + timedelta(days=3)).isoformat(), "threshold": 1})
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    world.ok("POST", f"{path}/amend", "ana", {"body": "We call on *governments* to act today."})
    turn()  # opened, amended, and the deadline in three days
    notifier(world, smtp, lambda: now + timedelta(days=2)).turn()  # the deadline tomorrow
    world.ok("POST", f"{path}/signatures/{world.river}/confirm", "lia", {})
    world.ok("POST", f"{path}/close", "ana")
    world.ok("POST", f"{path}/publish", "ana")
    members = f"{world.path}/members"
    world.ok("POST", members, "olli", {"organisation_id": world.oak})
    world.ok("POST", f"{members}/{world.oak}/decline", "ana", {"reason": "Not yet: write to us first"})
    world.ok("POST", members, "olli", {"organisation_id": world.oak})
    world.ok("POST", f"{members}/{world.oak}/approve", "ana", {})
    world.ok("POST", f"{members}/{world.oak}/suspend", "ana", {"reason": "Dues unpaid"})
    world.ok("POST", f"{members}/{world.oak}/reinstate", "ana", {"reason": "Dues paid"})
    birch = world.ok(
        "POST", "/organisations", "olli", {"name": "Birch Trust", "country": "FI", "sector": "ngo", "mission": "Trees"}
    )["id"]
    world.ok("POST", members, "ana", {"organisation_id": birch})  # a facilitator's invitation
    world.ok(
        "POST",
        f"{world.path}/roles",
        "ana",
        {"email": world.email("olli"), "organisation_id": world.oak, "role": "liaison"},
    )
    world.ok(
        "POST",
        f"{world.path}/tasks",
        "ana",
        {"title": "Plant", "description": "Autumn", "organisation_id": world.oak, "due_on": "2027-10-01"},
    )
    world.ok("POST", f"{world.path}/evaluations", "ana", {"title": "Spring review", "closes_on": "2099-12-31"})
    turn()
    # the world's commitment is due on 2027-03-31 and its task on 2027-04-30 (tests/e2e/world.py)
    # and the agreement ends on 2028-12-31: its facilitators are reminded 60 days before
    for day in ("2027-03-24", "2027-04-01", "2027-05-01", "2028-11-01"):
        moment = datetime.fromisoformat(f"{day}T09:00:00+00:00")
        notifier(world, smtp, lambda moment=moment: moment).turn()  # type: ignore[misc]
    with services(world.api.app).engine.connect() as connection:
        rows = connection.execute(select(outbox.c.kind, outbox.c.locale, outbox.c.subject, outbox.c.status))
        sent = {r.kind: (r.locale, r.subject) for r in rows if r.status == "sent"}
    assert len(smtp.messages) >= len(sent)
    return sent


def test_every_kind_is_sent_in_english_and_in_romanian(worlds: CopyWorlds, smtp: SmtpServer) -> None:
    english = live(worlds()[""], smtp)
    assert set(english) == set(KINDS) - ELSEWHERE
    assert {locale for locale, _ in english.values()} == {"en"}
    romanian_world = worlds()[""]
    for person in romanian_world.users:
        speaks(romanian_world, person, "ro")
    romanian = live(romanian_world, smtp)
    assert set(romanian) == set(KINDS) - ELSEWHERE
    assert {locale for locale, _ in romanian.values()} == {"ro"}
    untranslated = sorted(kind for kind in english if english[kind][1] == romanian[kind][1])
    assert untranslated == [], "these subjects are the same in English and Romanian"
    received = {str(m["Subject"]) for m in smtp.messages}
    assert {subject for _, subject in [*english.values(), *romanian.values()]} <= received


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the backend adds nothing a language could break
@pytest.mark.parametrize("locale", sorted(set(LOCALES) - {"en", "ro"}))
def test_every_kind_is_sent_in_each_other_language(worlds: CopyWorlds, smtp: SmtpServer, locale: str) -> None:
    """Polish, Finnish, Bulgarian, Hungarian: every kind is rendered and received in the reader's language (its
    plural forms, dates and words format), its subject is not the English one, and each mail is kept under
    tests/artifacts/mail-<locale>/ to be read."""
    world = worlds()[""]
    for person in world.users:
        speaks(world, person, locale)
    sent = live(world, smtp)
    assert set(sent) == set(KINDS) - ELSEWHERE
    assert {language for language, _ in sent.values()} == {locale}
    assert len(ENGLISH_SUBJECTS) >= len(sent) // 2  # the templates were read
    english = [kind for kind, (_, subject) in sent.items() if subject.startswith(ENGLISH_SUBJECTS.get(kind, "\0"))]
    assert english == [], "these subjects are still English"
    folder = ARTIFACTS / f"mail-{locale}"
    folder.mkdir(parents=True, exist_ok=True)
    received = [m for m in smtp.messages if str(m["Subject"]) in {s for _, s in sent.values()}]
    for number, message in enumerate(received):
        body = message.get_body(preferencelist=("plain",))
        assert body is not None and "%(" not in body.get_content() and "{{" not in body.get_content()
        assert not re.search(r"[^.]\.\.(?!\.)", body.get_content())  # "2028. dec. 31.." (hu), "4 дек. 2026 г.."
        (folder / f"{number:02}.txt").write_text(f"Subject: {message['Subject']}\n\n{body.get_content()}")
