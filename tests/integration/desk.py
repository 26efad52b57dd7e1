"""What the handler tests share: the app's services on a real SQLite store, people, and a context per call.

No HTTP: a test calls `coalition.handlers.*` as a page or the API would, with a `Context` saying
who acts and on which day, and looks at the answer and at the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

from coalition import create_app
from coalition.accounts import emails, register
from coalition.handlers import Context
from coalition.handlers import coalitions as coalition_handlers
from coalition.handlers import organisations as organisation_handlers
from coalition.infra.extensions import Services
from tests.conftest import migrate
from tests.copies import Databases

T = TypeVar("T")
TODAY = date(2027, 1, 15)
PEOPLE = ("ana", "bo", "lia", "mo", "olli")
AGREEMENT: dict[str, Any] = {
    "name": "Danube Rivers Coalition",
    "purpose": "Cleaner rivers across the Danube basin",
    "objectives": [{"text": "Monitor water quality at 40 sites"}, {"text": "Publish a joint policy brief"}],
    "starts_on": date(2026, 1, 1),
    "cooperation_mechanism": "Monthly calls",
    "benefit_sharing": "Joint credit",
}


@dataclass
class Desk:
    """The services of an app on its own SQLite copy, and the people registered on it (name -> user id)."""

    services: Services
    users: dict[str, str] = field(default_factory=dict)

    def as_(self, person: str, today: date = TODAY, **request: Any) -> Context:
        """The context of one command issued by `person` on `today` (with an Idempotency-Key, etc. if given)."""
        return Context(self.services, self.users[person], today, **request)

    def email(self, person: str) -> str:
        return f"{person}@example.org"

    def types(self) -> list[str]:
        """The type of every event in the log, in order."""
        return [event.type for event in self.services.store.read_all()]

    def head(self) -> int:
        """How many events the log holds."""
        return self.services.store.head()[0]

    def refused(self, error: type[Exception], command: Callable[[], T]) -> Exception:
        """`command` is refused with `error` and the log does not move; the error."""
        before = self.head()
        with pytest.raises(error) as refusal:
            command()
        assert self.head() == before, "a refused command recorded something"
        return refusal.value


@pytest.fixture
def desk(databases: Databases, tmp_path: Path) -> Iterator[Desk]:
    """A migrated SQLite database of the test's own (a copy), the app's services on it, five people."""
    template = databases.template("sqlite", "migrated", migrate)
    with databases.copy(template, tmp_path) as url:
        app = create_app(
            {
                "DATABASE_URL": url,
                "TESTING": True,
                "SECRET_KEY": "test",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "SQLITE_SYNCHRONOUS": "OFF",
                "PDF_CACHE_DIRECTORY": str(tmp_path / "pdf-cache"),
                "SEAL_DIRECTORY": str(tmp_path / "seal"),
            }
        )
        services: Services = app.extensions["coalition"]
        made = Desk(services)
        made.users = {p: register(services, made.email(p), "correct horse battery", p.title()) for p in PEOPLE}
        for user_id in made.users.values():
            emails.mark_verified(services, user_id)  # their addresses verified, as signing and mandates need
        yield made
        services.engine.dispose()


@dataclass
class Ids:
    """A coalition founded by Green Earth (Ana) with River Watch (Bo administers, Lia and Mo hold mandates) in it."""

    green: str
    river: str
    oak: str
    coalition: str


def founded(desk: Desk) -> Ids:
    """Organisations, mandates, a coalition, River Watch admitted and Lia its liaison: all through handlers."""
    create = organisation_handlers.create_organisation
    green = create(desk.as_("ana"), name="Green Earth", country="ro", sector="ngo", mission="Rivers")["id"]
    river = create(desk.as_("bo"), name="River Watch", country="PL", sector="ngo", mission="Watch")["id"]
    oak = create(desk.as_("olli"), name="Oak Institute", country="FI", sector="academic", mission="Research")["id"]
    for person in ("lia", "mo"):
        organisation_handlers.grant_mandate(desk.as_("bo"), river, email=desk.email(person), title="Officer")
    coalition = coalition_handlers.found_coalition(desk.as_("ana"), organisation_id=green, **AGREEMENT)["id"]
    coalition_handlers.join(desk.as_("bo"), coalition, organisation_id=river)
    coalition_handlers.change_membership(desk.as_("ana"), coalition, river, "approve")
    coalition_handlers.assign_role(
        desk.as_("ana"), coalition, email=desk.email("lia"), organisation_id=river, role="liaison"
    )
    return Ids(green, river, oak, coalition)
